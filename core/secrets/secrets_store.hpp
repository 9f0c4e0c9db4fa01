// SecretsStore: the encrypted file that holds every credential the daemon uses (SPEC
// S-6.1, S-6.4) — named secrets (`approve_token`, `approve_token_2fa`, venue keys such
// as `binance.api_key`) and the API tokens that map a bearer token to {name, role}.
//
// File: a sealed_file envelope (AES-256-GCM, fresh nonce per write, authenticated
// versioned header) around one JSON payload:
//   {"format": 1, "profile": "standard"|"paper", "created_at": "…", "key_rotated_at": "…",
//    "secrets": {"<name>": {"value_b64": "…", "updated_at": "…"}},
//    "tokens":  {"<name>": {"role": "viewer"|"auditor"|"operator", "sha256": "<hex>", "created_at": "…"}}}
// Timestamps are ISO-8601 UTC with milliseconds from the Clock given at open. Values
// are base64 so any bytes round-trip. Only a SHA-256 of each API token is stored,
// never the token. Every change is written at once, atomically (temp file, fsync,
// rename, directory fsync; mode 0600): after a crash the file is the old or the new
// store, never a mix, and a failed write leaves memory and file as they were.
//
// Guarantees:
//  - No value is ever logged, printed or put in an error message; get() hands out a
//    Secret. Payload buffers are wiped after use (best effort: a JSON library's
//    internal buffers may have held copies).
//  - get() reports every read — found or not — to the access observer, with the
//    secret's name and the actor the caller names, so the audit log can record
//    `access_secret {which_key, actor}` without this unit knowing about it.
//  - authenticate() hashes the candidate once and compares it with every stored hash
//    in constant time, without stopping at a match.
//  - rotate() re-encrypts under a fresh key and writes that key to a 0600 key file;
//    until it has succeeded the old store and key are kept as `<store>.bak` and
//    `<key>.bak` (removed on success). It refuses to start while a `.bak` or
//    `<key>.new` from an interrupted rotation exists, so nothing that could recover a
//    store is overwritten. If it stops after the store was written, `<key>.new` opens
//    the store and `<store>.bak` + `<key>.bak` are the previous pair.
//
// Not guaranteed: two processes changing one store at once (the CLI while a daemon
// writes) — the last writer wins. The daemon reads the store at start-up; values
// changed with the CLI take effect at the next start.
//
// Errors (Result/Status; messages name the file and the fix):
//   not_found          store or key file missing; get() of an unknown name
//   permission_denied  wrong key (key id differs), key file readable by group/others
//   parse_error        damaged file: truncated, edited, not a store, unknown version
//   invalid_argument   bad name, empty value, token too short
//   already_exists     create() over an existing file; a token already issued to another name
//   io_error           the disk refused
//
// Threads: not thread-safe; one owner (the daemon's start-up, then the API thread
// behind its own lock). Every mutating call blocks on the disk.
// Uses: sealed_file, store_key, private_file, Secret, Role, core/crypto, core/common Clock.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/crypto/hmac.hpp"
#include "core/secrets/role.hpp"
#include "core/secrets/secret.hpp"

namespace propbot::secrets {

// `paper` marks a development store made by ensure_paper_store(): the only kind
// `secrets show-dev` will print.
enum class StoreProfile { standard, paper };
std::string_view to_string(StoreProfile profile);

inline constexpr std::string_view kApproveTokenName = "approve_token";
inline constexpr std::string_view kApproveToken2faName = "approve_token_2fa";
// Shortest API token add_token() accepts (generated tokens are 68 characters).
inline constexpr std::size_t kMinTokenLength = 16;

struct SecretInfo {
  std::string name;
  std::string updated_at;
};

struct TokenInfo {
  std::string name;
  Role role = Role::viewer;
  std::string created_at;
};

struct TokenIdentity {
  std::string name;
  Role role = Role::viewer;
};

struct SecretAccess {
  std::string_view name;   // the secret asked for
  std::string_view actor;  // who asked, as named by the caller ("operator1", "venue:binance")
  bool found = false;
};
// Called on the caller's thread, inside get(); must not throw.
using AccessObserver = std::function<void(const SecretAccess&)>;

class SecretsStore {
 public:
  // Writes a new, empty store sealed with `key` (32 bytes). Errors: already_exists
  // when `path` exists; io_error.
  static Result<SecretsStore> create(std::string path, Secret key, const Clock& clock,
                                     StoreProfile profile = StoreProfile::standard);
  // Reads and decrypts an existing store.
  static Result<SecretsStore> open(std::string path, Secret key, const Clock& clock);

  SecretsStore(SecretsStore&&) noexcept;
  SecretsStore& operator=(SecretsStore&&) noexcept;
  SecretsStore(const SecretsStore&) = delete;
  SecretsStore& operator=(const SecretsStore&) = delete;
  ~SecretsStore();

  const std::string& path() const { return path_; }
  StoreProfile profile() const { return profile_; }
  const std::string& created_at() const { return created_at_; }
  // Empty until the first rotate().
  const std::string& key_rotated_at() const { return key_rotated_at_; }

  void set_access_observer(AccessObserver observer) { observer_ = std::move(observer); }

  // Adds or replaces a named secret. Names: 1–128 of [A-Za-z0-9._-], starting with a
  // letter or digit. Errors: invalid_argument (name, empty value), io_error.
  Status set(std::string_view name, Secret value);
  // Errors: not_found naming the secret (never a value). Reports to the observer.
  Result<Secret> get(std::string_view name, std::string_view actor) const;
  bool contains(std::string_view name) const;
  // Names and update times, sorted by name. Never values.
  std::vector<SecretInfo> names() const;

  // Adds an API token for `name` (1–64 of [A-Za-z0-9._-]), or replaces that name's
  // token and role. Only SHA-256(token) is stored. Errors: invalid_argument (name;
  // token shorter than kMinTokenLength or containing whitespace), already_exists (the
  // same token belongs to another name), io_error.
  Status add_token(std::string_view name, Role role, const Secret& token);
  // Sorted by name.
  std::vector<TokenInfo> tokens() const;
  std::optional<TokenIdentity> authenticate(std::string_view token) const;

  // Re-encrypts the store under a new random key, written to `key_file` (0600),
  // replacing the key file that is there (if any). Records key_rotated_at.
  Status rotate(const std::string& key_file);

 private:
  struct SecretEntry {
    Secret value;
    std::string updated_at;
  };
  struct TokenEntry {
    Role role = Role::viewer;
    crypto::Digest256 hash{};
    std::string created_at;
  };

  SecretsStore(std::string path, Secret key, const Clock& clock);
  Secret serialize() const;
  Status load(std::string_view payload);
  Status write() const;
  std::string now() const;

  std::string path_;
  Secret key_;
  const Clock* clock_;
  StoreProfile profile_ = StoreProfile::standard;
  std::string created_at_;
  std::string key_rotated_at_;
  std::map<std::string, SecretEntry, std::less<>> secrets_;
  std::map<std::string, TokenEntry, std::less<>> tokens_;
  AccessObserver observer_;
};

}  // namespace propbot::secrets
