// One-time passwords for the second factor of critical approvals (SPEC S-6.3):
// HOTP (RFC 4226) and TOTP (RFC 6238) over HMAC-SHA1 — the variant every
// authenticator app implements — with a 30 s step, 6 digits and T0 = 0 by default.
//
// TotpVerifier checks a code typed by an operator against the time of a Clock (so
// SimClock tests and replays are exact), accepts the previous and next step too
// (±window_steps, for clock drift and typing time), and refuses a code whose step is
// not newer than the last code it accepted: a code seen once — or an older one — is
// `replayed` for as long as it would otherwise be valid (RFC 6238 §5.2).
//
// Guarantees: codes are compared in constant time; no function logs, prints or
// returns the key. A TotpVerifier wipes its copy of the key on destruction. Nothing
// throws beyond std::bad_alloc. The key is the raw shared secret (the bytes a
// base32 `totp:` entry decodes to), not its text.
//
// Threads: the free functions are safe from any thread. A TotpVerifier keeps the
// last accepted step, so one object belongs to one thread (the approvals' thread).
// Uses: OpenSSL 3 (HMAC-SHA1 via EVP_Q_mac), core/common Clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"

namespace propbot::crypto {

struct TotpParameters {
  std::int64_t step_seconds = 30;
  int digits = 6;        // 6 to 8 (RFC 4226 §5.3 requires at least 6)
  int window_steps = 1;  // codes of this many steps before and after now are accepted too
};

// The `digits`-digit HOTP value of `counter`, zero-padded (RFC 4226 §5.3). `digits`
// outside 6..8 is clamped into that range.
std::string hotp_code(std::string_view key, std::uint64_t counter, int digits = 6);

// The TOTP time step holding `unix_seconds`: floor(unix_seconds / step_seconds), 0 for
// times before 1970.
std::uint64_t totp_step(std::int64_t unix_seconds, std::int64_t step_seconds = 30);

// The TOTP code at a time. Seconds rather than UtcTime so RFC 6238's year-2603 test
// vector (20000000000 s) fits (UtcTime counts int64 nanoseconds, which end in 2262).
std::string totp_code(std::string_view key, std::int64_t unix_seconds, const TotpParameters& parameters = {});

enum class TotpCheck {
  accepted,    // right code, for a step newer than any accepted before
  wrong_code,  // no step in the window has this code
  replayed,    // right code, but its step was already used (or is older than one used)
  malformed,   // not exactly `digits` ASCII digits
};
std::string_view to_string(TotpCheck check);

class TotpVerifier {
 public:
  TotpVerifier(std::string key, const Clock& clock, TotpParameters parameters = {});
  ~TotpVerifier();
  TotpVerifier(TotpVerifier&& other) noexcept;
  TotpVerifier& operator=(TotpVerifier&&) = delete;
  TotpVerifier(const TotpVerifier&) = delete;
  TotpVerifier& operator=(const TotpVerifier&) = delete;

  // Checks `code` against the steps around clock.utc(). Does not block or allocate
  // beyond the codes it computes.
  TotpCheck verify(std::string_view code);

 private:
  std::string key_;
  const Clock* clock_;
  TotpParameters parameters_;
  std::optional<std::uint64_t> last_accepted_step_;
};

}  // namespace propbot::crypto
