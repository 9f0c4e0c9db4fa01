#include "core/common/decimal.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace propbot {
namespace {

// 128-bit intermediates: every product or alignment of two int64 mantissas with
// scales up to 18 fits (|m| * 10^18 < 2^123), so overflow is decided once, on the
// final value, instead of at every step.
using Wide = __int128;
using UWide = unsigned __int128;

constexpr std::uint64_t kInt64MaxMagnitude = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

constexpr std::array<UWide, 39> make_powers_of_ten() {
  std::array<UWide, 39> powers{};
  UWide value = 1;
  for (auto& p : powers) {
    p = value;
    value *= 10;
  }
  return powers;
}
constexpr std::array<UWide, 39> kPow10 = make_powers_of_ten();

// Largest magnitude representable with the given sign: INT64_MIN has one more.
constexpr UWide max_magnitude(bool negative) { return negative ? UWide{kInt64MaxMagnitude} + 1 : UWide{kInt64MaxMagnitude}; }

constexpr UWide magnitude(Wide v) { return v < 0 ? UWide(0) - static_cast<UWide>(v) : static_cast<UWide>(v); }

constexpr std::int64_t to_int64(UWide mag, bool negative) {
  // Caller has checked mag <= max_magnitude(negative); going through unsigned keeps
  // INT64_MIN well defined.
  const auto bits = static_cast<std::uint64_t>(mag);
  return negative ? static_cast<std::int64_t>(std::uint64_t{0} - bits) : static_cast<std::int64_t>(bits);
}

// Applies the rounding mode to a truncated quotient given its remainder. All inputs
// are magnitudes; `negative` is the sign of the exact quotient.
constexpr UWide round_quotient(UWide quotient, UWide remainder, UWide divisor, bool negative, RoundMode mode) {
  if (remainder == 0) {
    return quotient;
  }
  bool away_from_zero = false;
  switch (mode) {
    case RoundMode::down: away_from_zero = false; break;
    case RoundMode::up: away_from_zero = true; break;
    case RoundMode::nearest: away_from_zero = remainder >= divisor - remainder; break;
    case RoundMode::floor: away_from_zero = negative; break;
    case RoundMode::ceil: away_from_zero = !negative; break;
  }
  return away_from_zero ? quotient + 1 : quotient;
}

// Signed numerator / positive divisor, rounded by mode. Result as sign + magnitude.
struct SignedMagnitude {
  UWide magnitude = 0;
  bool negative = false;
};

constexpr SignedMagnitude divide_rounded(Wide numerator, UWide divisor, RoundMode mode) {
  const bool negative = numerator < 0;
  const UWide n = magnitude(numerator);
  return {round_quotient(n / divisor, n % divisor, divisor, negative, mode), negative};
}

constexpr bool fits(SignedMagnitude v) { return v.magnitude <= max_magnitude(v.negative); }

Error overflow_error(std::string_view what) { return make_error(Errc::overflow, "decimal overflow: " + std::string(what)); }

std::string quoted_for_message(std::string_view text) {
  // Hostile input must not flood the logs through an error message.
  constexpr std::size_t kMaxEcho = 64;
  std::string out = "\"";
  out.append(text.substr(0, kMaxEcho));
  if (text.size() > kMaxEcho) {
    out.append("...");
  }
  out.push_back('"');
  return out;
}

Error parse_failure(Errc code, std::string_view text, std::string_view reason) {
  return make_error(code, "decimal " + quoted_for_message(text) + ": " + std::string(reason));
}

bool valid_scale(int scale) { return scale >= 0 && scale <= Decimal::max_scale; }

Error bad_scale_error(int scale) {
  return make_error(Errc::invalid_argument, "decimal scale " + std::to_string(scale) + " is outside 0..18");
}

// Converts `value` expressed at `value_scale` (may exceed 18, e.g. a raw product) to
// exactly `target_scale`, rounding by mode.
Result<Decimal> convert_scale(Wide value, int value_scale, int target_scale, RoundMode mode, std::string_view what) {
  SignedMagnitude result;
  if (target_scale >= value_scale) {
    result = {magnitude(value), value < 0};
    if (!fits(result)) {
      return overflow_error(what);
    }
    result.magnitude *= kPow10[static_cast<std::size_t>(target_scale - value_scale)];
  } else {
    result = divide_rounded(value, kPow10[static_cast<std::size_t>(value_scale - target_scale)], mode);
  }
  if (!fits(result)) {
    return overflow_error(what);
  }
  return Decimal::from_mantissa(to_int64(result.magnitude, result.negative), target_scale);
}

// Exact value at `value_scale` (0..36); sheds trailing zeros while the mantissa does
// not fit or the scale exceeds 18. Returns false if no exact representation exists.
bool shed_to_fit(Wide& value, int& value_scale) {
  while ((value_scale > Decimal::max_scale || !fits({magnitude(value), value < 0})) && value_scale > 0 &&
         value % 10 == 0) {
    value /= 10;
    --value_scale;
  }
  return value_scale <= Decimal::max_scale && fits({magnitude(value), value < 0});
}

Wide aligned(Decimal d, int scale) {
  return Wide{d.mantissa()} * static_cast<Wide>(kPow10[static_cast<std::size_t>(scale - d.scale())]);
}

std::string describe_operation(Decimal a, std::string_view op, Decimal b) {
  return a.to_string() + " " + std::string(op) + " " + b.to_string();
}

}  // namespace

