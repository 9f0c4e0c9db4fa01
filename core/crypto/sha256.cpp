#include "core/crypto/sha256.hpp"

#include <span>

#include <openssl/evp.h>

#include "core/crypto/encoding.hpp"

namespace propbot::crypto {
namespace {

// Fetched once (thread-safe static init) and kept for the process lifetime.
const EVP_MD* sha256_md() noexcept {
  static EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

}  // namespace

Digest256 sha256(std::string_view data) noexcept {
  Digest256 out{};
  unsigned int written = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &written, sha256_md(), nullptr) != 1 ||
      written != out.size()) {
    out.fill(0);
  }
  return out;
}

std::string sha256_hex(std::string_view data) { return hex_lower(sha256(data)); }

}  // namespace propbot::crypto
