// UtcDay: the calendar day (00:00:00.000 to 23:59:59.999 UTC) a PnL figure belongs to
// — what "today" means for PnL attribution (SPEC S-9.3) and the daily report's key.
// Days are counted from the Unix epoch, so comparing and stepping them is integer
// arithmetic; the text form is "YYYY-MM-DD" (what GET /api/ui/daily_report?date= takes).
//
// DayDrawdown: the day's largest peak-to-trough fall of an equity figure sampled during
// the day (max over samples of peak-so-far − sample, ≥ 0), Decimal; reset() at the day
// roll. bps_of(capital) = max_drawdown / capital · 1e4, 0 when capital ≤ 0.
//
// Guarantees: utc_day_of(ms) floors, so an instant before 1970 still lands on its own
// day; to_string and parse_utc_day round-trip every day from 0001-01-01 to 9999-12-31.
//
// Threads: a value type and pure functions, safe from any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"

namespace propbot::ledger {

inline constexpr std::int64_t kMsPerDay = 86'400'000;

struct UtcDay {
  std::int64_t days_since_epoch = 0;  // 1970-01-01 is 0

  // The first millisecond of the day (Unix ms).
  constexpr std::int64_t start_ms() const { return days_since_epoch * kMsPerDay; }
  friend constexpr auto operator<=>(UtcDay, UtcDay) = default;
};

// The UTC day holding the Unix-ms instant `ts_ms`.
constexpr UtcDay utc_day_of(std::int64_t ts_ms) {
  const std::int64_t day = ts_ms / kMsPerDay;
  return UtcDay{(ts_ms % kMsPerDay < 0) ? day - 1 : day};
}

// "YYYY-MM-DD".
std::string to_string(UtcDay day);
// The exact form "YYYY-MM-DD" (a real calendar date). Errors: parse_error naming the text.
Result<UtcDay> parse_utc_day(std::string_view text);

class DayDrawdown {
 public:
  // Errors: overflow (nothing changes).
  Status sample(Decimal equity);
  void reset() { *this = DayDrawdown{}; }
  bool sampled() const { return sampled_; }
  Decimal peak() const { return peak_; }
  Decimal max_drawdown() const { return max_drawdown_; }
  double bps_of(Decimal capital) const;

 private:
  bool sampled_ = false;
  Decimal peak_;
  Decimal max_drawdown_;
};

}  // namespace propbot::ledger
