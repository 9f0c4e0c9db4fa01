#include "core/bundle/activation_store.hpp"

namespace propbot::bundle {
namespace {

constexpr std::string_view kColumns =
    "SELECT id, created_at, version, from_version, source, actor, message, disk_hash, rollback_token, rolled_back_at "
    "FROM config_activations ";

Activation read_row(const store::Statement& row) {
  Activation a;
  a.id = row.column_int64(0);
  a.created_at = row.column_text(1);
  a.version = row.column_int64(2);
  if (!row.column_is_null(3)) a.from_version = row.column_int64(3);
  a.source = row.column_text(4);
  a.actor = row.column_text(5);
  a.message = row.column_text(6);
  a.disk_hash = row.column_text(7);
  if (!row.column_is_null(8)) a.rollback_token = row.column_text(8);
  if (!row.column_is_null(9)) a.rolled_back_at = row.column_text(9);
  return a;
}

}  // namespace

Result<Activation> ActivationStore::record(const NewActivation& in) {
  Result<store::Statement> insert = database_.prepare(
      "INSERT INTO config_activations (created_at, version, from_version, source, actor, message, disk_hash, "
      "rollback_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return insert.error();
  const std::string created_at = format_iso8601_ms(clock_.utc());
  Status bound[] = {
      insert->bind(1, std::string_view(created_at)),
      insert->bind(2, in.version),
      in.from_version ? insert->bind(3, *in.from_version) : insert->bind(3, nullptr),
      insert->bind(4, std::string_view(in.source)),
      insert->bind(5, std::string_view(in.actor)),
      insert->bind(6, std::string_view(in.message)),
      insert->bind(7, std::string_view(in.disk_hash)),
      in.rollback_token ? insert->bind(8, std::string_view(*in.rollback_token)) : insert->bind(8, nullptr),
  };
  for (const Status& status : bound) {
    if (!status) return status.error();
  }
  if (Result<bool> done = insert->step(); !done) return done.error();
  Activation out;
  out.id = database_.last_insert_rowid();
  out.created_at = created_at;
  out.version = in.version;
  out.from_version = in.from_version;
  out.source = in.source;
  out.actor = in.actor;
  out.message = in.message;
  out.disk_hash = in.disk_hash;
  out.rollback_token = in.rollback_token;
  return out;
}

Result<std::vector<Activation>> ActivationStore::select(std::string_view where_and_order,
                                                        std::optional<std::string_view> text,
                                                        std::optional<std::int64_t> number) {
  Result<store::Statement> query = database_.prepare(std::string(kColumns) + std::string(where_and_order));
  if (!query) return query.error();
  if (text) {
    if (Status b = query->bind(1, *text); !b) return b.error();
  }
  if (number) {
    if (Status b = query->bind(text ? 2 : 1, *number); !b) return b.error();
  }
  std::vector<Activation> rows;
  for (;;) {
    Result<bool> row = query->step();
    if (!row) return row.error();
    if (!*row) break;
    rows.push_back(read_row(*query));
  }
  return rows;
}

Result<std::optional<Activation>> ActivationStore::latest() {
  auto rows = select("ORDER BY id DESC LIMIT 1", std::nullopt, std::nullopt);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Activation>();
  return std::optional<Activation>(std::move(rows->front()));
}

Result<std::optional<Activation>> ActivationStore::find_token(std::string_view token) {
  auto rows = select("WHERE rollback_token = ?", token, std::nullopt);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Activation>();
  return std::optional<Activation>(std::move(rows->front()));
}

Status ActivationStore::mark_rolled_back(std::int64_t id) {
  Result<store::Statement> update =
      database_.prepare("UPDATE config_activations SET rolled_back_at = ? WHERE id = ? AND rolled_back_at IS NULL");
  if (!update) return update.error();
  const std::string now = format_iso8601_ms(clock_.utc());
  if (Status b = update->bind(1, std::string_view(now)); !b) return b.error();
  if (Status b = update->bind(2, id); !b) return b.error();
  if (Result<bool> done = update->step(); !done) return done.error();
  if (database_.changes() == 0) {
    return make_error(Errc::conflict, "activation " + std::to_string(id) + " was already rolled back");
  }
  return {};
}

Result<std::vector<Activation>> ActivationStore::recent(std::size_t limit) {
  return select("ORDER BY id DESC LIMIT ?", std::nullopt, static_cast<std::int64_t>(limit));
}

}  // namespace propbot::bundle
