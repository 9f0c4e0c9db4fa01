// Random credentials made by PropBot itself: API tokens and approve tokens for
// `secrets add-token` and the paper store, and TOTP seeds for the second factor.
//
// Guarantees: every byte comes from OpenSSL's CSPRNG (RAND_bytes); the results are
// Secrets and every intermediate buffer is wiped. If RAND_bytes fails the functions
// throw std::runtime_error: without secure randomness no credential can be made, and
// the caller (a CLI command, first start of a paper daemon) must stop.
//
// Threads: safe from any thread.
#pragma once

#include <string_view>

#include "core/secrets/secret.hpp"

namespace propbot::secrets {

// `prefix` followed by 64 lower-case hex digits (256 bits), e.g. "pbt_3f9c…". The
// prefix makes a leaked token easy to find for secret scanners and log greps.
Secret random_token(std::string_view prefix = "pbt_");

// "totp:" followed by the base32 (unpadded) of a 160-bit seed — the `approve_token_2fa`
// store entry an authenticator app is set up with (RFC 4226 §4 recommends 160 bits).
Secret random_totp_secret();

}  // namespace propbot::secrets
