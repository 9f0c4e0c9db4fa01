#include "core/bundle/bundle_store.hpp"

#include <nlohmann/json.hpp>

#include "core/common/json_util.hpp"
#include "core/store/transaction.hpp"

namespace propbot::bundle {
namespace {

constexpr std::string_view kSelectColumns = "SELECT version, created_at, author, hash, message";

BundleVersionInfo read_info(const store::Statement& row) {
  return {row.column_int64(0), row.column_text(1), row.column_text(2), row.column_text(3), row.column_text(4)};
}

Result<std::string> files_to_json(const Bundle& bundle) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [path, content] : bundle.files()) files[path] = content;
  try {
    return files.dump();
  } catch (const nlohmann::json::exception&) {
    return make_error(Errc::invalid_argument, "a bundle file is not UTF-8 text; bundle files must be text");
  }
}

Result<Bundle> files_from_json(std::int64_t version, const std::string& text) {
  const nlohmann::json files = parse_json_or_discarded(text);
  if (!files.is_object()) {
    return make_error(Errc::store_error, "config_bundles version " + std::to_string(version) + ": files_json is not a JSON object");
  }
  Bundle::Files out;
  for (const auto& [path, content] : files.items()) {
    if (!content.is_string()) {
      return make_error(Errc::store_error, "config_bundles version " + std::to_string(version) + ": file '" + path +
                                               "' is not a string");
    }
    out.emplace(path, content.get<std::string>());
  }
  return Bundle::from_files(std::move(out));
}

}  // namespace

BundleDiff diff(const Bundle& from, const Bundle& to) {
  BundleDiff result;
  for (const auto& [path, content] : to.files()) {
    const std::string* before = from.find(path);
    if (before == nullptr) {
      result.added.push_back(path);
    } else if (*before != content) {
      result.changed.push_back(path);
    }
  }
  for (const auto& [path, content] : from.files()) {
    if (to.find(path) == nullptr) result.removed.push_back(path);
  }
  return result;
}

Result<std::int64_t> BundleStore::save(const Bundle& bundle, std::string_view author, std::string_view message) {
  Result<std::string> files_json = files_to_json(bundle);
  if (!files_json) return files_json.error();
  const std::string hash = bundle.hash();

  Result<store::Transaction> transaction = store::Transaction::begin(database_);
  if (!transaction) return transaction.error();
  Result<store::Statement> latest = database_.prepare("SELECT version, hash FROM config_bundles ORDER BY version DESC LIMIT 1");
  if (!latest) return latest.error();
  Result<bool> row = latest->step();
  if (!row) return row.error();
  if (*row && latest->column_text(1) == hash) return latest->column_int64(0);

  Result<store::Statement> insert = database_.prepare(
      "INSERT INTO config_bundles (created_at, author, hash, message, files_json) VALUES (?, ?, ?, ?, ?)");
  if (!insert) return insert.error();
  const std::string created_at = format_iso8601_ms(clock_.utc());
  for (Status bound : {insert->bind(1, std::string_view(created_at)), insert->bind(2, author),
                       insert->bind(3, std::string_view(hash)), insert->bind(4, message),
                       insert->bind(5, std::string_view(*files_json))}) {
    if (!bound) return bound.error();
  }
  if (Result<bool> done = insert->step(); !done) return done.error();
  const std::int64_t version = database_.last_insert_rowid();
  if (Status committed = transaction->commit(); !committed) return committed.error();
  return version;
}

Result<std::optional<BundleVersion>> BundleStore::read_one(std::string_view sql, std::optional<std::int64_t> version) {
  Result<store::Statement> select = database_.prepare(sql);
  if (!select) return select.error();
  if (version) {
    if (Status bound = select->bind(1, *version); !bound) return bound.error();
  }
  Result<bool> row = select->step();
  if (!row) return row.error();
  if (!*row) return std::optional<BundleVersion>();
  BundleVersionInfo info = read_info(*select);
  Result<Bundle> files = files_from_json(info.version, select->column_text(5));
  if (!files) return files.error();
  return std::optional<BundleVersion>(BundleVersion{std::move(info), std::move(*files)});
}

Result<std::optional<BundleVersion>> BundleStore::current() {
  return read_one(std::string(kSelectColumns) + ", files_json FROM config_bundles ORDER BY version DESC LIMIT 1",
                  std::nullopt);
}

Result<BundleVersion> BundleStore::get(std::int64_t version) {
  Result<std::optional<BundleVersion>> found =
      read_one(std::string(kSelectColumns) + ", files_json FROM config_bundles WHERE version = ?", version);
  if (!found) return found.error();
  if (!*found) return make_error(Errc::not_found, "config bundle version " + std::to_string(version) + " does not exist");
  return std::move(**found);
}

Result<std::vector<BundleVersionInfo>> BundleStore::history(std::size_t limit) {
  Result<store::Statement> select =
      database_.prepare(std::string(kSelectColumns) + " FROM config_bundles ORDER BY version DESC LIMIT ?");
  if (!select) return select.error();
  if (Status bound = select->bind(1, limit); !bound) return bound.error();
  std::vector<BundleVersionInfo> versions;
  for (;;) {
    Result<bool> row = select->step();
    if (!row) return row.error();
    if (!*row) break;
    versions.push_back(read_info(*select));
  }
  return versions;
}

Result<BundleDiff> BundleStore::diff(std::int64_t from, std::int64_t to) {
  Result<BundleVersion> before = get(from);
  if (!before) return before.error();
  Result<BundleVersion> after = get(to);
  if (!after) return after.error();
  return bundle::diff(before->bundle, after->bundle);
}

}  // namespace propbot::bundle