std::string_view to_string(RoundMode mode) {
  switch (mode) {
    case RoundMode::down: return "down";
    case RoundMode::up: return "up";
    case RoundMode::nearest: return "nearest";
    case RoundMode::floor: return "floor";
    case RoundMode::ceil: return "ceil";
  }
  return "down";
}

void Decimal::throw_bad_scale(int scale) {
  throw std::invalid_argument("Decimal scale " + std::to_string(scale) + " is outside 0..18");
}

Result<Decimal> Decimal::parse(std::string_view text) {
  if (text.empty()) {
    return parse_failure(Errc::parse_error, text, "empty text");
  }
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t pos = 0;
  bool negative = false;
  if (text[pos] == '+' || text[pos] == '-') {
    negative = text[pos] == '-';
    ++pos;
  }
  const std::size_t int_begin = pos;
  while (pos < text.size() && is_digit(text[pos])) {
    ++pos;
  }
  const std::size_t int_end = pos;
  std::size_t frac_begin = pos;
  std::size_t frac_end = pos;
  if (pos < text.size() && text[pos] == '.') {
    frac_begin = ++pos;
    while (pos < text.size() && is_digit(text[pos])) {
      ++pos;
    }
    frac_end = pos;
  }
  const auto int_digits = static_cast<std::int64_t>(int_end - int_begin);
  const auto frac_digits = static_cast<std::int64_t>(frac_end - frac_begin);
  if (int_digits + frac_digits == 0) {
    return parse_failure(Errc::parse_error, text, "no digits");
  }
  // The exponent saturates far beyond any representable value so that absurd
  // exponents are classified (overflow / out_of_range) rather than wrapping.
  constexpr std::int64_t kExponentCap = std::int64_t{1} << 40;
  std::int64_t exponent = 0;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    bool exponent_negative = false;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      exponent_negative = text[pos] == '-';
      ++pos;
    }
    const std::size_t exponent_begin = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      exponent = std::min(kExponentCap, exponent * 10 + (text[pos] - '0'));
      ++pos;
    }
    if (pos == exponent_begin) {
      return parse_failure(Errc::parse_error, text, "exponent has no digits");
    }
    if (exponent_negative) {
      exponent = -exponent;
    }
  }
  if (pos != text.size()) {
    return parse_failure(Errc::parse_error, text,
                         std::string("unexpected character '") + text[pos] + "' at position " + std::to_string(pos));
  }

  // Digit j of the concatenated integer+fraction digits has weight 10^(int_digits-1-j+exponent).
  const auto digit_at = [&](std::int64_t j) {
    return j < int_digits ? text[int_begin + static_cast<std::size_t>(j)]
                          : text[frac_begin + static_cast<std::size_t>(j - int_digits)];
  };
  const std::int64_t total_digits = int_digits + frac_digits;
  std::int64_t first = 0;
  while (first < total_digits && digit_at(first) == '0') {
    ++first;
  }
  const std::int64_t text_scale = std::max<std::int64_t>(0, frac_digits - exponent);
  if (first == total_digits) {
    return from_mantissa(0, static_cast<int>(std::min<std::int64_t>(text_scale, max_scale)));
  }
  std::int64_t last = total_digits - 1;
  while (digit_at(last) == '0') {
    --last;
  }
  const auto weight = [&](std::int64_t j) { return int_digits - 1 - j + exponent; };
  const std::int64_t needed_scale = std::max<std::int64_t>(0, -weight(last));
  if (needed_scale > max_scale) {
    return parse_failure(Errc::out_of_range, text, "needs more than 18 fractional digits");
  }
  // Keep the text's scale (so "1.50" stays 1.50) unless that alone would overflow.
  for (std::int64_t scale = std::min<std::int64_t>(text_scale, max_scale); scale >= needed_scale; --scale) {
    const std::int64_t mantissa_digits = weight(first) + scale + 1;
    if (mantissa_digits > 19) {
      continue;
    }
    UWide mag = 0;
    for (std::int64_t j = first; j <= last; ++j) {
      mag = mag * 10 + static_cast<UWide>(digit_at(j) - '0');
    }
    mag *= kPow10[static_cast<std::size_t>(weight(last) + scale)];
    if (mag <= max_magnitude(negative)) {
      return from_mantissa(to_int64(mag, negative), static_cast<int>(scale));
    }
  }
  return parse_failure(Errc::overflow, text, "does not fit a 64-bit mantissa");
}

