// The store key: the 32-byte AES-256 key that opens a secrets store (SPEC S-6.4). It
// comes from the environment variable PROPBOT_SECRETS_KEY or from a key file that
// only its owner may read (a systemd credential, or the file `secrets init` writes).
//
// Text form, for both: 64 hex digits (either case) or standard base64 of the 32
// bytes (44 characters with padding); surrounding whitespace and a trailing newline
// are ignored. Key files are written as 64 lower-case hex digits and a newline.
//
// Guarantees: the key is only ever held in a Secret; messages name the source (the
// variable or the file) and what is wrong with it, never any of its characters. A key
// file with any group/other permission bit is refused with the chmod fix. Writing
// never replaces an existing file.
//
// Errors: invalid_argument (wrong length or alphabet), not_found / permission_denied /
// io_error / already_exists from private_file.
//
// Threads: safe from any thread; the file functions block on the disk.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/secrets/secret.hpp"

namespace propbot::secrets {

inline constexpr std::size_t kStoreKeySize = 32;
inline constexpr std::string_view kSecretsKeyEnv = "PROPBOT_SECRETS_KEY";

// 32 bytes from OpenSSL's CSPRNG. Throws std::runtime_error if RAND_bytes fails (an
// unseeded system: nothing secret can be made safely, so start-up must stop).
Secret generate_store_key();

// `source` names the origin in error messages ("PROPBOT_SECRETS_KEY", "key file '/x'").
Result<Secret> parse_store_key(std::string_view text, std::string_view source);

Result<Secret> load_key_file(const std::string& path);

// The key from PROPBOT_SECRETS_KEY; nullopt when the variable is unset or empty.
std::optional<Result<Secret>> key_from_environment();

// Writes `key` as hex to a new file with mode 0600 (never over an existing one).
Status write_key_file(const std::string& path, const Secret& key);

// A short, non-secret fingerprint of a key (the first 8 bytes of HMAC-SHA256(key,
// "propbot secrets key id v1")) that a store file records, so a wrong key is told
// apart from a damaged file. It reveals nothing usable about a random 256-bit key.
std::string key_id(const Secret& key);

}  // namespace propbot::secrets
