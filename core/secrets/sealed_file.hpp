// Sealed file: the on-disk envelope of a secrets store — AES-256-GCM over the whole
// payload, behind a small versioned header that is itself authenticated.
//
//   offset  size  field
//        0     4  magic "PBSS"
//        4     1  envelope version (1)
//        5     1  cipher (1 = AES-256-GCM)
//        6     2  reserved, zero
//        8     8  key id (store_key.hpp: tells a wrong key from a damaged file)
//       16    12  nonce, fresh from the CSPRNG for every write
//       28     n  ciphertext of the payload
//     28+n    16  GCM tag
//
// Bytes 0..27 are the GCM additional data, so every byte of the file is covered: a
// changed magic, version or cipher byte is refused as an unknown format, a changed key
// id as a wrong key, and any other changed, missing or added byte fails
// authentication. Nothing of the payload is returned unless the tag verified.
//
// Errors (messages name the file and what to do; they hold no key or payload bytes):
//   parse_error        truncated, not a store (magic), unsupported version or cipher,
//                      authentication failure ("wrong key or corrupted file")
//   permission_denied  the key id differs ("wrong key or corrupted file")
//   internal           an OpenSSL call failed
//
// Threads: safe from any thread. Does no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/secrets/secret.hpp"

namespace propbot::secrets {

inline constexpr std::string_view kSealedMagic = "PBSS";
inline constexpr unsigned char kSealedVersion = 1;
inline constexpr unsigned char kCipherAes256Gcm = 1;
inline constexpr std::size_t kSealedHeaderSize = 28;
inline constexpr std::size_t kGcmTagSize = 16;

// The file bytes for `plaintext` under `key` (32 bytes).
Result<std::string> seal(const Secret& key, std::string_view plaintext);

// The payload of a sealed file; `path` is only used in messages.
Result<Secret> unseal(const Secret& key, std::string_view file_bytes, const std::string& path);

}  // namespace propbot::secrets
