#include "core/crypto/hmac.hpp"

#include <stdexcept>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace propbot::crypto {

HmacSha256::HmacSha256(std::string_view key) {
  mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac_ == nullptr) {
    throw std::runtime_error("OpenSSL: EVP_MAC_fetch(HMAC) failed");
  }
  context_ = EVP_MAC_CTX_new(mac_);
  if (context_ == nullptr) {
    release();
    throw std::runtime_error("OpenSSL: EVP_MAC_CTX_new(HMAC) failed");
  }
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // A null key pointer means "keep the previous key" to OpenSSL, so an empty key
  // must still point somewhere.
  static constexpr unsigned char kEmpty = 0;
  const auto* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(context_, key_bytes, key.size(), params) != 1) {
    release();
    throw std::runtime_error("OpenSSL: EVP_MAC_init(HMAC-SHA256) failed");
  }
}

HmacSha256::~HmacSha256() { release(); }

HmacSha256::HmacSha256(HmacSha256&& other) noexcept
    : mac_(std::exchange(other.mac_, nullptr)), context_(std::exchange(other.context_, nullptr)) {}

HmacSha256& HmacSha256::operator=(HmacSha256&& other) noexcept {
  if (this != &other) {
    release();
    mac_ = std::exchange(other.mac_, nullptr);
    context_ = std::exchange(other.context_, nullptr);
  }
  return *this;
}

void HmacSha256::release() noexcept {
  EVP_MAC_CTX_free(context_);  // also wipes the key schedule
  EVP_MAC_free(mac_);
  context_ = nullptr;
  mac_ = nullptr;
}

Digest256 HmacSha256::sign(std::string_view data) const noexcept {
  Digest256 out{};
  if (context_ == nullptr) return out;
  // Re-init with a null key restarts HMAC with the key given at construction.
  std::size_t written = 0;
  if (EVP_MAC_init(context_, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(context_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(context_, out.data(), &written, out.size()) != 1 || written != out.size()) {
    out.fill(0);
  }
  return out;
}

}  // namespace propbot::crypto
