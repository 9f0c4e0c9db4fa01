// Intent (core/common/intent.hpp): a script's number as an exact Decimal.
#include "core/common/intent.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace propbot {

namespace {

// Fractional digits of the shortest text that round-trips `value` (finite, non-zero):
// "1.2345e+03" needs 1, "6.5e+04" none, "1.5e-07" 8.
int fractional_digits(double value) {
  std::array<char, 32> buffer{};
  const auto [end, ec] =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::scientific);
  if (ec != std::errc{}) return Decimal::max_scale;  // cannot happen for a finite double
  const std::string_view text(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
  const std::size_t e = text.find('e');
  const std::size_t dot = text.find('.');
  const int decimals = dot == std::string_view::npos || dot > e ? 0 : static_cast<int>(e - dot - 1);
  int exponent = 0;
  const char* first = text.data() + e + 1;
  if (*first == '+') ++first;
  std::from_chars(first, text.data() + text.size(), exponent);
  return std::max(0, decimals - exponent);
}

}  // namespace

Result<Decimal> intent_decimal(double value) {
  if (!std::isfinite(value)) {
    return make_error(Errc::invalid_argument, "intent amount is not finite");
  }
  if (value == 0) return Decimal{};
  const double magnitude = std::fabs(value);
  if (magnitude < kIntentDecimalMin || magnitude > kIntentDecimalMax) {
    return make_error(Errc::out_of_range, "intent amount is outside 1e-18..1e18");
  }
  return Decimal::from_double(value, std::min(fractional_digits(value), Decimal::max_scale));
}

}  // namespace propbot
