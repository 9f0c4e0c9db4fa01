// Text encodings of binary data used on the wire: lowercase hex (Binance signatures,
// content hashes) and standard base64 with padding (OKX signatures, RFC 4648 §4).
//
// Guarantees: pure functions, never throw (beyond std::bad_alloc). base64_decode is
// strict: standard alphabet only, length a multiple of 4, '=' only as 1–2 trailing
// pad characters, and unused pad bits zero — so every byte string has exactly one
// accepted encoding. Error messages give the offending position, never the input.
//
// Threads: safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::crypto {

std::string hex_lower(std::span<const std::uint8_t> bytes);
std::string base64_encode(std::span<const std::uint8_t> bytes);
std::string base64_encode(std::string_view bytes);
// Errors: parse_error naming the position of the first bad character or the bad length.
Result<std::string> base64_decode(std::string_view text);

}  // namespace propbot::crypto
