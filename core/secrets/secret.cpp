#include "core/secrets/secret.hpp"

#include <cstring>
#include <utility>

#include <openssl/crypto.h>

#include "core/crypto/constant_time.hpp"
#include "core/crypto/sha256.hpp"

namespace propbot::secrets {

Secret::Secret(std::string_view value) : size_(value.size()) {
  if (size_ == 0) return;
  data_ = std::make_unique_for_overwrite<char[]>(size_);
  std::memcpy(data_.get(), value.data(), size_);
}

Secret Secret::take(std::string& value) {
  Secret secret(value);
  // Wipe the whole buffer, including bytes past size() left by earlier contents.
  value.resize(value.capacity());
  OPENSSL_cleanse(value.data(), value.size());
  value.clear();
  return secret;
}

Secret::~Secret() { wipe(); }

Secret::Secret(Secret&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Secret Secret::clone() const { return Secret(reveal()); }

bool Secret::matches(std::string_view candidate) const noexcept {
  // Digests have a fixed length, so the comparison time does not depend on either
  // length or on where the values differ.
  const crypto::Digest256 mine = crypto::sha256(reveal());
  const crypto::Digest256 theirs = crypto::sha256(candidate);
  return crypto::constant_time_equal(
      std::string_view(reinterpret_cast<const char*>(mine.data()), mine.size()),
      std::string_view(reinterpret_cast<const char*>(theirs.data()), theirs.size()));
}

void Secret::wipe() noexcept {
  if (data_ != nullptr) OPENSSL_cleanse(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace propbot::secrets
