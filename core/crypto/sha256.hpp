// SHA-256 of a byte string through OpenSSL 3, with the EVP_MD fetched once per process
// (TOOLCHAIN.md: cache EVP objects). Used for content hashes (script versions, audit
// chain) and tests.
//
// Guarantees: pure functions; no allocation besides the returned hex string; never
// throw. If OpenSSL fails (it does not for SHA-256 once fetched) the digest is all zeros.
//
// Threads: safe from any thread (each call uses its own digest context).
#pragma once

#include <string>
#include <string_view>

#include "core/crypto/hmac.hpp"

namespace propbot::crypto {

Digest256 sha256(std::string_view data) noexcept;
// Lowercase hex of sha256(data), 64 characters.
std::string sha256_hex(std::string_view data);

}  // namespace propbot::crypto