Result<Decimal> Decimal::from_double(double value, int scale) {
  if (!std::isfinite(value)) {
    return make_error(Errc::invalid_argument, "decimal from_double: value is not finite");
  }
  if (!valid_scale(scale)) {
    return bad_scale_error(scale);
  }
  // Shortest text that round-trips the double: its digits are what a person means.
  std::array<char, 64> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::scientific);
  if (ec != std::errc{}) {
    return make_error(Errc::internal, "decimal from_double: to_chars failed");
  }
  // Form: [-]d[.ddd]e(+|-)xx
  const std::string_view text(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
  std::size_t pos = 0;
  const bool negative = text[pos] == '-';
  if (negative) {
    ++pos;
  }
  std::uint64_t digits = 0;
  std::int64_t digit_count = 0;
  while (pos < text.size() && text[pos] != 'e') {
    if (text[pos] != '.') {
      digits = digits * 10 + static_cast<std::uint64_t>(text[pos] - '0');
      ++digit_count;
    }
    ++pos;
  }
  int exponent = 0;
  std::from_chars(text.data() + pos + 1 + (text[pos + 1] == '+' ? 1 : 0), text.data() + text.size(), exponent);
  // value = digits * 10^(exponent - (digit_count - 1)); mantissa = value * 10^scale.
  const std::int64_t shift = exponent - (digit_count - 1) + scale;
  SignedMagnitude result{0, negative};
  if (digits == 0) {
    return from_mantissa(0, scale);
  }
  if (shift >= 0) {
    if (shift > 19) {
      return overflow_error(std::string(text) + " at scale " + std::to_string(scale));
    }
    result.magnitude = UWide{digits} * kPow10[static_cast<std::size_t>(shift)];
  } else if (-shift <= 18) {
    const UWide divisor = kPow10[static_cast<std::size_t>(-shift)];
    result.magnitude = round_quotient(digits / divisor, digits % divisor, divisor, negative, RoundMode::nearest);
  }  // else: at most 17 digits shifted 18+ places right round to zero.
  if (!fits(result)) {
    return overflow_error(std::string(text) + " at scale " + std::to_string(scale));
  }
  return from_mantissa(to_int64(result.magnitude, result.negative), scale);
}

Result<Decimal> Decimal::from_ticks(std::int64_t ticks, Decimal tick) {
  if (tick.mantissa_ <= 0) {
    return make_error(Errc::invalid_argument, "decimal tick must be positive, got " + tick.to_string());
  }
  const Wide value = Wide{ticks} * Wide{tick.mantissa_};
  if (!fits({magnitude(value), value < 0})) {
    return overflow_error(std::to_string(ticks) + " ticks of " + tick.to_string());
  }
  return from_mantissa(static_cast<std::int64_t>(value), tick.scale_);
}

