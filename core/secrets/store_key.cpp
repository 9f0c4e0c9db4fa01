#include "core/secrets/store_key.hpp"

#include <array>
#include <cstdlib>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/crypto/encoding.hpp"
#include "core/crypto/hmac.hpp"
#include "core/secrets/private_file.hpp"

namespace propbot::secrets {
namespace {

constexpr std::size_t kKeyIdSize = 8;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

// Decodes 64 hex digits; false on any other character.
bool decode_hex(std::string_view text, std::array<unsigned char, kStoreKeySize>& out) {
  for (std::size_t i = 0; i < kStoreKeySize; ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return true;
}

Error bad_key(std::string_view source, std::size_t length) {
  return make_error(Errc::invalid_argument,
                    std::string(source) + ": expected a 32-byte key as 64 hex digits or 44 base64 characters, got " +
                        std::to_string(length) + " characters (make one with: openssl rand -hex 32)");
}

}  // namespace

Secret generate_store_key() {
  std::array<unsigned char, kStoreKeySize> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: no secure randomness to make a key");
  }
  Secret key(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

Result<Secret> parse_store_key(std::string_view text, std::string_view source) {
  text = trim(text);
  if (text.size() == 2 * kStoreKeySize) {
    std::array<unsigned char, kStoreKeySize> bytes{};
    const bool decoded = decode_hex(text, bytes);
    Secret key(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    OPENSSL_cleanse(bytes.data(), bytes.size());
    if (!decoded) {
      return make_error(Errc::invalid_argument,
                        std::string(source) + ": 64 characters but not all hex digits (expected 64 hex digits)");
    }
    return key;
  }
  if (text.size() == 44) {
    Result<std::string> decoded = crypto::base64_decode(text);
    if (!decoded) {
      return make_error(Errc::invalid_argument,
                        std::string(source) + ": 44 characters but not valid base64 (" + decoded.error().message + ")");
    }
    if (decoded->size() != kStoreKeySize) {
      const std::size_t size = decoded->size();
      OPENSSL_cleanse(decoded->data(), decoded->size());
      return make_error(Errc::invalid_argument, std::string(source) + ": base64 decodes to " + std::to_string(size) +
                                                    " bytes; the key must be 32 bytes");
    }
    return Secret::take(*decoded);
  }
  return bad_key(source, text.size());
}

Result<Secret> load_key_file(const std::string& path) {
  ReadOptions options;
  options.what = "key file";
  options.max_bytes = 4096;
  options.owner_only = true;
  options.missing_fix = "pass the key file the store was created with, or set PROPBOT_SECRETS_KEY";
  Result<std::string> text = read_private_file(path, options);
  if (!text) return text.error();
  Result<Secret> key = parse_store_key(*text, "key file '" + path + "'");
  text->resize(text->capacity());
  OPENSSL_cleanse(text->data(), text->size());
  return key;
}

std::optional<Result<Secret>> key_from_environment() {
  const char* value = std::getenv(std::string(kSecretsKeyEnv).c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return parse_store_key(value, kSecretsKeyEnv);
}

Status write_key_file(const std::string& path, const Secret& key) {
  const std::string_view bytes = key.reveal();
  std::string text = crypto::hex_lower(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  text += '\n';
  Status written = create_private_file(path, text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!written && written.error().code == Errc::already_exists) {
    return make_error(Errc::already_exists, "key file '" + path +
                                                "' already exists: refusing to overwrite a key (a store may "
                                                "depend on it); choose another path or remove it first");
  }
  return written;
}

std::string key_id(const Secret& key) {
  const crypto::Digest256 mac = crypto::HmacSha256(key.reveal()).sign("propbot secrets key id v1");
  return std::string(reinterpret_cast<const char*>(mac.data()), kKeyIdSize);
}

}  // namespace propbot::secrets
