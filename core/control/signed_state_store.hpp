// SignedStateStore: named JSON blobs (the control state of S-1.2 is the first,
// name "control_state") kept in the signed_state table with an HMAC-SHA256 signature,
// so that a hand edit of the database is detected on load (S-5.1, tamper_detected).
//
// What is stored and signed: canonical_json = canonical JSON (canonical_json.hpp) of
// the envelope {"name": <name>, "saved_at_utc": <ISO ms>, "value": <value>,
// "version": <n>}, and signature = lowercase hex HMAC-SHA256(key, canonical_json).
// An auditor holding the key can recompute it with any HMAC tool. The envelope binds
// the name (a blob copied from another row is tamper) and numbers each save (version
// starts at 1 and grows by one per save of that name).
//
// Guarantees:
// - save() writes the blob and its signature in one statement; a crash leaves either
//   the old signed row or the new one.
// - load() verifies the signature with a constant-time comparison before parsing
//   anything, then checks that the text is canonical and that the envelope names this
//   row. Its outcome is one of: loaded, not_found, tamper_detected (with a reason).
//   An Error is returned only when the database itself fails (store_error, io_error).
// - The key is handed to OpenSSL (crypto::HmacSha256) and kept nowhere else here;
//   nothing logs or returns it. A key shorter than kMinStateKeyBytes is refused.
//
// What it does not catch, by itself: a rollback to an older, validly signed row
// (someone restoring an earlier copy of the row or the file). The version in the
// outcome lets the caller detect that by recording it elsewhere (e.g. the audit log).
// A changed key (rotation without re-signing) looks exactly like tamper.
//
// Threads: all calls on one thread, the caller's (the thread that owns the Database).
// Every call blocks on disk. save() takes its own write transaction, so it must not
// be called while a store::Transaction is open on the same Database. Uses core/store, core/crypto, core/common Clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/crypto/hmac.hpp"
#include "core/store/database.hpp"

namespace propbot::control {

inline constexpr std::size_t kMinStateKeyBytes = 16;

// What a successful save() or load() knows about the row.
struct SignedState {
  std::string name;
  nlohmann::json value;
  std::int64_t version = 0;
  std::string saved_at_utc;
  std::string signature;  // lowercase hex, 64 characters
};

enum class StateLoadStatus { loaded, not_found, tamper_detected };
std::string_view to_string(StateLoadStatus status);

struct StateLoad {
  StateLoadStatus status = StateLoadStatus::not_found;
  std::optional<SignedState> state;  // set only when status == loaded
  std::string reason;                // why tamper_detected (or not_found), for the incident and audit
};

class SignedStateStore {
 public:
  // `database` (with migration 0002 applied) and `clock` must outlive the store.
  // Errors: invalid_argument when the key is shorter than kMinStateKeyBytes.
  static Result<SignedStateStore> open(store::Database& database, std::string_view hmac_key, const Clock& clock);

  SignedStateStore(SignedStateStore&&) noexcept = default;
  SignedStateStore& operator=(SignedStateStore&&) noexcept = default;

  // Signs and stores `value` under `name` (1–64 characters of [a-z0-9_.-]), replacing
  // any earlier value; returns what was written. Errors: invalid_argument (bad name,
  // value not representable as canonical JSON — e.g. a float, see canonical_json.hpp),
  // store errors.
  Result<SignedState> save(std::string_view name, const nlohmann::json& value);

  // Errors: invalid_argument (bad name), store errors. A bad signature is not an
  // Error: it is StateLoadStatus::tamper_detected, which the caller turns into a P0.
  Result<StateLoad> load(std::string_view name);

 private:
  SignedStateStore(store::Database& database, crypto::HmacSha256 signer, const Clock& clock)
      : database_(&database), signer_(std::move(signer)), clock_(&clock) {}

  std::string sign_hex(std::string_view canonical) const;

  store::Database* database_;
  crypto::HmacSha256 signer_;
  const Clock* clock_;
};

// The signature the store writes for `canonical_json` (lowercase hex HMAC-SHA256).
// For tests and offline tools that hold the key.
std::string state_signature_hex(std::string_view hmac_key, std::string_view canonical_json);

}  // namespace propbot::control