std::string Decimal::to_string() const {
  const bool negative = mantissa_ < 0;
  const std::uint64_t mag =
      negative ? std::uint64_t{0} - static_cast<std::uint64_t>(mantissa_) : static_cast<std::uint64_t>(mantissa_);
  std::array<char, 24> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), mag);
  (void)ec;  // 24 bytes always hold a uint64.
  std::string digits(buffer.data(), end);
  if (scale_ > 0) {
    if (digits.size() <= scale_) {
      digits.insert(0, scale_ + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - scale_, 1, '.');
  }
  if (negative) {
    digits.insert(0, 1, '-');
  }
  return digits;
}

double Decimal::to_double() const {
  constexpr std::int64_t kExactInDouble = std::int64_t{1} << 53;
  if (mantissa_ >= -kExactInDouble && mantissa_ <= kExactInDouble) {
    // Both operands are exact doubles (10^18 < 2^63 is one too), so the one division
    // rounds once: the nearest double.
    return static_cast<double>(mantissa_) / static_cast<double>(static_cast<std::uint64_t>(kPow10[scale_]));
  }
  // A wider mantissa would round on its way to double and again in the division, which
  // can miss the nearest double by one ulp: let from_chars round "<mantissa>e-<scale>"
  // once instead (65026.100039999995 must read back as the double it came from).
  std::array<char, 32> buffer{};  // "-9223372036854775808e-18": 24 characters at most
  char* const last = buffer.data() + buffer.size();
  char* end = std::to_chars(buffer.data(), last - 4, mantissa_).ptr;
  const std::array<char, 4> exponent = {'e', '-', static_cast<char>('0' + scale_ / 10),
                                        static_cast<char>('0' + scale_ % 10)};
  end = std::copy(exponent.begin(), exponent.end(), end);
  double out = 0;
  std::from_chars(buffer.data(), end, out);
  return out;
}

Decimal Decimal::normalized() const {
  Decimal d = *this;
  while (d.scale_ > 0 && d.mantissa_ % 10 == 0) {
    d.mantissa_ /= 10;
    --d.scale_;
  }
  if (d.mantissa_ == 0) {
    d.scale_ = 0;
  }
  return d;
}

Result<Decimal> Decimal::rescale(int scale, RoundMode mode) const {
  if (!valid_scale(scale)) {
    return bad_scale_error(scale);
  }
  return convert_scale(mantissa_, scale_, scale, mode, to_string() + " at scale " + std::to_string(scale));
}

int Decimal::compare(Decimal a, Decimal b) {
  const int scale = std::max(a.scale_, b.scale_);
  const Wide x = aligned(a, scale);
  const Wide y = aligned(b, scale);
  return (x > y) - (x < y);
}

Result<Decimal> Decimal::add(Decimal other) const {
  int scale = std::max(scale_, other.scale_);
  Wide sum = aligned(*this, scale) + aligned(other, scale);
  if (!shed_to_fit(sum, scale)) {
    return overflow_error(describe_operation(*this, "+", other));
  }
  return from_mantissa(static_cast<std::int64_t>(sum), scale);
}

Result<Decimal> Decimal::sub(Decimal other) const {
  int scale = std::max(scale_, other.scale_);
  Wide difference = aligned(*this, scale) - aligned(other, scale);
  if (!shed_to_fit(difference, scale)) {
    return overflow_error(describe_operation(*this, "-", other));
  }
  return from_mantissa(static_cast<std::int64_t>(difference), scale);
}

Result<Decimal> Decimal::mul(Decimal other) const {
  int scale = scale_ + other.scale_;
  Wide product = Wide{mantissa_} * Wide{other.mantissa_};
  if (shed_to_fit(product, scale)) {
    return from_mantissa(static_cast<std::int64_t>(product), scale);
  }
  // Not exactly representable: keep as many fractional digits as fit.
  for (int target = std::min(scale, max_scale); target >= 0; --target) {
    const SignedMagnitude rounded =
        divide_rounded(product, kPow10[static_cast<std::size_t>(scale - target)], RoundMode::nearest);
    if (fits(rounded)) {
      return from_mantissa(to_int64(rounded.magnitude, rounded.negative), target);
    }
  }
  return overflow_error(describe_operation(*this, "*", other));
}

