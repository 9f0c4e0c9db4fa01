#include "core/control/audit_log.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "core/control/canonical_json.hpp"
#include "core/crypto/sha256.hpp"

namespace propbot::control {
namespace {

constexpr std::string_view kSelectColumns =
    "SELECT id, ts_utc, actor, role, action, target, details_json, prev_hash, cumulative_hash FROM audit_log";

AuditRecord read_record(const store::Statement& row) {
  AuditRecord record;
  record.id = row.column_int64(0);
  record.ts_utc = row.column_text(1);
  record.actor = row.column_text(2);
  record.role = row.column_text(3);
  record.action = row.column_text(4);
  record.target = row.column_text(5);
  record.details_json = row.column_text(6);
  record.prev_hash = row.column_text(7);
  record.cumulative_hash = row.column_text(8);
  return record;
}

Result<std::string> required_string(const nlohmann::json& object, std::string_view key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) {
    return make_error(Errc::invalid_argument, "field \"" + std::string(key) + "\" is missing or not a string");
  }
  return found->get<std::string>();
}

// An export line back into a record.
Result<AuditRecord> parse_export_line(std::string_view line) {
  Result<nlohmann::json> parsed = parse_strict_json(line);
  if (!parsed) return parsed.error();
  return audit_record_from_export(*parsed);
}

Status bind_all(store::Statement& statement, const AuditRecord& record) {
  for (Status bound : {statement.bind(1, record.id), statement.bind(2, record.ts_utc), statement.bind(3, record.actor),
                       statement.bind(4, record.role), statement.bind(5, record.action),
                       statement.bind(6, record.target), statement.bind(7, record.details_json),
                       statement.bind(8, record.prev_hash), statement.bind(9, record.cumulative_hash)}) {
    if (!bound) return bound;
  }
  return {};
}

}  // namespace

Result<std::string> canonical_audit_entry(const AuditRecord& record) {
  Result<nlohmann::json> details = parse_strict_json(record.details_json);
  if (!details || !details->is_object()) {
    return make_error(Errc::invalid_argument, "details_json is not a JSON object");
  }
  if (!is_canonical_json(record.details_json)) {
    return make_error(Errc::invalid_argument, "details_json is not in canonical form (entry edited)");
  }
  const nlohmann::json entry = {{"action", record.action}, {"actor", record.actor},   {"details", *details},
                                {"id", record.id},         {"role", record.role},     {"target", record.target},
                                {"ts_utc", record.ts_utc}};
  return canonical_json(entry);
}

Result<std::string> compute_cumulative_hash(std::string_view prev_hash, const AuditRecord& record) {
  Result<std::string> canonical = canonical_audit_entry(record);
  if (!canonical) return canonical.error();
  std::string material;
  material.reserve(prev_hash.size() + canonical->size());
  material.append(prev_hash);
  material.append(*canonical);
  return crypto::sha256_hex(material);
}

Result<nlohmann::json> audit_export_object(const AuditRecord& record) {
  Result<nlohmann::json> details = parse_strict_json(record.details_json);
  if (!details || !details->is_object()) {
    return make_error(Errc::invalid_argument,
                      "audit entry " + std::to_string(record.id) + ": details_json is not a JSON object");
  }
  return nlohmann::json{{"action", record.action},
                        {"actor", record.actor},
                        {"cumulative_hash", record.cumulative_hash},
                        {"details", *details},
                        {"id", record.id},
                        {"prev_hash", record.prev_hash},
                        {"role", record.role},
                        {"target", record.target},
                        {"ts_utc", record.ts_utc}};
}

Result<std::string> audit_export_line(const AuditRecord& record) {
  Result<nlohmann::json> object = audit_export_object(record);
  if (!object) return object.error();
  return canonical_json(*object);
}

