#include "core/control/worm_export.hpp"

#include <algorithm>
#include <filesystem>

#include "core/control/audit_log.hpp"
#include "core/control/csv_text.hpp"
#include "core/control/export_file.hpp"
#include "core/store/data_dir.hpp"
#include "core/store/database.hpp"

namespace propbot::control {
namespace {

// A read transaction held for the whole export: in WAL mode every SELECT inside it sees
// the database as of its first read, whatever a writer commits meanwhile.
class ReadSnapshot {
 public:
  static Result<ReadSnapshot> begin(store::Database& database) {
    if (Status begun = database.exec("BEGIN DEFERRED"); !begun) return begun.error();
    ReadSnapshot snapshot(database);
    // A deferred transaction takes its snapshot at the first read: take it now.
    Result<store::Statement> first = database.prepare("SELECT count(*) FROM sqlite_master");
    if (!first) return first.error();
    if (Result<bool> row = first->step(); !row) return row.error();
    return snapshot;
  }
  ReadSnapshot(ReadSnapshot&& other) noexcept : database_(other.database_) { other.database_ = nullptr; }
  ReadSnapshot& operator=(ReadSnapshot&&) = delete;
  ~ReadSnapshot() {
    if (database_ != nullptr) (void)database_->exec("ROLLBACK");
  }

 private:
  explicit ReadSnapshot(store::Database& database) : database_(&database) {}
  store::Database* database_;
};

Result<store::Database> open_read_only(const std::string& path) {
  store::OpenOptions options;
  options.create = false;
  options.read_only = true;
  return store::Database::open(path, options);
}

std::string quoted_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

// A table's columns in table order and its primary key (empty: order by rowid).
struct TableShape {
  std::vector<std::string> columns;
  std::vector<std::string> key;
};

// nullopt when the table does not exist.
Result<std::optional<TableShape>> table_shape(store::Database& database, std::string_view table) {
  Result<store::Statement> info = database.prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid");
  if (!info) return info.error();
  if (Status bound = info->bind(1, table); !bound) return bound.error();
  TableShape shape;
  std::vector<std::pair<std::int64_t, std::string>> key;
  while (true) {
    Result<bool> row = info->step();
    if (!row) return row.error();
    if (!*row) break;
    shape.columns.push_back(info->column_text(0));
    if (const std::int64_t position = info->column_int64(1); position > 0) {
      key.emplace_back(position, shape.columns.back());
    }
  }
  if (shape.columns.empty()) return std::optional<TableShape>();
  std::sort(key.begin(), key.end());
  for (auto& [position, name] : key) shape.key.push_back(std::move(name));
  return std::optional<TableShape>(std::move(shape));
}

std::string lower_hex(const std::vector<std::byte>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (std::byte b : bytes) {
    text.push_back(kDigits[std::to_integer<unsigned>(b) >> 4]);
    text.push_back(kDigits[std::to_integer<unsigned>(b) & 0xF]);
  }
  return text;
}

// One exported record and its CSV cells (the values in column order).
struct ExportRow {
  nlohmann::json record = nlohmann::json::object();
  std::vector<std::string> cells;
};

// One section: where its rows come from.
struct TableSource {
  WormSection section;
  std::string database_file;  // "propbot.db", "journal.sqlite"
  std::string table;
  store::Database* database = nullptr;
  std::optional<TableShape> shape;  // nullopt: absent (section exported empty)
  std::string time_column;          // "ts_ms", "ts_utc" or "" (no time filter)

  nlohmann::json describe() const {
    if (!shape) return nullptr;
    return {{"source", database_file + ":" + table},
            {"time_column", time_column.empty() ? nlohmann::json(nullptr) : nlohmann::json(time_column)}};
  }
};

std::string pick_time_column(const TableShape& shape) {
  for (std::string_view candidate : {"ts_ms", "ts_utc"}) {
    if (std::find(shape.columns.begin(), shape.columns.end(), candidate) != shape.columns.end()) {
      return std::string(candidate);
    }
  }
  return "";
}

// The outputs: the JSONL master with its chain, and the CSV of the current section.
class ExportSink {
 public:
  ExportSink(ExportFile jsonl, std::optional<std::string> csv_dir)
      : jsonl_(std::move(jsonl)), csv_dir_(std::move(csv_dir)) {}

