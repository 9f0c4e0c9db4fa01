// Base32 (RFC 4648 §6, the "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" alphabet): the text form
// of TOTP secrets (authenticator apps take `otpauth://totp/...?secret=BASE32`).
//
// Guarantees: pure functions, never throw (beyond std::bad_alloc). base32_encode pads
// with '=' to a multiple of 8 characters, as RFC 4648 §10 does; base32_unpadded drops
// the padding (the form authenticator apps and `totp:` store entries use).
// base32_decode is strict about what it accepts so every byte string has one encoding
// per padding style: upper-case alphabet only, padding either complete (length a
// multiple of 8) or absent, never a length no encoder produces (1, 3 or 6 data
// characters in the last group), and unused trailing bits zero. Error messages give
// the offending position, never the input (the input is usually a secret).
//
// Threads: safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::crypto {

std::string base32_encode(std::span<const std::uint8_t> bytes);
std::string base32_encode(std::string_view bytes);
// base32_encode without the trailing '=' characters.
std::string base32_unpadded(std::string_view bytes);
// Errors: parse_error naming the position of the first bad character, or the bad length.
Result<std::string> base32_decode(std::string_view text);

}  // namespace propbot::crypto
