#include "core/md/level_grid.hpp"

#include <limits>

namespace propbot::md {
namespace {

constexpr std::uint64_t kPow10[] = {1ULL,
                                    10ULL,
                                    100ULL,
                                    1000ULL,
                                    10000ULL,
                                    100000ULL,
                                    1000000ULL,
                                    10000000ULL,
                                    100000000ULL,
                                    1000000000ULL,
                                    10000000000ULL,
                                    100000000000ULL,
                                    1000000000000ULL,
                                    10000000000000ULL,
                                    100000000000000ULL,
                                    1000000000000000ULL,
                                    10000000000000000ULL,
                                    100000000000000000ULL,
                                    1000000000000000000ULL};

}  // namespace

std::string_view to_string(GridStatus status) {
  switch (status) {
    case GridStatus::ok: return "ok";
    case GridStatus::malformed: return "malformed";
    case GridStatus::off_grid: return "off_grid";
    case GridStatus::out_of_range: return "out_of_range";
  }
  return "malformed";
}

Result<LevelGrid> LevelGrid::create(Decimal tick, Decimal lot) {
  if (tick.sign() <= 0) return make_error(Errc::invalid_argument, "tick size must be positive, got " + tick.to_string());
  if (lot.sign() <= 0) return make_error(Errc::invalid_argument, "lot size must be positive, got " + lot.to_string());
  return LevelGrid(tick.normalized(), lot.normalized());
}

GridStatus LevelGrid::to_units(std::string_view text, Decimal unit, std::int64_t& count) {
  const std::size_t size = text.size();
  std::size_t pos = 0;
  while (pos < size && text[pos] >= '0' && text[pos] <= '9') ++pos;
  const std::size_t int_end = pos;
  std::size_t frac_end = pos;
  if (pos < size && text[pos] == '.') {
    ++pos;
    while (pos < size && text[pos] >= '0' && text[pos] <= '9') ++pos;
    frac_end = pos;
  }
  if (pos != size) return GridStatus::malformed;
  const std::size_t frac_begin = int_end < size ? int_end + 1 : int_end;
  if (int_end == 0 && frac_end <= frac_begin) return GridStatus::malformed;  // no digits
  // Drop insignificant trailing fractional zeros, then leading integer zeros.
  std::size_t last = frac_end;
  while (last > frac_begin && text[last - 1] == '0') --last;
  const std::size_t frac_digits = last > frac_begin ? last - frac_begin : 0;
  std::size_t first = 0;
  while (first < int_end && text[first] == '0') ++first;
  if ((int_end - first) + frac_digits > 18) return GridStatus::out_of_range;

  std::uint64_t mantissa = 0;
  for (std::size_t i = first; i < int_end; ++i) mantissa = mantissa * 10 + static_cast<std::uint64_t>(text[i] - '0');
  for (std::size_t i = frac_begin; i < frac_begin + frac_digits; ++i) {
    mantissa = mantissa * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }

  // value = mantissa / 10^f, unit = m_u / 10^s_u; count = value / unit, exact.
  const auto unit_mantissa = static_cast<std::uint64_t>(unit.mantissa());
  const auto unit_scale = static_cast<std::size_t>(unit.scale());
  std::uint64_t scaled = 0;
  if (frac_digits <= unit_scale) {
    if (__builtin_mul_overflow(mantissa, kPow10[unit_scale - frac_digits], &scaled)) return GridStatus::out_of_range;
  } else {
    const std::uint64_t divisor = kPow10[frac_digits - unit_scale];
    if (mantissa % divisor != 0) return GridStatus::off_grid;
    scaled = mantissa / divisor;
  }
  if (unit_mantissa != 1) {
    if (scaled % unit_mantissa != 0) return GridStatus::off_grid;
    scaled /= unit_mantissa;
  }
  if (scaled > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return GridStatus::out_of_range;
  count = static_cast<std::int64_t>(scaled);
  return GridStatus::ok;
}

}  // namespace propbot::md