  Status header(const nlohmann::json& record) {
    Result<WormLine> line = chain_.header(record);
    if (!line) return line.error();
    return jsonl_.write(line->text + "\n");
  }

  // Opens the section's CSV (when CSVs are asked for) with its header row.
  Status begin_section(WormSection section, const std::vector<std::string>& columns) {
    if (!csv_dir_) return {};
    Result<ExportFile> file = ExportFile::create(*csv_dir_ + "/" + std::string(to_string(section)) + ".csv");
    if (!file) return file.error();
    csv_files_.push_back(std::move(*file));
    std::vector<std::string> names = {"line"};
    names.insert(names.end(), columns.begin(), columns.end());
    names.push_back("chain_hash");
    return csv_files_.back().write(csv_record(names));
  }

  Status record(WormSection section, ExportRow row) {
    Result<WormLine> line = chain_.append(section, row.record);
    if (!line) return line.error();
    if (Status written = jsonl_.write(line->text + "\n"); !written) return written;
    if (!csv_dir_) return {};
    row.cells.insert(row.cells.begin(), std::to_string(line->number));
    row.cells.push_back(line->chain_hash);
    return csv_files_.back().write(csv_record(row.cells));
  }

  // The trailer, then every file put in place (the CSVs first: the master last, so a
  // master on disk always comes with its CSVs).
  Result<WormExportSummary> finish(bool replace) {
    Result<WormLine> trailer = chain_.trailer();
    if (!trailer) return trailer.error();
    if (Status written = jsonl_.write(trailer->text + "\n"); !written) return written.error();
    WormExportSummary summary;
    for (ExportFile& csv : csv_files_) {
      if (Status committed = csv.commit(replace); !committed) return committed.error();
      summary.csv_files.push_back(csv.path());
    }
    if (Status committed = jsonl_.commit(replace); !committed) return committed.error();
    summary.counts = chain_.counts();
    summary.last_chain_hash = trailer->chain_hash;
    return summary;
  }

