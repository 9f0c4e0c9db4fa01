#include "core/secrets/sealed_file.hpp"

#include <algorithm>
#include <climits>
#include <memory>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/secrets/store_key.hpp"

namespace propbot::secrets {
namespace {

constexpr std::size_t kNonceOffset = 16;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kKeyIdOffset = 8;
constexpr std::size_t kKeyIdSize = 8;

struct CipherContextFree {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }  // also wipes the key schedule
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* const fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return fetched != nullptr ? fetched : EVP_aes_256_gcm();
}

const unsigned char* bytes_of(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }
unsigned char* bytes_of(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

Error openssl_failure(std::string_view call) {
  return make_error(Errc::internal, "OpenSSL " + std::string(call) + " failed (AES-256-GCM)");
}

std::string name_of(const std::string& path) { return "secrets store '" + path + "'"; }

void wipe(std::string& text) {
  OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

}  // namespace

Result<std::string> seal(const Secret& key, std::string_view plaintext) {
  if (key.size() != kStoreKeySize) return make_error(Errc::invalid_argument, "store key must be 32 bytes");
  if (plaintext.size() > INT_MAX / 2) return make_error(Errc::invalid_argument, "secrets payload too large");

  std::string file(kSealedHeaderSize + plaintext.size() + kGcmTagSize, '\0');
  file.replace(0, kSealedMagic.size(), kSealedMagic);
  file[4] = static_cast<char>(kSealedVersion);
  file[5] = static_cast<char>(kCipherAes256Gcm);
  file.replace(kKeyIdOffset, kKeyIdSize, key_id(key));
  unsigned char* nonce = bytes_of(file) + kNonceOffset;
  if (RAND_bytes(nonce, static_cast<int>(kNonceSize)) != 1) return openssl_failure("RAND_bytes");

  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0;
  if (!context || EVP_EncryptInit_ex2(context.get(), aes_256_gcm(), bytes_of(key.reveal()), nonce, nullptr) != 1) {
    return openssl_failure("EVP_EncryptInit_ex2");
  }
  if (EVP_EncryptUpdate(context.get(), nullptr, &length, bytes_of(file), static_cast<int>(kSealedHeaderSize)) != 1) {
    return openssl_failure("EVP_EncryptUpdate(aad)");
  }
  unsigned char* ciphertext = bytes_of(file) + kSealedHeaderSize;
  if (EVP_EncryptUpdate(context.get(), ciphertext, &length, bytes_of(plaintext), static_cast<int>(plaintext.size())) !=
      1) {
    return openssl_failure("EVP_EncryptUpdate");
  }
  int final_length = 0;
  if (EVP_EncryptFinal_ex(context.get(), ciphertext + length, &final_length) != 1 ||
      static_cast<std::size_t>(length + final_length) != plaintext.size()) {
    return openssl_failure("EVP_EncryptFinal_ex");
  }
  if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize),
                          ciphertext + plaintext.size()) != 1) {
    return openssl_failure("EVP_CTRL_GCM_GET_TAG");
  }
  return file;
}

Result<Secret> unseal(const Secret& key, std::string_view file, const std::string& path) {
  if (key.size() != kStoreKeySize) return make_error(Errc::invalid_argument, "store key must be 32 bytes");
  const std::string name = name_of(path);
  if (file.size() >= kSealedMagic.size() && file.substr(0, kSealedMagic.size()) != kSealedMagic) {
    return make_error(Errc::parse_error,
                      name + " is not a PropBot secrets store (its first bytes are not \"PBSS\"): check --store");
  }
  if (file.size() < kSealedHeaderSize + kGcmTagSize) {
    return make_error(Errc::parse_error, "cannot decrypt " + name + ": the file is truncated (" +
                                             std::to_string(file.size()) + " bytes; a store has at least " +
                                             std::to_string(kSealedHeaderSize + kGcmTagSize) +
                                             "): restore it from a backup");
  }
  if (static_cast<unsigned char>(file[4]) != kSealedVersion) {
    return make_error(Errc::parse_error, name + " has envelope version " +
                                             std::to_string(static_cast<unsigned char>(file[4])) +
                                             "; this propbot reads version 1: use a newer propbot, or the file "
                                             "is damaged");
  }
  if (static_cast<unsigned char>(file[5]) != kCipherAes256Gcm) {
    return make_error(Errc::parse_error, name + " names cipher " + std::to_string(static_cast<unsigned char>(file[5])) +
                                             "; this propbot knows 1 (AES-256-GCM): the file is damaged or newer");
  }
  if (file.substr(kKeyIdOffset, kKeyIdSize) != key_id(key)) {
    return make_error(Errc::permission_denied,
                      "cannot decrypt " + name +
                          ": wrong key or corrupted file (the key is not the one the store was written with: pass "
                          "the store's own --key-file or PROPBOT_SECRETS_KEY)");
  }

  const std::size_t ciphertext_size = file.size() - kSealedHeaderSize - kGcmTagSize;
  if (ciphertext_size > INT_MAX / 2) return make_error(Errc::invalid_argument, name + " is too large");
  const auto* nonce = bytes_of(file) + kNonceOffset;
  const auto* ciphertext = bytes_of(file) + kSealedHeaderSize;
  // The tag is copied because OpenSSL's SET_TAG takes a non-const pointer.
  unsigned char tag[kGcmTagSize];
  std::copy_n(ciphertext + ciphertext_size, kGcmTagSize, tag);

  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0;
  if (!context || EVP_DecryptInit_ex2(context.get(), aes_256_gcm(), bytes_of(key.reveal()), nonce, nullptr) != 1) {
    return openssl_failure("EVP_DecryptInit_ex2");
  }
  if (EVP_DecryptUpdate(context.get(), nullptr, &length, bytes_of(file), static_cast<int>(kSealedHeaderSize)) != 1) {
    return openssl_failure("EVP_DecryptUpdate(aad)");
  }
  std::string plaintext(ciphertext_size, '\0');
  if (EVP_DecryptUpdate(context.get(), bytes_of(plaintext), &length, ciphertext, static_cast<int>(ciphertext_size)) !=
      1) {
    wipe(plaintext);
    return openssl_failure("EVP_DecryptUpdate");
  }
  if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize), tag) != 1) {
    wipe(plaintext);
    return openssl_failure("EVP_CTRL_GCM_SET_TAG");
  }
  int final_length = 0;
  if (EVP_DecryptFinal_ex(context.get(), bytes_of(plaintext) + length, &final_length) != 1) {
    wipe(plaintext);
    return make_error(Errc::parse_error,
                      "cannot decrypt " + name +
                          ": wrong key or corrupted file (authentication failed: the file was modified or truncated "
                          "since it was written; restore it from a backup)");
  }
  return Secret::take(plaintext);
}

}  // namespace propbot::secrets
