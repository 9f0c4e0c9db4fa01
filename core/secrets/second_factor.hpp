// SecondFactor: the check of the `APPROVE_TOKEN_2FA` a confirming operator supplies for
// kill switch, promote standby, resume after a P0 and safe_mode off in live (SPEC
// S-6.3). Built from the store entry `approve_token_2fa`:
//   "totp:<base32 seed>"  → a TOTP (RFC 6238: HMAC-SHA1, 30 s, 6 digits, ±1 step)
//                           checked against the Clock, each code usable once
//   anything else         → a static token, compared in constant time
// The base32 seed may be lower-case and hold spaces or '=' padding, as authenticator
// apps display it.
//
// Guarantees: the seed or token is held only in a Secret / wiped TotpVerifier; no
// message contains it. verify() never throws.
//
// Errors (from_secret): invalid_argument when the entry is empty (an empty static
// token would accept an empty answer), or a "totp:" seed is not base32 or is
// shorter than 80 bits (RFC 4226 §4 requires at least 128, recommends 160; 80 is the
// floor of common authenticator apps).
//
// Threads: one object belongs to one thread (the TOTP replay memory is not locked).
// Uses: core/crypto totp/base32, Secret.
#pragma once

#include <optional>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/crypto/totp.hpp"
#include "core/secrets/secret.hpp"

namespace propbot::secrets {

inline constexpr std::string_view kTotpPrefix = "totp:";

class SecondFactor {
 public:
  enum class Kind { totp, static_token };

  static Result<SecondFactor> from_secret(const Secret& entry, const Clock& clock);

  Kind kind() const { return totp_ ? Kind::totp : Kind::static_token; }
  // accepted | wrong_code | replayed (TOTP only) | malformed (TOTP only: not 6 digits).
  crypto::TotpCheck verify(std::string_view supplied);

 private:
  explicit SecondFactor(crypto::TotpVerifier totp) : totp_(std::move(totp)) {}
  explicit SecondFactor(Secret token) : token_(std::move(token)) {}

  std::optional<crypto::TotpVerifier> totp_;
  Secret token_;
};

}  // namespace propbot::secrets
