// CRC-32 (IEEE 802.3, the polynomial of zlib's crc32 and of OKX's order-book
// checksum), table-driven, slicing-by-8, so the daemon needs no zlib for it.
//
// Guarantees: crc32("123456789") == 0xCBF43926; crc32_update chains, so hashing a
// text in pieces gives the same value as hashing it whole. No allocation.
//
// Thread: pure functions over constant tables; safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace propbot::md {

// Continues a CRC: start from 0 (the CRC of nothing) and feed the pieces in order.
std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes);
inline std::uint32_t crc32(std::string_view bytes) { return crc32_update(0, bytes); }

}  // namespace propbot::md