 private:
  WormChain chain_;
  ExportFile jsonl_;
  std::optional<std::string> csv_dir_;
  std::vector<ExportFile> csv_files_;
};

// SELECT typeof(c1), c1, typeof(c2), c2, ... so each value keeps its stored type.
std::string select_sql(const TableSource& source, bool from, bool to) {
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < source.shape->columns.size(); ++i) {
    const std::string column = quoted_identifier(source.shape->columns[i]);
    sql += (i == 0 ? "" : ", ") + std::string("typeof(") + column + "), " + column;
  }
  sql += " FROM " + quoted_identifier(source.table) + " WHERE 1";
  if (!source.time_column.empty()) {
    if (from) sql += " AND " + quoted_identifier(source.time_column) + " >= :from";
    if (to) sql += " AND " + quoted_identifier(source.time_column) + " < :to";
  }
  if (source.shape->key.empty()) {
    sql += " ORDER BY rowid";
  } else {
    sql += " ORDER BY ";
    for (std::size_t i = 0; i < source.shape->key.size(); ++i) {
      sql += (i == 0 ? "" : ", ") + quoted_identifier(source.shape->key[i]);
    }
  }
  return sql;
}

Status bind_time(store::Statement& select, std::string_view name, const std::string& column, UtcTime at) {
  if (column == "ts_ms") return select.bind(name, to_unix_ms(at));
  return select.bind(name, std::string_view(format_iso8601_ms(at)));
}

ExportRow read_row(const store::Statement& row, const TableShape& shape) {
  ExportRow exported;
  for (std::size_t i = 0; i < shape.columns.size(); ++i) {
    const int type_column = static_cast<int>(2 * i);
    const int value_column = type_column + 1;
    const std::string type = row.column_text(type_column);
    nlohmann::json value;
    std::string cell;
    if (type == "integer") {
      value = row.column_int64(value_column);
      cell = std::to_string(row.column_int64(value_column));
    } else if (type == "blob") {
      cell = lower_hex(row.column_blob(value_column));
      value = cell;
    } else if (type != "null") {  // text, and real as SQLite's own text of it
      cell = row.column_text(value_column);
      value = cell;
    }
    exported.record[shape.columns[i]] = std::move(value);
    exported.cells.push_back(std::move(cell));
  }
  return exported;
}

Status export_table(const TableSource& source, const WormExportOptions& options, ExportSink& sink) {
  if (!source.shape) return {};
  if (Status begun = sink.begin_section(source.section, source.shape->columns); !begun) return begun;
  Result<store::Statement> select =
      source.database->prepare(select_sql(source, options.from.has_value(), options.to.has_value()));
  if (!select) return select.error();
  if (!source.time_column.empty()) {
    Status bound;
    if (options.from) bound = bind_time(*select, ":from", source.time_column, *options.from);
    if (bound && options.to) bound = bind_time(*select, ":to", source.time_column, *options.to);
    if (!bound) return bound.error();
  }
  while (true) {
    Result<bool> row = select->step();
    if (!row) return row.error();
    if (!*row) return {};
    if (Status written = sink.record(source.section, read_row(*select, *source.shape)); !written) {
      return make_error(written.error().code,
                        source.database_file + ":" + source.table + ": " + written.error().message);
    }
  }
}

const std::vector<std::string>& audit_columns() {
  static const std::vector<std::string> columns = {"id",     "ts_utc",  "actor",     "role",           "action",
                                                   "target", "details", "prev_hash", "cumulative_hash"};
  return columns;
}

Status export_audit(store::Database& database, const WormExportOptions& options, ExportSink& sink) {
  if (Status begun = sink.begin_section(WormSection::audit, audit_columns()); !begun) return begun;
  std::optional<std::string> from_ts, to_ts;
  if (options.from) from_ts = format_iso8601_ms(*options.from);
  if (options.to) to_ts = format_iso8601_ms(*options.to);
  const SimClock unused_clock;  // AuditLog only reads the clock when appending
  const AuditLog log(database, unused_clock);
  return log.for_each_entry(from_ts, to_ts, [&sink](const AuditRecord& entry) -> Status {
    Result<nlohmann::json> object = audit_export_object(entry);
    if (!object) return object.error();
    ExportRow row{std::move(*object),
                  {std::to_string(entry.id), entry.ts_utc, entry.actor, entry.role,
                   entry.action, entry.target, entry.details_json, entry.prev_hash, entry.cumulative_hash}};
    return sink.record(WormSection::audit, std::move(row));
  });
}

Result<bool> refuse_existing(const std::string& path, bool force) {
  std::error_code error;
  if (!force && std::filesystem::exists(path, error)) {
    return make_error(Errc::already_exists,
                      "'" + path + "' already exists: exports are write-once (give --force to replace it)");
  }
  return true;
}

std::string absolute_text(const std::string& path) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.lexically_normal().string();
}

}  // namespace