Result<AuditRecord> audit_record_from_export(const nlohmann::json& object) {
  if (!object.is_object()) return make_error(Errc::invalid_argument, "not a JSON object");
  static constexpr std::string_view kFields[] = {"action",  "actor",     "cumulative_hash", "details", "id",
                                                 "prev_hash", "role", "target",          "ts_utc"};
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view field : kFields) known = known || key == field;
    if (!known) return make_error(Errc::invalid_argument, "unexpected field \"" + key + "\"");
  }
  AuditRecord record;
  const auto id = object.find("id");
  if (id == object.end() || !id->is_number_integer()) {
    return make_error(Errc::invalid_argument, "field \"id\" is missing or not an integer");
  }
  record.id = id->get<std::int64_t>();
  const auto details = object.find("details");
  if (details == object.end() || !details->is_object()) {
    return make_error(Errc::invalid_argument, "field \"details\" is missing or not an object");
  }
  Result<std::string> details_json = canonical_json(*details);
  if (!details_json) return details_json.error();
  record.details_json = std::move(*details_json);
  struct Field {
    std::string_view key;
    std::string* into;
  };
  for (const Field& field : {Field{"ts_utc", &record.ts_utc}, Field{"actor", &record.actor},
                             Field{"role", &record.role}, Field{"action", &record.action},
                             Field{"target", &record.target}, Field{"prev_hash", &record.prev_hash},
                             Field{"cumulative_hash", &record.cumulative_hash}}) {
    Result<std::string> text = required_string(object, field.key);
    if (!text) return text.error();
    *field.into = std::move(*text);
  }
  return record;
}

bool AuditChainWalker::feed(const AuditRecord& record) {
  ++report_.entries;
  if (record.id != expected_id_) {
    if (record.id > expected_id_) {
      return fail(expected_id_, "entry id " + std::to_string(expected_id_) + " is missing (next is id " +
                                    std::to_string(record.id) + "): entries were deleted");
    }
    return fail(record.id, "entry id " + std::to_string(record.id) + " is out of order (expected id " +
                               std::to_string(expected_id_) + ")");
  }
  if (record.prev_hash != report_.head.cumulative_hash) {
    return fail(record.id, "prev_hash does not continue the chain from id " + std::to_string(record.id - 1) +
                               " (an earlier entry was changed or removed)");
  }
  Result<std::string> computed = compute_cumulative_hash(record.prev_hash, record);
  if (!computed) return fail(record.id, computed.error().message);
  if (*computed != record.cumulative_hash) {
    return fail(record.id, "cumulative_hash does not match the entry's fields (entry edited)");
  }
  if (anchor_ && anchor_->id == record.id && anchor_->cumulative_hash != record.cumulative_hash) {
    return fail(record.id, "cumulative_hash differs from the anchor recorded for this id (chain rewritten)");
  }
  report_.head = ChainHead{record.id, record.cumulative_hash};
  ++expected_id_;
  return true;
}

bool AuditChainWalker::fail_entry(std::string reason) {
  ++report_.entries;
  return fail(expected_id_, std::move(reason));
}

ChainReport AuditChainWalker::finish() {
  if (report_.ok && anchor_ && anchor_->id > report_.head.id) {
    fail(anchor_->id, "chain ends at id " + std::to_string(report_.head.id) + " but the anchor names id " +
                          std::to_string(anchor_->id) + " (newest entries removed)");
  }
  return report_;
}

bool AuditChainWalker::fail(std::int64_t id, std::string reason) {
  report_.ok = false;
  report_.broken_id = id;
  report_.reason = std::move(reason);
  return false;
}

