#include "core/ledger/pnl_day.hpp"

#include <chrono>
#include <cstdio>

namespace propbot::ledger {

std::string to_string(UtcDay day) {
  using namespace std::chrono;
  const year_month_day date{sys_days{days{day.days_since_epoch}}};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

Result<UtcDay> parse_utc_day(std::string_view text) {
  using namespace std::chrono;
  auto bad = [&] { return make_error(Errc::parse_error, "day '" + std::string(text) + "' is not a date YYYY-MM-DD"); };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  auto digits = [&](std::size_t at, std::size_t count, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y = 0;
  int m = 0;
  int d = 0;
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return bad();
  const year_month_day date{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) return bad();
  return UtcDay{sys_days{date}.time_since_epoch().count()};
}

Status DayDrawdown::sample(Decimal equity) {
  const Decimal peak = (!sampled_ || equity > peak_) ? equity : peak_;
  const auto fall = peak.sub(equity);
  if (!fall) return fall.error();
  peak_ = peak;
  if (*fall > max_drawdown_) max_drawdown_ = *fall;
  sampled_ = true;
  return {};
}

double DayDrawdown::bps_of(Decimal capital) const {
  if (capital.sign() <= 0) return 0.0;
  return max_drawdown_.to_double() / capital.to_double() * 1e4;
}

}  // namespace propbot::ledger