Result<WormExportSummary> export_worm(const WormExportOptions& options) {
  if (options.from && options.to && *options.from >= *options.to) {
    return make_error(Errc::invalid_argument, "the time range is empty: from must be before to");
  }
  std::error_code error;
  if (!std::filesystem::is_directory(options.data_dir, error)) {
    return make_error(Errc::not_found, "data directory '" + options.data_dir + "' does not exist");
  }
  const std::string control_path = options.data_dir + "/" + std::string(store::kDatabaseFileName);
  if (!std::filesystem::exists(control_path, error)) {
    return make_error(Errc::not_found, "'" + options.data_dir + "' holds no " +
                                           std::string(store::kDatabaseFileName) +
                                           " (has the daemon ever run with this data directory?)");
  }
  if (Result<bool> free = refuse_existing(options.out_path, options.force); !free) return free.error();
  if (options.csv_dir) {
    for (WormSection section : kWormDataSections) {
      const std::string csv = *options.csv_dir + "/" + std::string(to_string(section)) + ".csv";
      if (Result<bool> free = refuse_existing(csv, options.force); !free) return free.error();
    }
    std::filesystem::create_directories(*options.csv_dir, error);
    if (error) return make_error(Errc::io_error, "cannot create '" + *options.csv_dir + "': " + error.message());
  }

  Result<store::Database> control = open_read_only(control_path);
  if (!control) return control.error();
  Result<ReadSnapshot> control_snapshot = ReadSnapshot::begin(*control);
  if (!control_snapshot) return control_snapshot.error();
  Result<std::optional<TableShape>> audit_shape = table_shape(*control, "audit_log");
  if (!audit_shape) return audit_shape.error();
  if (!*audit_shape) {
    return make_error(Errc::not_found, control_path + " has no audit_log table (start the daemon once to migrate it)");
  }

  // journal.sqlite: absent before the daemon's first start with execution.
  const std::string journal_path = options.data_dir + "/" + options.journal_file_name;
  std::optional<store::Database> journal;
  std::optional<ReadSnapshot> journal_snapshot;
  if (std::filesystem::exists(journal_path, error)) {
    Result<store::Database> opened = open_read_only(journal_path);
    if (!opened) return opened.error();
    journal.emplace(std::move(*opened));
    Result<ReadSnapshot> snapshot = ReadSnapshot::begin(*journal);
    if (!snapshot) return snapshot.error();
    journal_snapshot.emplace(std::move(*snapshot));
  }

  std::vector<TableSource> tables = {
      {WormSection::incidents, std::string(store::kDatabaseFileName), "incidents", &*control, {}, ""},
      {WormSection::orders, options.journal_file_name, "order_events", nullptr, {}, ""},
      {WormSection::fills, options.journal_file_name, "fills", nullptr, {}, ""},
      {WormSection::ledger_entries, options.journal_file_name, "ledger_entries", nullptr, {}, ""},
  };
  for (TableSource& source : tables) {
    if (source.section != WormSection::incidents) {
      if (!journal) continue;
      source.database = &*journal;
    }
    Result<std::optional<TableShape>> shape = table_shape(*source.database, source.table);
    if (!shape) return shape.error();
    source.shape = std::move(*shape);
    if (source.shape) source.time_column = pick_time_column(*source.shape);
  }

  nlohmann::json sections = {{"audit", {{"source", std::string(store::kDatabaseFileName) + ":audit_log"},
                                        {"time_column", "ts_utc"}}}};
  for (const TableSource& source : tables) sections[std::string(to_string(source.section))] = source.describe();
  const auto time_or_null = [](const std::optional<UtcTime>& at) {
    return at ? nlohmann::json(format_iso8601_ms(*at)) : nlohmann::json(nullptr);
  };
  const nlohmann::json header = {
      {"format", kWormFormat},
      {"created_at", format_iso8601_ms(options.created_at)},
      {"data_dir", absolute_text(options.data_dir)},
      {"build", options.build},
      {"from", time_or_null(options.from)},
      {"to", time_or_null(options.to)},
      {"sections", sections},
      {"chain_rule", "chain_hash = lowercase hex SHA-256(previous line's chain_hash || canonical JSON of record); "
                     "the previous chain_hash of the header line is 64 '0' characters"}};

  Result<ExportFile> jsonl = ExportFile::create(options.out_path);
  if (!jsonl) return jsonl.error();
  ExportSink sink(std::move(*jsonl), options.csv_dir);
  if (Status written = sink.header(header); !written) return written.error();
  if (Status written = export_audit(*control, options, sink); !written) return written.error();
  for (const TableSource& source : tables) {
    if (Status written = export_table(source, options, sink); !written) return written.error();
  }
  return sink.finish(options.force);
}

}  // namespace propbot::control
