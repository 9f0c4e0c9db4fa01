// Secret: a value that must never leave the process by accident — an API token, a
// venue key, the 2FA seed, the store's own key (ARCHITECTURE safety rule 5).
//
// Guarantees:
//  - No operator<< (declared deleted, so streaming one is a compile error, and so is
//    formatting it with spdlog/fmt), no implicit conversion to any string type, no
//    to_json. reveal() is the only way to the bytes: grep for `reveal()` to audit
//    every place a value is used.
//  - Move-only; clone() is the explicit, grep-able copy. The bytes live in one heap
//    block that is wiped (OPENSSL_cleanse) before it is freed; a moved-from Secret is
//    empty. Copies a caller makes of reveal()'s view are the caller's to wipe.
//  - operator== and matches() compare SHA-256 digests of both sides in constant time,
//    so neither the position of the first difference nor the length of the stored
//    value shows in the timing.
//  - size()/empty() are not secret (token lengths are public).
//
// Threads: a const Secret may be read from several threads. Never throws beyond
// std::bad_alloc. Uses core/crypto (constant-time compare, SHA-256).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

namespace propbot::secrets {

class Secret {
 public:
  Secret() = default;
  // Copies `value` into wiped-on-free storage.
  explicit Secret(std::string_view value);
  // As above, then wipes `value` (for a buffer that held the secret, e.g. stdin).
  static Secret take(std::string& value);
  ~Secret();
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  Secret clone() const;

  // The value. Every call site is a place where the secret is used: keep them few.
  std::string_view reveal() const noexcept { return {data_.get(), size_}; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  bool starts_with(std::string_view prefix) const noexcept { return reveal().starts_with(prefix); }

  // Constant-time comparison with a candidate (a token sent by a client).
  bool matches(std::string_view candidate) const noexcept;
  friend bool operator==(const Secret& a, const Secret& b) noexcept { return a.matches(b.reveal()); }

 private:
  void wipe() noexcept;

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
};

// Deleted on purpose: a Secret is never printed. Use reveal() where a value must be
// written (the encrypted store, an HMAC key, a request signature).
std::ostream& operator<<(std::ostream& out, const Secret& secret) = delete;

}  // namespace propbot::secrets
