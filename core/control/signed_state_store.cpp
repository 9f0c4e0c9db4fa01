#include "core/control/signed_state_store.hpp"

#include <exception>

#include "core/control/canonical_json.hpp"
#include "core/crypto/constant_time.hpp"
#include "core/crypto/encoding.hpp"
#include "core/store/transaction.hpp"

namespace propbot::control {
namespace {

constexpr std::size_t kMaxNameLength = 64;

Status check_name(std::string_view name) {
  const bool length_ok = !name.empty() && name.size() <= kMaxNameLength;
  const bool chars_ok = name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string_view::npos;
  if (!length_ok || !chars_ok) {
    return make_error(Errc::invalid_argument, "signed state name '" + std::string(name) +
                                                  "': use 1-64 characters of a-z, 0-9, '_', '.', '-'");
  }
  return {};
}

StateLoad tamper(std::string_view name, std::string reason) {
  StateLoad load;
  load.status = StateLoadStatus::tamper_detected;
  load.reason = "signed state '" + std::string(name) + "': " + std::move(reason);
  return load;
}

}  // namespace

std::string_view to_string(StateLoadStatus status) {
  switch (status) {
    case StateLoadStatus::loaded: return "loaded";
    case StateLoadStatus::not_found: return "not_found";
    case StateLoadStatus::tamper_detected: return "tamper_detected";
  }
  return "tamper_detected";
}

std::string state_signature_hex(std::string_view hmac_key, std::string_view canonical_json) {
  const crypto::Digest256 digest = crypto::HmacSha256(hmac_key).sign(canonical_json);
  return crypto::hex_lower(digest);
}

Result<SignedStateStore> SignedStateStore::open(store::Database& database, std::string_view hmac_key,
                                                const Clock& clock) {
  if (hmac_key.size() < kMinStateKeyBytes) {
    return make_error(Errc::invalid_argument, "signed state key: " + std::to_string(hmac_key.size()) +
                                                  " bytes is too short; use at least " +
                                                  std::to_string(kMinStateKeyBytes) + " random bytes");
  }
  try {
    return SignedStateStore(database, crypto::HmacSha256(hmac_key), clock);
  } catch (const std::exception& e) {
    return make_error(Errc::internal, std::string("signed state key: HMAC-SHA256 unavailable: ") + e.what());
  }
}

std::string SignedStateStore::sign_hex(std::string_view canonical) const {
  const crypto::Digest256 digest = signer_.sign(canonical);
  return crypto::hex_lower(digest);
}

Result<SignedState> SignedStateStore::save(std::string_view name, const nlohmann::json& value) {
  if (Status named = check_name(name); !named) return named.error();

  Result<store::Transaction> transaction = store::Transaction::begin(*database_);
  if (!transaction) return transaction.error();

  std::int64_t previous_version = 0;
  {
    Result<store::Statement> select = database_->prepare("SELECT version FROM signed_state WHERE name = ?1");
    if (!select) return select.error();
    if (Status bound = select->bind(1, name); !bound) return bound.error();
    Result<bool> row = select->step();
    if (!row) return row.error();
    if (*row) previous_version = select->column_int64(0);
  }
  if (previous_version < 0) previous_version = 0;

  SignedState state;
  state.name = std::string(name);
  state.value = value;
  state.version = previous_version + 1;
  state.saved_at_utc = format_iso8601_ms(clock_->utc());
  const nlohmann::json envelope = {
      {"name", state.name}, {"saved_at_utc", state.saved_at_utc}, {"value", value}, {"version", state.version}};
  Result<std::string> canonical = canonical_json(envelope);
  if (!canonical) {
    return make_error(Errc::invalid_argument, "signed state '" + state.name + "': " + canonical.error().message);
  }
  state.signature = sign_hex(*canonical);

  Result<store::Statement> upsert = database_->prepare(
      "INSERT INTO signed_state(name, canonical_json, signature, version, saved_at_utc) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(name) DO UPDATE SET canonical_json = excluded.canonical_json, signature = excluded.signature, "
      "version = excluded.version, saved_at_utc = excluded.saved_at_utc");
  if (!upsert) return upsert.error();
  for (Status bound : {upsert->bind(1, state.name), upsert->bind(2, *canonical), upsert->bind(3, state.signature),
                       upsert->bind(4, state.version), upsert->bind(5, state.saved_at_utc)}) {
    if (!bound) return bound.error();
  }
  if (Result<bool> done = upsert->step(); !done) return done.error();
  if (Status committed = transaction->commit(); !committed) return committed.error();
  return state;
}

Result<StateLoad> SignedStateStore::load(std::string_view name) {
  if (Status named = check_name(name); !named) return named.error();

  Result<store::Statement> select =
      database_->prepare("SELECT canonical_json, signature FROM signed_state WHERE name = ?1");
  if (!select) return select.error();
  if (Status bound = select->bind(1, name); !bound) return bound.error();
  Result<bool> row = select->step();
  if (!row) return row.error();
  if (!*row) {
    StateLoad missing;
    missing.status = StateLoadStatus::not_found;
    missing.reason = "signed state '" + std::string(name) + "' has never been saved";
    return missing;
  }
  const std::string canonical = select->column_text(0);
  const std::string stored_signature = select->column_text(1);

  // Verify before interpreting a single byte of the blob.
  const std::string expected_signature = sign_hex(canonical);
  if (!crypto::constant_time_equal(expected_signature, stored_signature)) {
    return tamper(name, "signature does not verify (row edited, or signed with another key)");
  }
  if (!is_canonical_json(canonical)) return tamper(name, "signed text is not canonical JSON");
  Result<nlohmann::json> envelope = parse_strict_json(canonical);
  if (!envelope || !envelope->is_object()) return tamper(name, "signed text is not a JSON object");
  const auto stored_name = envelope->find("name");
  const auto saved_at = envelope->find("saved_at_utc");
  const auto version = envelope->find("version");
  const auto value = envelope->find("value");
  if (stored_name == envelope->end() || !stored_name->is_string() || saved_at == envelope->end() ||
      !saved_at->is_string() || version == envelope->end() || !version->is_number_integer() ||
      value == envelope->end() || envelope->size() != 4) {
    return tamper(name, "signed envelope lacks name/saved_at_utc/value/version");
  }
  if (stored_name->get<std::string>() != name) {
    return tamper(name, "signed blob belongs to '" + stored_name->get<std::string>() + "' (copied between rows)");
  }

  StateLoad load;
  load.status = StateLoadStatus::loaded;
  SignedState state;
  state.name = std::string(name);
  state.value = *value;
  state.version = version->get<std::int64_t>();
  state.saved_at_utc = saved_at->get<std::string>();
  state.signature = stored_signature;
  load.state = std::move(state);
  return load;
}

}  // namespace propbot::control
