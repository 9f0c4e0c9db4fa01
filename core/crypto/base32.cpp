#include "core/crypto/base32.hpp"

#include <array>

namespace propbot::crypto {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

constexpr std::array<std::int8_t, 256> make_values() {
  std::array<std::int8_t, 256> values{};
  values.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return values;
}
constexpr auto kValues = make_values();

std::string encode(const std::uint8_t* data, std::size_t size, bool pad) {
  std::string out;
  out.reserve((size + 4) / 5 * 8);
  std::uint64_t accumulator = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    accumulator = (accumulator << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kAlphabet[(accumulator >> bits) & 0x1F];
    }
  }
  if (bits > 0) out += kAlphabet[(accumulator << (5 - bits)) & 0x1F];
  if (pad) {
    while (out.size() % 8 != 0) out += '=';
  }
  return out;
}

// Data characters a final group may hold: 8 bits → 2, 16 → 4, 24 → 5, 32 → 7.
constexpr bool valid_final_group(std::size_t data_chars) {
  const std::size_t rest = data_chars % 8;
  return rest == 0 || rest == 2 || rest == 4 || rest == 5 || rest == 7;
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> bytes) {
  return encode(bytes.data(), bytes.size(), true);
}

std::string base32_encode(std::string_view bytes) {
  return encode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), true);
}

std::string base32_unpadded(std::string_view bytes) {
  return encode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), false);
}

Result<std::string> base32_decode(std::string_view text) {
  std::size_t data_chars = text.size();
  while (data_chars > 0 && text[data_chars - 1] == '=') --data_chars;
  const std::size_t padding = text.size() - data_chars;
  if (!valid_final_group(data_chars)) {
    return make_error(Errc::parse_error, "base32: " + std::to_string(data_chars) +
                                             " data characters is not a length any encoder produces");
  }
  if (padding > 0 && (text.size() % 8 != 0 || data_chars % 8 == 0)) {
    return make_error(Errc::parse_error, "base32: padding must fill the last group of 8 characters exactly");
  }

  std::string out;
  out.reserve(data_chars * 5 / 8);
  std::uint64_t accumulator = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    const std::int8_t value = kValues[static_cast<unsigned char>(text[i])];
    if (value < 0) {
      return make_error(Errc::parse_error, "base32: invalid character at position " + std::to_string(i));
    }
    accumulator = (accumulator << 5) | static_cast<std::uint64_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xFF);
    }
  }
  if (bits > 0 && (accumulator & ((std::uint64_t{1} << bits) - 1)) != 0) {
    return make_error(Errc::parse_error, "base32: non-zero unused bits in the last character");
  }
  return out;
}

}  // namespace propbot::crypto
