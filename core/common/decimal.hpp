// Decimal: exact fixed-point numbers for prices, quantities and notionals — an int64
// mantissa and a decimal scale 0..18, value = mantissa / 10^scale. Venues send prices
// as decimal strings; keeping them exact means "65000.10" never becomes 65000.099999,
// a limit price lands exactly on the tick grid, and position = Σ fills holds to the
// last digit.
//
// Guarantees: parse → to_string round-trips the text's value at the text's scale;
// comparison is exact across scales (1.5 == 1.50); arithmetic is checked and never
// wraps — results that cannot be represented come back as Errc::overflow. Every call
// is allocation-free except parse error messages and to_string. Uses Result
// (result.hpp); no other unit.
//
// Threads: a value type; safe to copy between threads.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot {

// How to land on a grid (step, tick, scale) when the value is not already on it.
enum class RoundMode {
  down,     // toward zero (truncate): the usual rule for order quantities
  up,       // away from zero
  nearest,  // nearest grid point, ties away from zero
  floor,    // toward negative infinity: a buy price that must not exceed a limit
  ceil,     // toward positive infinity: a sell price that must not undercut a limit
};

std::string_view to_string(RoundMode mode);

class Decimal {
 public:
  static constexpr int max_scale = 18;

  // Zero with scale 0.
  constexpr Decimal() = default;

  // mantissa / 10^scale. A scale outside 0..18 is a programming error: throws
  // std::invalid_argument (never on data read from the outside — use parse for that).
  static constexpr Decimal from_mantissa(std::int64_t mantissa, int scale) {
    if (scale < 0 || scale > max_scale) {
      throw_bad_scale(scale);
    }
    Decimal d;
    d.mantissa_ = mantissa;
    d.scale_ = static_cast<std::uint8_t>(scale);
    return d;
  }

  // Accepts plain decimal notation ("123", "-0.5", "+.25", "007.10") and scientific
  // notation ("1.5e-7", "2E+3"), as venues send both. The scale is the number of
  // fractional digits the value needs at the text's precision ("1.50" → scale 2,
  // "1.5e-7" → scale 8, "2e3" → scale 0). Errors, each naming the text:
  //   parse_error  — empty text, whitespace, junk, missing digits;
  //   overflow     — the value (or the exponent) does not fit an int64 mantissa;
  //   out_of_range — more than 18 fractional digits would be needed (trailing zeros
  //                  beyond the 18th digit are dropped, as they change nothing).
  static Result<Decimal> parse(std::string_view text);

  // Nearest decimal with `scale` fractional digits to the shortest text that
  // round-trips the double (so 1.005 → "1.01" at scale 2, as a person would expect).
  // NaN/infinity → invalid_argument, scale outside 0..18 → invalid_argument, too
  // large → overflow.
  static Result<Decimal> from_double(double value, int scale);

  // ticks * tick. Errors: invalid_argument when tick <= 0, overflow.
  static Result<Decimal> from_ticks(std::int64_t ticks, Decimal tick);

  constexpr std::int64_t mantissa() const { return mantissa_; }
  constexpr int scale() const { return scale_; }
  constexpr bool is_zero() const { return mantissa_ == 0; }
  constexpr bool is_negative() const { return mantissa_ < 0; }
  constexpr int sign() const { return (mantissa_ > 0) - (mantissa_ < 0); }

  // Exact text at this scale: 1.50 (scale 2) → "1.50", -5 (scale 3) → "-0.005".
  std::string to_string() const;
  // The nearest double (rounded once); for display, ratios and statistics, never for
  // money decisions.
  double to_double() const;
  // Same value with trailing fractional zeros removed: 1.500 → 1.5, 2.00 → 2.
  Decimal normalized() const;

  // Same value at another scale; rounds when the scale shrinks. Errors:
  // invalid_argument for a scale outside 0..18, overflow.
  Result<Decimal> rescale(int scale, RoundMode mode) const;

  // Checked arithmetic. add/sub are exact at the larger of the two scales (trailing
  // zeros are shed only if needed to fit). mul is exact when the product fits;
  // otherwise it is rounded half away from zero to the finest scale that fits, which
  // still keeps at least 18 significant digits. Overflow of the integer part is
  // refused with Errc::overflow.
  Result<Decimal> add(Decimal other) const;
  Result<Decimal> sub(Decimal other) const;
  Result<Decimal> mul(Decimal other) const;
  // Product rounded to exactly `scale` fractional digits.
  Result<Decimal> mul(Decimal other, int scale, RoundMode mode) const;
  // Quotient rounded to exactly `scale` fractional digits (e.g. quantity = notional /
  // price). Errors: invalid_argument on division by zero or bad scale, overflow.
  Result<Decimal> div(Decimal divisor, int scale, RoundMode mode) const;
  Result<Decimal> negated() const;
  Result<Decimal> abs() const;

  // The multiple of `step` chosen by `mode`; the result carries the step's scale
  // (123.456 on step 0.50 with nearest → "123.50"). Errors: invalid_argument when
  // step <= 0, overflow.
  Result<Decimal> round_to_step(Decimal step, RoundMode mode) const;
  // Number of ticks: the integer k with k * tick chosen by `mode`. Errors as above.
  Result<std::int64_t> to_ticks(Decimal tick, RoundMode mode) const;

  // Exact comparison by value: 1.5 == 1.50.
  friend bool operator==(Decimal a, Decimal b) { return compare(a, b) == 0; }
  friend std::strong_ordering operator<=>(Decimal a, Decimal b) { return compare(a, b) <=> 0; }

 private:
  [[noreturn]] static void throw_bad_scale(int scale);
  static int compare(Decimal a, Decimal b);

  std::int64_t mantissa_ = 0;
  std::uint8_t scale_ = 0;
};

// Streams the exact text form; also what GoogleTest prints for a failed comparison.
inline std::ostream& operator<<(std::ostream& out, Decimal d) { return out << d.to_string(); }

}  // namespace propbot

// Hash by value, consistent with ==: 1.5 and 1.50 hash alike.
template <>
struct std::hash<propbot::Decimal> {
  std::size_t operator()(propbot::Decimal d) const noexcept {
    const propbot::Decimal n = d.normalized();
    return std::hash<std::int64_t>{}(n.mantissa()) ^ (static_cast<std::size_t>(n.scale()) << 58);
  }
};