bool read_bounded_line(std::istream& in, std::string& line, std::size_t max, bool& too_long) {
  line.clear();
  too_long = false;
  int c = in.get();
  if (c == std::char_traits<char>::eof()) return false;
  for (; c != std::char_traits<char>::eof() && c != '\n'; c = in.get()) {
    if (line.size() < max) {
      line.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
  if (c == std::char_traits<char>::eof()) in.clear(in.rdstate() & ~std::ios::failbit);
  return true;
}

Result<ChainReport> verify_exported(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io_error, "cannot open audit export '" + path + "': " + std::strerror(errno));
  AuditChainWalker walker(std::nullopt);
  std::string line;
  std::int64_t line_number = 0;
  bool too_long = false;
  while (read_bounded_line(in, line, kMaxExportLineBytes, too_long)) {
    ++line_number;
    const std::string where = "line " + std::to_string(line_number) + ": ";
    if (too_long) {
      walker.fail_entry(where + "longer than " + std::to_string(kMaxExportLineBytes) +
                        " bytes; no entry PropBot writes is that long");
      break;
    }
    if (line.empty()) {
      walker.fail_entry(where + "empty line inside the export");
      break;
    }
    Result<AuditRecord> record = parse_export_line(line);
    if (!record) {
      walker.fail_entry(where + record.error().message);
      break;
    }
    if (!walker.feed(*record)) break;
  }
  if (in.bad()) return make_error(Errc::io_error, "reading audit export '" + path + "' failed");
  return walker.finish();
}

Result<AuditRecord> AuditLog::append(const AuditEntry& entry) {
  Result<store::Transaction> transaction = store::Transaction::begin(*database_);
  if (!transaction) return transaction.error();
  Result<AuditRecord> record = insert(entry);
  if (!record) return record.error();
  if (Status committed = transaction->commit(); !committed) return committed.error();
  return record;
}

Result<AuditRecord> AuditLog::append(store::Transaction& open, const AuditEntry& entry) {
  if (!open.active()) {
    return make_error(Errc::invalid_argument, "audit append: the caller's transaction is not active");
  }
  return insert(entry);
}

Result<AuditRecord> AuditLog::insert(const AuditEntry& entry) {
  if (entry.actor.empty()) return make_error(Errc::invalid_argument, "audit entry: actor is empty");
  if (entry.role.empty()) return make_error(Errc::invalid_argument, "audit entry: role is empty");
  if (entry.action.empty()) return make_error(Errc::invalid_argument, "audit entry: action is empty");
  const nlohmann::json details = entry.details.is_null() ? nlohmann::json::object() : entry.details;
  if (!details.is_object()) return make_error(Errc::invalid_argument, "audit entry: details must be a JSON object");

  AuditRecord record;
  Result<std::string> details_json = canonical_json(details);
  if (!details_json) return make_error(Errc::invalid_argument, "audit entry details: " + details_json.error().message);
  record.details_json = std::move(*details_json);

  Result<ChainHead> last = head();
  if (!last) return last.error();
  record.id = last->id + 1;
  record.prev_hash = last->cumulative_hash;
  record.ts_utc = format_iso8601_ms(clock_->utc());
  record.actor = entry.actor;
  record.role = entry.role;
  record.action = entry.action;
  record.target = entry.target;
  Result<std::string> hash = compute_cumulative_hash(record.prev_hash, record);
  if (!hash) return make_error(Errc::invalid_argument, "audit entry: " + hash.error().message);
  record.cumulative_hash = std::move(*hash);

  Result<store::Statement> insert = database_->prepare(
      "INSERT INTO audit_log(id, ts_utc, actor, role, action, target, details_json, prev_hash, cumulative_hash) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert) return insert.error();
  if (Status bound = bind_all(*insert, record); !bound) return bound.error();
  if (Result<bool> done = insert->step(); !done) return done.error();
  return record;
}

Result<ChainHead> AuditLog::head() const {
  Result<store::Statement> select =
      database_->prepare("SELECT id, cumulative_hash FROM audit_log ORDER BY id DESC LIMIT 1");
  if (!select) return select.error();
  Result<bool> row = select->step();
  if (!row) return row.error();
  if (!*row) return ChainHead{};
  return ChainHead{select->column_int64(0), select->column_text(1)};
}

Result<ChainReport> AuditLog::verify(const std::optional<ChainHead>& anchor) const {
  Result<store::Statement> select = database_->prepare(std::string(kSelectColumns) + " ORDER BY id");
  if (!select) return select.error();
  AuditChainWalker walker(anchor);
  while (true) {
    Result<bool> row = select->step();
    if (!row) return row.error();
    if (!*row) break;
    if (!walker.feed(read_record(*select))) break;
  }
  return walker.finish();
}

Status AuditLog::for_each_entry(const std::optional<std::string>& from_ts, const std::optional<std::string>& to_ts,
                                const std::function<Status(const AuditRecord&)>& visit) const {
  std::string sql = std::string(kSelectColumns) + " WHERE 1";
  if (from_ts) sql += " AND id >= (SELECT min(id) FROM audit_log WHERE ts_utc >= :from_ts)";
  if (to_ts) sql += " AND id <= (SELECT max(id) FROM audit_log WHERE ts_utc < :to_ts)";
  sql += " ORDER BY id";
  Result<store::Statement> select = database_->prepare(sql);
  if (!select) return select.error();
  Status bound;
  if (from_ts) bound = select->bind(":from_ts", std::string_view(*from_ts));
  if (bound && to_ts) bound = select->bind(":to_ts", std::string_view(*to_ts));
  if (!bound) return bound.error();
  while (true) {
    Result<bool> row = select->step();
    if (!row) return row.error();
    if (!*row) return {};
    if (Status visited = visit(read_record(*select)); !visited) return visited;
  }
}

Result<std::int64_t> AuditLog::export_jsonl(const std::string& path) const {
  std::error_code ignored;
  if (std::filesystem::exists(path, ignored)) {
    return make_error(Errc::already_exists, "audit export '" + path + "' already exists: exports are write-once, "
                                                                       "choose a new file name");
  }
  Result<store::Statement> select = database_->prepare(std::string(kSelectColumns) + " ORDER BY id");
  if (!select) return select.error();

  const std::string partial = path + ".partial";
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (file == nullptr) {
    return make_error(Errc::io_error, "cannot create '" + partial + "': " + std::strerror(errno));
  }
  auto abandon = [&](Error error) -> Result<std::int64_t> {
    std::fclose(file);
    std::remove(partial.c_str());
    return error;
  };
  std::int64_t written = 0;
  while (true) {
    Result<bool> row = select->step();
    if (!row) return abandon(row.error());
    if (!*row) break;
    Result<std::string> line = audit_export_line(read_record(*select));
    if (!line) return abandon(line.error());
    line->push_back('\n');
    if (std::fwrite(line->data(), 1, line->size(), file) != line->size()) {
      return abandon(make_error(Errc::io_error, "writing '" + partial + "': " + std::strerror(errno)));
    }
    ++written;
  }
  if (std::fflush(file) != 0 || ::fsync(::fileno(file)) != 0) {
    return abandon(make_error(Errc::io_error, "flushing '" + partial + "': " + std::strerror(errno)));
  }
  if (std::fclose(file) != 0) {
    std::remove(partial.c_str());
    return make_error(Errc::io_error, "closing '" + partial + "': " + std::strerror(errno));
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(partial.c_str());
    return make_error(Errc::io_error, "renaming '" + partial + "' to '" + path + "': " + reason);
  }
  return written;
}

Result<std::vector<AuditRecord>> AuditLog::page(const AuditFilter& filter, int limit,
                                                std::optional<std::int64_t> before_id) const {
  if (limit < 1 || limit > kMaxAuditPage) {
    return make_error(Errc::invalid_argument,
                      "audit page limit " + std::to_string(limit) + ": use 1.." + std::to_string(kMaxAuditPage));
  }
  std::string sql = std::string(kSelectColumns) + " WHERE 1";
  if (before_id) sql += " AND id < :before_id";
  if (filter.actor) sql += " AND actor = :actor";
  if (filter.role) sql += " AND role = :role";
  if (filter.action) sql += " AND action = :action";
  if (filter.target) sql += " AND target = :target";
  sql += " ORDER BY id DESC LIMIT :limit";
  Result<store::Statement> select = database_->prepare(sql);
  if (!select) return select.error();
  Status bound = select->bind(":limit", limit);
  if (bound && before_id) bound = select->bind(":before_id", *before_id);
  if (bound && filter.actor) bound = select->bind(":actor", std::string_view(*filter.actor));
  if (bound && filter.role) bound = select->bind(":role", std::string_view(*filter.role));
  if (bound && filter.action) bound = select->bind(":action", std::string_view(*filter.action));
  if (bound && filter.target) bound = select->bind(":target", std::string_view(*filter.target));
  if (!bound) return bound.error();
  std::vector<AuditRecord> records;
  while (true) {
    Result<bool> row = select->step();
    if (!row) return row.error();
    if (!*row) break;
    records.push_back(read_record(*select));
  }
  return records;
}

}  // namespace propbot::control
