#include "core/md/okx_books.hpp"

#include <cstring>
#include <limits>
#include <string>

#include "core/md/depth_levels.hpp"
#include "core/md/json_scanner.hpp"

namespace propbot::md {
namespace {

constexpr std::string_view kContext = "books";

enum Field : unsigned {
  kArg = 1U << 0,
  kChannel = 1U << 1,
  kInstId = 1U << 2,
  kAction = 1U << 3,
  kData = 1U << 4,
  kAsks = 1U << 5,
  kBids = 1U << 6,
  kTs = 1U << 7,
  kChecksum = 1U << 8,
  kPrevSeqId = 1U << 9,
  kSeqId = 1U << 10,
};

Status field_error(std::string_view field, std::string_view what) {
  return make_error(Errc::parse_error,
                    std::string(kContext) + ": field '" + std::string(field) + "' " + std::string(what));
}

bool parse_unsigned_text(std::string_view text, std::int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

struct Walker {
  JsonScanner& scanner;
  const LevelGrid& grid;
  OkxBooksMessage& out;
  unsigned seen = 0;
  std::string_view bad_field;  // static names only
  std::string detail;
  std::size_t books = 0;

  bool fail(std::string_view field, std::string_view what) {
    bad_field = field;
    if (detail.empty()) detail = what;
    return false;
  }
  bool first_time(unsigned bit, std::string_view name) {
    if ((seen & bit) != 0) return fail(name, "appears twice");
    seen |= bit;
    return true;
  }
  bool string(unsigned bit, std::string_view name, std::string_view& target) {
    return first_time(bit, name) && (scanner.read_string(target) || fail(name, "is not a string"));
  }
  bool integer(unsigned bit, std::string_view name, std::int64_t& target) {
    return first_time(bit, name) && (scanner.read_int(target) || fail(name, "is not an integer"));
  }
  bool levels(unsigned bit, std::string_view name, std::vector<OkxBookLevel>& target) {
    if (!first_time(bit, name)) return false;
    const bool ok = detail::read_level_array(
        scanner, 8, detail, [&](std::size_t index, std::string_view price, std::string_view size) {
          BookLevel numeric;
          if (!detail::convert_level(grid, index, price, size, numeric, detail)) return false;
          OkxBookLevel& level = target.emplace_back();
          level.price_ticks = numeric.price_ticks;
          level.size_lots = numeric.qty_lots;
          if (!level.price_text.assign(price) || !level.size_text.assign(size)) {
            detail = "level " + std::to_string(index) + " text is longer than " +
                     std::to_string(ShortText::capacity) + " characters";
            return false;
          }
          return true;
        });
    return ok || fail(name, "");
  }

  bool arg_field(std::string_view key) {
    if (key == "channel") return string(kChannel, "arg.channel", out.channel);
    if (key == "instId") return string(kInstId, "arg.instId", out.inst_id);
    return scanner.skip_value();
  }

  bool book_field(std::string_view key) {
    if (key == "asks") return levels(kAsks, "asks", out.asks);
    if (key == "bids") return levels(kBids, "bids", out.bids);
    if (key == "ts") {
      std::string_view ts;
      if (!string(kTs, "ts", ts)) return false;
      return parse_unsigned_text(ts, out.ts_ms) || fail("ts", "is not a millisecond timestamp string");
    }
    if (key == "checksum") {
      std::int64_t checksum = 0;
      if (!integer(kChecksum, "checksum", checksum)) return false;
      if (checksum < std::numeric_limits<std::int32_t>::min() || checksum > std::numeric_limits<std::int32_t>::max()) {
        return fail("checksum", "does not fit a signed 32-bit integer");
      }
      out.checksum = static_cast<std::int32_t>(checksum);
      return true;
    }
    if (key == "prevSeqId") return integer(kPrevSeqId, "prevSeqId", out.prev_seq_id);
    if (key == "seqId") return integer(kSeqId, "seqId", out.seq_id);
    return scanner.skip_value();
  }

  bool top_field(std::string_view key) {
    if (key == "arg") {
      return first_time(kArg, "arg") &&
             (scanner.read_object([&](std::string_view k) { return arg_field(k); }) || fail("arg", "is malformed"));
    }
    if (key == "action") {
      std::string_view action;
      if (!string(kAction, "action", action)) return false;
      if (action == "snapshot") {
        out.action = OkxBookAction::snapshot;
      } else if (action == "update") {
        out.action = OkxBookAction::update;
      } else {
        return fail("action", "is neither 'snapshot' nor 'update'");
      }
      return true;
    }
    if (key == "data") {
      if (!first_time(kData, "data")) return false;
      return scanner.read_array([&](std::size_t index) {
        books = index + 1;
        if (index > 0) return fail("data", "holds more than one book");
        return scanner.read_object([&](std::string_view k) { return book_field(k); });
      });
    }
    if (key == "event") return fail("event", "present: an event reply, not a books push");
    return scanner.skip_value();
  }
};

}  // namespace

bool ShortText::assign(std::string_view text) {
  if (text.size() > capacity) return false;
  std::memcpy(chars.data(), text.data(), text.size());
  length = static_cast<std::uint8_t>(text.size());
  return true;
}

void OkxBooksMessage::clear() {
  channel = {};
  inst_id = {};
  action = OkxBookAction::update;
  ts_ms = 0;
  checksum = 0;
  prev_seq_id = seq_id = 0;
  bids.clear();
  asks.clear();
}

Status parse_okx_books(std::string_view text, const LevelGrid& grid, OkxBooksMessage& out) {
  out.clear();
  JsonScanner scanner(text);
  Walker walker{scanner, grid, out, 0, {}, {}, 0};
  if (!scanner.read_object([&](std::string_view key) { return walker.top_field(key); })) {
    if (walker.bad_field.empty()) {
      return make_error(Errc::parse_error,
                        std::string(kContext) + ": malformed JSON at byte " + std::to_string(scanner.position()));
    }
    return field_error(walker.bad_field, walker.detail);
  }
  if (!scanner.at_end()) return make_error(Errc::parse_error, "books: trailing characters after the object");
  static constexpr struct {
    unsigned bit;
    std::string_view name;
  } kRequired[] = {{kArg, "arg"},   {kChannel, "arg.channel"}, {kInstId, "arg.instId"},  {kAction, "action"},
                   {kData, "data"}, {kAsks, "asks"},           {kBids, "bids"},          {kTs, "ts"},
                   {kChecksum, "checksum"}, {kPrevSeqId, "prevSeqId"}, {kSeqId, "seqId"}};
  for (const auto& field : kRequired) {
    if ((walker.seen & field.bit) == 0) {
      if (field.bit == kAsks && walker.books == 0) return field_error("data", "is empty");
      return field_error(field.name, "missing");
    }
  }
  return {};
}

}  // namespace propbot::md
