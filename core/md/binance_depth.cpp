#include "core/md/binance_depth.hpp"

#include <string>

#include "core/md/depth_levels.hpp"
#include "core/md/json_scanner.hpp"

namespace propbot::md {
namespace {

// Collects what went wrong while walking a message; building the Error is the only
// allocation, and only on failure.
struct ParseProblem {
  std::string_view field;  // static name of the field being read, empty for syntax
  std::string detail;

  bool fail(std::string_view name, std::string_view what) {
    field = name;
    if (detail.empty()) detail = what;
    return false;
  }

  Status error(std::string_view context, const JsonScanner& scanner) const {
    std::string message(context);
    if (field.empty()) {
      message += ": malformed JSON at byte " + std::to_string(scanner.position());
    } else {
      message += ": field '" + std::string(field) + "' " + detail;
    }
    return make_error(Errc::parse_error, std::move(message));
  }
};

Status missing(std::string_view context, std::string_view field) {
  return make_error(Errc::parse_error, std::string(context) + ": field '" + std::string(field) + "' missing");
}

// Reads one field of the given kind, refusing duplicates. `bit` marks it seen.
struct FieldReader {
  JsonScanner& scanner;
  ParseProblem& problem;
  unsigned seen = 0;

  bool first_time(unsigned bit, std::string_view name) {
    if ((seen & bit) != 0) return problem.fail(name, "appears twice");
    seen |= bit;
    return true;
  }
  bool integer(unsigned bit, std::string_view name, std::int64_t& target) {
    if (!first_time(bit, name)) return false;
    return scanner.read_int(target) || problem.fail(name, "is not an integer");
  }
  bool string(unsigned bit, std::string_view name, std::string_view& target) {
    if (!first_time(bit, name)) return false;
    return scanner.read_string(target) || problem.fail(name, "is not a string");
  }
  bool levels(unsigned bit, std::string_view name, const LevelGrid& grid, std::vector<BookLevel>& target) {
    if (!first_time(bit, name)) return false;
    target.clear();
    const bool ok = detail::read_level_array(
        scanner, 0, problem.detail, [&](std::size_t index, std::string_view price, std::string_view size) {
          BookLevel level;
          if (!detail::convert_level(grid, index, price, size, level, problem.detail)) return false;
          target.push_back(level);
          return true;
        });
    return ok || problem.fail(name, "");
  }
};

enum UpdateField : unsigned {
  kEventType = 1U << 0,
  kEventTime = 1U << 1,
  kTransactionTime = 1U << 2,
  kSymbol = 1U << 3,
  kFirstId = 1U << 4,
  kFinalId = 1U << 5,
  kPrevFinalId = 1U << 6,
  kBids = 1U << 7,
  kAsks = 1U << 8,
  kStream = 1U << 9,
  kData = 1U << 10,
};

constexpr std::string_view kUpdateContext = "depthUpdate";
constexpr std::string_view kSnapshotContext = "depth snapshot";

}  // namespace

void BinanceDepthUpdate::clear() {
  stream = {};
  symbol = {};
  event_time_ms = transaction_time_ms = first_id = final_id = prev_final_id = 0;
  bids.clear();
  asks.clear();
}

void BinanceDepthSnapshot::clear() {
  last_update_id = event_time_ms = transaction_time_ms = 0;
  bids.clear();
  asks.clear();
}

Status parse_binance_depth_update(std::string_view text, const LevelGrid& grid, BinanceDepthUpdate& out) {
  out.clear();
  JsonScanner scanner(text);
  ParseProblem problem;
  FieldReader reader{scanner, problem, 0};
  std::string_view event_type;

  auto event_field = [&](std::string_view key) -> bool {
    if (key.size() == 1) {
      switch (key[0]) {
        case 'e': return reader.string(kEventType, "e", event_type);
        case 'E': return reader.integer(kEventTime, "E", out.event_time_ms);
        case 'T': return reader.integer(kTransactionTime, "T", out.transaction_time_ms);
        case 's': return reader.string(kSymbol, "s", out.symbol);
        case 'U': return reader.integer(kFirstId, "U", out.first_id);
        case 'u': return reader.integer(kFinalId, "u", out.final_id);
        case 'b': return reader.levels(kBids, "b", grid, out.bids);
        case 'a': return reader.levels(kAsks, "a", grid, out.asks);
        default: break;
      }
    } else if (key == "pu") {
      return reader.integer(kPrevFinalId, "pu", out.prev_final_id);
    }
    return scanner.skip_value();
  };
  bool wrapped = false;
  bool bare = false;
  const bool ok = scanner.read_object([&](std::string_view key) -> bool {
    if (key == "stream") {
      wrapped = true;
      return reader.string(kStream, "stream", out.stream);
    }
    if (key == "data") {
      wrapped = true;
      if (!reader.first_time(kData, "data")) return false;
      return scanner.read_object(event_field);
    }
    bare = true;
    return event_field(key);
  });
  if (!ok) return problem.error(kUpdateContext, scanner);
  if (!scanner.at_end()) return make_error(Errc::parse_error, "depthUpdate: trailing characters after the object");
  if (wrapped && (reader.seen & kData) == 0) return missing(kUpdateContext, "data");
  if (wrapped && bare) {
    return make_error(Errc::parse_error, "depthUpdate: event fields beside the combined-stream 'data' object");
  }
  static constexpr struct {
    unsigned bit;
    std::string_view name;
  } kRequired[] = {{kEventType, "e"}, {kEventTime, "E"}, {kTransactionTime, "T"}, {kSymbol, "s"}, {kFirstId, "U"},
                   {kFinalId, "u"},   {kPrevFinalId, "pu"}, {kBids, "b"},        {kAsks, "a"}};
  for (const auto& field : kRequired) {
    if ((reader.seen & field.bit) == 0) return missing(kUpdateContext, field.name);
  }
  if (event_type != "depthUpdate") {
    return make_error(Errc::parse_error,
                      "depthUpdate: field 'e' is '" + std::string(event_type) + "', expected 'depthUpdate'");
  }
  if (out.first_id > out.final_id) {
    return make_error(Errc::parse_error, "depthUpdate: field 'U' (" + std::to_string(out.first_id) +
                                             ") is greater than 'u' (" + std::to_string(out.final_id) + ")");
  }
  return {};
}

Status parse_binance_depth_snapshot(std::string_view text, const LevelGrid& grid, BinanceDepthSnapshot& out) {
  out.clear();
  JsonScanner scanner(text);
  ParseProblem problem;
  FieldReader reader{scanner, problem, 0};
  const bool ok = scanner.read_object([&](std::string_view key) -> bool {
    if (key == "lastUpdateId") return reader.integer(kFinalId, "lastUpdateId", out.last_update_id);
    if (key == "E") return reader.integer(kEventTime, "E", out.event_time_ms);
    if (key == "T") return reader.integer(kTransactionTime, "T", out.transaction_time_ms);
    if (key == "bids") return reader.levels(kBids, "bids", grid, out.bids);
    if (key == "asks") return reader.levels(kAsks, "asks", grid, out.asks);
    return scanner.skip_value();
  });
  if (!ok) return problem.error(kSnapshotContext, scanner);
  if (!scanner.at_end()) return make_error(Errc::parse_error, "depth snapshot: trailing characters after the object");
  if ((reader.seen & kFinalId) == 0) return missing(kSnapshotContext, "lastUpdateId");
  if ((reader.seen & kBids) == 0) return missing(kSnapshotContext, "bids");
  if ((reader.seen & kAsks) == 0) return missing(kSnapshotContext, "asks");
  return {};
}

}  // namespace propbot::md