Result<Decimal> Decimal::mul(Decimal other, int scale, RoundMode mode) const {
  if (!valid_scale(scale)) {
    return bad_scale_error(scale);
  }
  return convert_scale(Wide{mantissa_} * Wide{other.mantissa_}, scale_ + other.scale_, scale, mode,
                       describe_operation(*this, "*", other));
}

Result<Decimal> Decimal::div(Decimal divisor, int scale, RoundMode mode) const {
  if (!valid_scale(scale)) {
    return bad_scale_error(scale);
  }
  if (divisor.mantissa_ == 0) {
    return make_error(Errc::invalid_argument, "decimal division by zero: " + to_string() + " / 0");
  }
  const bool negative = (mantissa_ < 0) != (divisor.mantissa_ < 0);
  const UWide numerator = magnitude(mantissa_);
  UWide denominator = magnitude(divisor.mantissa_);
  // result mantissa = numerator * 10^shift / denominator
  const int shift = scale + divisor.scale_ - scale_;
  UWide quotient = 0;
  UWide remainder = 0;
  if (shift <= 0) {
    denominator *= kPow10[static_cast<std::size_t>(-shift)];
    quotient = numerator / denominator;
    remainder = numerator % denominator;
  } else {
    // Long division one digit at a time: numerator * 10^36 would not fit 128 bits.
    quotient = numerator / denominator;
    remainder = numerator % denominator;
    for (int i = 0; i < shift; ++i) {
      remainder *= 10;
      quotient = quotient * 10 + remainder / denominator;
      remainder %= denominator;
      if (quotient > max_magnitude(negative)) {
        return overflow_error(describe_operation(*this, "/", divisor));
      }
    }
  }
  const SignedMagnitude result{round_quotient(quotient, remainder, denominator, negative, mode), negative};
  if (!fits(result)) {
    return overflow_error(describe_operation(*this, "/", divisor));
  }
  return from_mantissa(to_int64(result.magnitude, result.negative), scale);
}

Result<Decimal> Decimal::negated() const {
  if (mantissa_ == std::numeric_limits<std::int64_t>::min()) {
    return overflow_error("-(" + to_string() + ")");
  }
  return from_mantissa(-mantissa_, scale_);
}

Result<Decimal> Decimal::abs() const { return mantissa_ < 0 ? negated() : Result<Decimal>(*this); }

Result<Decimal> Decimal::round_to_step(Decimal step, RoundMode mode) const {
  if (step.mantissa_ <= 0) {
    return make_error(Errc::invalid_argument, "decimal step must be positive, got " + step.to_string());
  }
  const int scale = std::max(scale_, step.scale_);
  const SignedMagnitude steps = divide_rounded(aligned(*this, scale), magnitude(aligned(step, scale)), mode);
  // |steps * step| <= |value| + step < 2^126: no 128-bit overflow before the check.
  const SignedMagnitude result{steps.magnitude * static_cast<UWide>(step.mantissa_), steps.negative};
  if (!fits(result)) {
    return overflow_error(to_string() + " rounded to step " + step.to_string());
  }
  return from_mantissa(to_int64(result.magnitude, result.negative), step.scale_);
}

Result<std::int64_t> Decimal::to_ticks(Decimal tick, RoundMode mode) const {
  if (tick.mantissa_ <= 0) {
    return make_error(Errc::invalid_argument, "decimal tick must be positive, got " + tick.to_string());
  }
  const int scale = std::max(scale_, tick.scale_);
  const SignedMagnitude ticks = divide_rounded(aligned(*this, scale), magnitude(aligned(tick, scale)), mode);
  if (!fits(ticks)) {
    return overflow_error(to_string() + " in ticks of " + tick.to_string());
  }
  return to_int64(ticks.magnitude, ticks.negative);
}

}  // namespace propbot
