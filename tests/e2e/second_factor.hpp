// The second factor as an operator's authenticator app computes it: the TOTP code
// (RFC 6238) of the paper store's `approve_token_2fa` seed now, or `offset` away.
#pragma once

#include <chrono>
#include <string>

#include "core/crypto/base32.hpp"
#include "core/crypto/totp.hpp"

namespace propbot::testing {

inline std::string totp_at(const std::string& seed, std::chrono::seconds offset) {
  auto key = crypto::base32_decode(seed);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return crypto::totp_code(key.value(), (now + offset).count());
}

inline std::string totp_now(const std::string& seed) { return totp_at(seed, std::chrono::seconds(0)); }

}  // namespace propbot::testing
