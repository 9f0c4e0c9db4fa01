#include "core/secrets/random_token.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/crypto/base32.hpp"
#include "core/crypto/encoding.hpp"

namespace propbot::secrets {
namespace {

template <std::size_t N>
void fill_random(std::array<unsigned char, N>& bytes) {
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: no secure randomness to make a credential");
  }
}

}  // namespace

Secret random_token(std::string_view prefix) {
  std::array<unsigned char, 32> bytes{};
  fill_random(bytes);
  std::string hex = crypto::hex_lower(std::span<const std::uint8_t>(bytes.data(), bytes.size()));
  OPENSSL_cleanse(bytes.data(), bytes.size());
  std::string text;
  text.reserve(prefix.size() + hex.size());  // one buffer: no unwiped copy left by a reallocation
  text += prefix;
  text += hex;
  OPENSSL_cleanse(hex.data(), hex.size());
  return Secret::take(text);
}

Secret random_totp_secret() {
  std::array<unsigned char, 20> bytes{};
  fill_random(bytes);
  std::string encoded =
      crypto::base32_unpadded(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  OPENSSL_cleanse(bytes.data(), bytes.size());
  std::string text;
  text.reserve(5 + encoded.size());
  text += "totp:";
  text += encoded;
  OPENSSL_cleanse(encoded.data(), encoded.size());
  return Secret::take(text);
}

}  // namespace propbot::secrets
