#include "core/crypto/totp.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/crypto/constant_time.hpp"

namespace propbot::crypto {
namespace {

constexpr std::size_t kSha1Size = 20;
using Digest160 = std::array<unsigned char, kSha1Size>;

// HMAC-SHA1(key, message); all zeros if OpenSSL fails (it does not for SHA-1 HMAC).
Digest160 hmac_sha1(std::string_view key, const unsigned char* message, std::size_t size) {
  Digest160 out{};
  // A null key pointer means "no key" to OpenSSL, so an empty key must point somewhere.
  static constexpr unsigned char kEmpty = 0;
  const void* key_bytes = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  std::size_t written = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA1", nullptr, key_bytes, key.size(), message, size, out.data(),
                out.size(), &written) == nullptr ||
      written != out.size()) {
    out.fill(0);
  }
  return out;
}

std::uint64_t floor_div(std::int64_t value, std::int64_t divisor) {
  if (value <= 0 || divisor <= 0) return 0;
  return static_cast<std::uint64_t>(value / divisor);
}

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string hotp_code(std::string_view key, std::uint64_t counter, int digits) {
  digits = std::clamp(digits, 6, 8);
  std::array<unsigned char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xFF);
    counter >>= 8;
  }
  Digest160 mac = hmac_sha1(key, message.data(), message.size());
  // Dynamic truncation (RFC 4226 §5.3).
  const std::size_t offset = mac[kSha1Size - 1] & 0x0F;
  const std::uint32_t binary = (std::uint32_t{mac[offset]} & 0x7F) << 24 | std::uint32_t{mac[offset + 1]} << 16 |
                               std::uint32_t{mac[offset + 2]} << 8 | std::uint32_t{mac[offset + 3]};
  OPENSSL_cleanse(mac.data(), mac.size());
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  code.insert(0, static_cast<std::size_t>(digits) - code.size(), '0');
  return code;
}

std::uint64_t totp_step(std::int64_t unix_seconds, std::int64_t step_seconds) {
  return floor_div(unix_seconds, step_seconds);
}

std::string totp_code(std::string_view key, std::int64_t unix_seconds, const TotpParameters& parameters) {
  return hotp_code(key, totp_step(unix_seconds, parameters.step_seconds), parameters.digits);
}

std::string_view to_string(TotpCheck check) {
  switch (check) {
    case TotpCheck::accepted: return "accepted";
    case TotpCheck::wrong_code: return "wrong_code";
    case TotpCheck::replayed: return "replayed";
    case TotpCheck::malformed: return "malformed";
  }
  return "malformed";
}

TotpVerifier::TotpVerifier(std::string key, const Clock& clock, TotpParameters parameters)
    : key_(std::move(key)), clock_(&clock), parameters_(parameters) {
  parameters_.digits = std::clamp(parameters_.digits, 6, 8);
  parameters_.window_steps = std::max(parameters_.window_steps, 0);
}

TotpVerifier::~TotpVerifier() { OPENSSL_cleanse(key_.data(), key_.size()); }

TotpVerifier::TotpVerifier(TotpVerifier&& other) noexcept
    : key_(std::move(other.key_)),
      clock_(other.clock_),
      parameters_(other.parameters_),
      last_accepted_step_(other.last_accepted_step_) {
  OPENSSL_cleanse(other.key_.data(), other.key_.size());
}

TotpCheck TotpVerifier::verify(std::string_view code) {
  if (code.size() != static_cast<std::size_t>(parameters_.digits) || !all_digits(code)) return TotpCheck::malformed;
  const auto unix_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(clock_->utc().time_since_epoch()).count();
  const std::uint64_t now_step = totp_step(unix_seconds, parameters_.step_seconds);
  const auto window = static_cast<std::uint64_t>(parameters_.window_steps);
  const std::uint64_t first = now_step >= window ? now_step - window : 0;

  // Every step in the window is computed and compared, match or not, so the time taken
  // does not say which step (if any) matched.
  std::optional<std::uint64_t> newest_match;
  for (std::uint64_t step = first; step <= now_step + window; ++step) {
    std::string expected = hotp_code(key_, step, parameters_.digits);
    if (constant_time_equal(expected, code)) newest_match = step;
    OPENSSL_cleanse(expected.data(), expected.size());
  }
  if (!newest_match) return TotpCheck::wrong_code;
  if (last_accepted_step_ && *newest_match <= *last_accepted_step_) return TotpCheck::replayed;
  last_accepted_step_ = newest_match;
  return TotpCheck::accepted;
}

}  // namespace propbot::crypto
