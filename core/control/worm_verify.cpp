#include "core/control/worm_verify.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

#include "core/control/audit_log.hpp"
#include "core/control/canonical_json.hpp"

namespace propbot::control {
namespace {

std::optional<WormSection> section_named(std::string_view name) { return find_by_name(name, kAllWormSections); }

std::size_t order_of(WormSection section) {
  for (std::size_t i = 0; i < kAllWormSections.size(); ++i) {
    if (kAllWormSections[i] == section) return i;
  }
  return 0;
}

bool is_hex_hash(const nlohmann::json& value) {
  if (!value.is_string()) return false;
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() != kWormGenesisHash.size()) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The lines of one file, fed in order; the first problem ends the walk.
class WormWalker {
 public:
  // False once the file is found bad.
  bool feed(std::int64_t number, std::string_view text) {
    report_.lines = number;
    if (trailer_seen_) return fail(number, "a line after the trailer");
    Result<nlohmann::json> parsed = parse_strict_json(text);
    if (!parsed) return fail(number, "not JSON: " + parsed.error().message);
    const nlohmann::json& line = *parsed;
    if (!line.is_object() || line.size() != 3 || !line.contains("chain_hash") || !line.contains("record") ||
        !line.contains("section")) {
      return fail(number, "not a WORM line (an object of exactly chain_hash, record, section)");
    }
    const nlohmann::json& record = line["record"];
    if (!line["section"].is_string() || !record.is_object() || !is_hex_hash(line["chain_hash"])) {
      return fail(number, "section must be a string, record an object, chain_hash 64 lowercase hex digits");
    }
    const std::optional<WormSection> section = section_named(line["section"].get<std::string>());
    if (!section) return fail(number, "unknown section \"" + line["section"].get<std::string>() + "\"");
    if (!check_order(number, *section, record)) return false;

    Result<std::string> computed = worm_chain_hash(previous_hash_, record);
    if (!computed) return fail(number, "the record has no canonical form: " + computed.error().message);
    if (*computed != line["chain_hash"].get<std::string>()) {
      return fail(number, "chain_hash does not match the record and the line before (this line was edited, or a "
                          "line before it was removed, added or moved)");
    }
    if (*section == WormSection::audit && !check_audit(number, record)) return false;
    if (*section == WormSection::trailer) {
      const nlohmann::json expected = worm_trailer_record(report_.counts, previous_hash_);
      if (record != expected) {
        return fail(number, "the trailer does not match the file: it says " + record.dump() + ", the file has " +
                                expected.dump());
      }
      trailer_seen_ = true;
    } else if (*section != WormSection::header) {
      ++report_.counts.at(*section);
    }
    previous_hash_ = std::move(*computed);
    current_ = *section;
    return true;
  }

  // A problem of the source itself (a line too long, an empty line).
  bool fail(std::int64_t number, std::string reason) {
    report_.ok = false;
    report_.bad_line = number;
    report_.reason = std::move(reason);
    return false;
  }

  WormReport finish() {
    if (report_.ok && !trailer_seen_) {
      fail(report_.lines + 1, report_.lines == 0 ? "the file is empty"
                                                 : "the file ends without its trailer line (truncated)");
    }
    if (report_.ok) report_.last_chain_hash = previous_hash_;
    return report_;
  }

 private:
  bool check_order(std::int64_t number, WormSection section, const nlohmann::json& record) {
    if (number == 1) {
      if (section != WormSection::header) return fail(number, "the first line must be the header");
      const auto format = record.find("format");
      if (format == record.end() || *format != kWormFormat) {
        return fail(number, "unsupported format " + (format == record.end() ? std::string("(none)") : format->dump()) +
                                "; this verifier reads " + std::string(kWormFormat));
      }
      const auto from = record.find("from");
      limited_from_ = from != record.end() && !from->is_null();
      return true;
    }
    if (section == WormSection::header) return fail(number, "a second header line");
    if (order_of(section) < order_of(current_)) {
      return fail(number, "section \"" + std::string(to_string(section)) + "\" after \"" +
                              std::string(to_string(current_)) + "\" (lines out of order)");
    }
    return true;
  }

  bool check_audit(std::int64_t number, const nlohmann::json& record) {
    Result<AuditRecord> entry = audit_record_from_export(record);
    if (!entry) return fail(number, "audit entry: " + entry.error().message);
    if (!audit_) {
      // The whole chain starts at the genesis; a range limited by "from" starts after
      // its first entry's predecessor, which the WORM chain itself vouches for.
      ChainHead start;
      if (limited_from_) start = ChainHead{entry->id - 1, entry->prev_hash};
      audit_.emplace(std::nullopt, start);
    }
    if (!audit_->feed(*entry)) {
      const ChainReport broken = audit_->finish();
      return fail(number, "audit chain broken at id " + std::to_string(broken.broken_id) + ": " + broken.reason);
    }
    return true;
  }

  WormReport report_;
  WormSection current_ = WormSection::header;
  bool trailer_seen_ = false;
  bool limited_from_ = false;
  std::string previous_hash_ = std::string(kWormGenesisHash);
  std::optional<AuditChainWalker> audit_;
};

}  // namespace

Result<ExportFormat> detect_export_format(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io_error, "cannot open export '" + path + "': " + std::strerror(errno));
  std::string line;
  bool too_long = false;
  if (!read_bounded_line(in, line, kMaxWormLineBytes, too_long) || too_long) return ExportFormat::audit_chain;
  Result<nlohmann::json> parsed = parse_strict_json(line);
  if (!parsed || !parsed->is_object()) return ExportFormat::audit_chain;
  const auto section = parsed->find("section");
  const auto record = parsed->find("record");
  if (section == parsed->end() || *section != to_string(WormSection::header) || record == parsed->end() ||
      !record->is_object()) {
    return ExportFormat::audit_chain;
  }
  const auto format = record->find("format");
  if (format == record->end() || !format->is_string() ||
      format->get<std::string>().rfind(std::string(kWormFormatFamily), 0) != 0) {
    return ExportFormat::audit_chain;
  }
  return ExportFormat::worm;
}

Result<WormReport> verify_worm_export(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io_error, "cannot open export '" + path + "': " + std::strerror(errno));
  WormWalker walker;
  std::string line;
  std::int64_t number = 0;
  bool too_long = false;
  while (read_bounded_line(in, line, kMaxWormLineBytes, too_long)) {
    ++number;
    if (too_long) {
      walker.fail(number, "longer than " + std::to_string(kMaxWormLineBytes) + " bytes; no line PropBot writes is");
      break;
    }
    if (line.empty()) {
      walker.fail(number, "an empty line inside the export");
      break;
    }
    if (!walker.feed(number, line)) break;
  }
  if (in.bad()) return make_error(Errc::io_error, "reading export '" + path + "' failed");
  return walker.finish();
}

}  // namespace propbot::control
