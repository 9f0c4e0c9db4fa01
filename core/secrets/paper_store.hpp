// Paper store: the development secrets store a paper daemon makes for itself on first
// start, so `propbot run --profile paper` needs no set-up yet still authenticates
// every call the way live does (same store, same tokens, same 2FA).
//
// ensure_paper_store(data_dir) creates, when `<data_dir>/secrets.enc` does not exist,
//   <data_dir>/secrets.key   a fresh random 32-byte key, hex, mode 0600
//   <data_dir>/secrets.enc   profile "paper", holding API tokens for operator1 and
//                            operator2 (operator), viewer1 (viewer), auditor1 (auditor);
//                            `approve_token` (random) and `approve_token_2fa`
//                            ("totp:" + base32 of a random 160-bit seed)
// and keeps each generated API token's plain text as the secret `dev.<token name>`
// (the store itself only holds token hashes) so `propbot secrets show-dev` can print
// them. When the store exists it is opened (proving the key still fits); a paper
// store missing any of the entries above (a first start that stopped half-way) gets
// them added, a complete one is not written, a non-paper store is left alone.
//
// read_paper_credentials() is show-dev's reader: it refuses any store whose profile
// is not paper, so it can never print a testnet or live credential.
//
// Guarantees: every value comes from the CSPRNG; the key file is written before the
// store and neither replaces an existing file; values leave only as Secrets. A key
// file left without its store (a crash during first start) is refused with the fix,
// never overwritten.
//
// Errors: as SecretsStore::create/open and store_key; permission_denied from
// read_paper_credentials for a non-paper store.
//
// Threads: start-up only; blocks on the disk.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/secrets/role.hpp"
#include "core/secrets/secret.hpp"
#include "core/secrets/secrets_store.hpp"

namespace propbot::secrets {

inline constexpr std::string_view kStoreFileName = "secrets.enc";
inline constexpr std::string_view kKeyFileName = "secrets.key";
// Prefix of the secrets that keep a paper store's plain-text API tokens.
inline constexpr std::string_view kDevTokenPrefix = "dev.";

struct PaperStore {
  SecretsStore store;
  std::string store_file;
  std::string key_file;
  bool created = false;  // true on the call that made the files
};

Result<PaperStore> ensure_paper_store(const std::string& data_dir, const Clock& clock);

struct PaperCredential {
  std::string name;           // token name, or the secret's name for approve tokens
  std::optional<Role> role;   // set for API tokens
  Secret value;
};

// The API tokens (from their `dev.` copies) and the approve tokens of a paper store,
// tokens first, each group sorted by name. Reads go through the store's access
// observer with `actor`.
Result<std::vector<PaperCredential>> read_paper_credentials(const SecretsStore& store, std::string_view actor);

}  // namespace propbot::secrets
