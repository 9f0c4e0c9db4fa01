#include "core/secrets/second_factor.hpp"

#include <openssl/crypto.h>

#include "core/crypto/base32.hpp"

namespace propbot::secrets {
namespace {

constexpr std::size_t kMinSeedBytes = 10;  // 80 bits

// Upper-case, without spaces or padding: the canonical unpadded form base32_decode takes.
std::string normalise_base32(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == ' ' || c == '=') continue;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

}  // namespace

Result<SecondFactor> SecondFactor::from_secret(const Secret& entry, const Clock& clock) {
  if (entry.empty()) {
    return make_error(Errc::invalid_argument, "approve_token_2fa is empty: set a TOTP seed (totp:BASE32) or a token");
  }
  if (!entry.starts_with(kTotpPrefix)) return SecondFactor(entry.clone());
  std::string encoded = normalise_base32(entry.reveal().substr(kTotpPrefix.size()));
  Result<std::string> seed = crypto::base32_decode(encoded);
  OPENSSL_cleanse(encoded.data(), encoded.size());
  if (!seed) {
    return make_error(Errc::invalid_argument,
                      "approve_token_2fa: the value after 'totp:' is not base32 (" + seed.error().message + ")");
  }
  if (seed->size() < kMinSeedBytes) {
    const std::size_t bits = seed->size() * 8;
    OPENSSL_cleanse(seed->data(), seed->size());
    return make_error(Errc::invalid_argument, "approve_token_2fa: the TOTP seed is " + std::to_string(bits) +
                                                  " bits; use at least 80 (160 recommended)");
  }
  return SecondFactor(crypto::TotpVerifier(std::move(*seed), clock));
}

crypto::TotpCheck SecondFactor::verify(std::string_view supplied) {
  if (totp_) return totp_->verify(supplied);
  return token_.matches(supplied) ? crypto::TotpCheck::accepted : crypto::TotpCheck::wrong_code;
}

}  // namespace propbot::secrets
