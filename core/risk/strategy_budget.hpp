// Per-strategy budget accounting (SPEC S-3.2, issue 13 item 2): one strategy's
// notional and open-positions budget, its daily loss budget (reset at 00:00 UTC and by
// an operator), realised PnL today / 7 days / total, drawdown and consecutive failures,
// and which of its limits the current figures breach. The risk governor owns one per
// strategy, freezes the strategy on a breach and asks admits() before a new position;
// this unit only counts and compares.
//
// Guarantees:
//  - A limit of 0 (or below, or not finite) is off: it never breaches.
//  - A breach is strictly over its limit: a figure equal to its limit is fine. For
//    positions, admits() refuses when open_positions + 1 > max_open_positions.
//  - breach() reports the first breached limit in the order daily_loss, drawdown,
//    consecutive_failures, notional, open_positions.
//  - The day: realized_today counts since the last reset — the automatic one at
//    00:00:00.000 UTC (last_reset is then that midnight) or an operator's reset()
//    (last_reset is then its `now`). Any call carrying a time on a later UTC day than
//    last_reset performs the automatic reset first (on_realized, on_open, roll), so a
//    fill of a new day never lands in the old day's figure. A fill stamped before
//    last_reset (late) counts in the total and its calendar day, not in today's figure.
//  - used_today = max(0, −(realized_today + unrealized)); the daily loss breach is
//    used_today > daily_loss_usdt. reset() and the daily roll restart only the day's
//    realised figure: drawdown, failures and the total carry on.
//  - Drawdown: the equity curve is realized_total + unrealized, sampled at each
//    on_open() (the peak starts at 0, when the budget is made). Call on_open after
//    applying the evaluation's fills and before breach(): a closing fill moves PnL from
//    unrealised to realised, and between on_realized and the next on_open the two
//    would count it twice. drawdown = peak − last sample (≥ 0); the drawdown limit
//    compares the current drawdown, max_drawdown is the largest seen, for display.
//  - 7 days: one bucket per UTC calendar day in a ring of 8 (bounded: 8 × 16 bytes);
//    realized_7d sums the 7 days ending with the latest day seen. A fill more than 7
//    days older than the latest day counts in the total only.
//  - Non-finite inputs are ignored (counted in ignored_inputs()), so a NaN never
//    poisons a figure; admits() refuses a non-finite or negative notional.
//  - consecutive_failures saturates at INT_MAX.
//
// Thread: not synchronised; the engine thread owns it. Time comes in as the engine
// Clock's utc(). O(1) per call, no allocation except the JSON views.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"

namespace propbot::risk {

struct StrategyBudgetLimits {  // 0 = that limit off
  double max_notional_usdt = 0;
  int max_open_positions = 0;
  double daily_loss_usdt = 0;  // the daily loss budget
  double max_drawdown_usdt = 0;
  int max_consecutive_failures = 0;
};

// Stable strings: none, max_notional_usdt, max_open_positions, daily_loss_budget,
// max_drawdown, consecutive_failures.
enum class BudgetBreach { none, notional, open_positions, daily_loss, drawdown, consecutive_failures };
std::string_view to_string(BudgetBreach breach);

class StrategyBudget {
 public:
  // last_reset starts at `now`.
  StrategyBudget(std::string strategy, StrategyBudgetLimits limits, UtcTime now);

  // Stored with limits below 0 or not finite turned into 0 (off).
  void set_limits(StrategyBudgetLimits limits);
  const StrategyBudgetLimits& limits() const { return limits_; }
  const std::string& strategy() const { return strategy_; }

  // Realised PnL net of fees (negative = loss), at `ts` (the fill's time).
  void on_realized(double pnl_usdt, UtcTime ts);
  // A finished trade: failed (hedge lost, rejected, or closed at a loss) or not; a
  // success resets the streak.
  void on_trade_result(bool failed);
  // The strategy's current unrealised PnL over its open positions, their count and
  // open notional (called each evaluation); samples the equity curve for drawdown.
  void on_open(double unrealized_pnl_usdt, double open_notional_usdt, int open_positions, UtcTime now);
  // Automatic reset at 00:00 UTC: when `now` is on a later UTC day than last_reset,
  // the day's figure restarts (last_reset = that day's midnight). Returns true when it
  // reset.
  bool roll(UtcTime now);
  // Operator reset (audited by the caller as BUDGET_RESET): the day's loss restarts now.
  void reset(UtcTime now);

  struct Breach {
    BudgetBreach kind = BudgetBreach::none;
    double value = 0;
    double limit = 0;
  };
  // The first limit breached by the current figures (order: daily_loss, drawdown,
  // consecutive_failures, notional, open_positions), with value and limit.
  Breach breach() const;
  // Would one more position of `notional_usdt` stay within max_notional_usdt and
  // max_open_positions? (pre-trade; notional checked first). value = the figure after
  // the new position.
  Breach admits(double notional_usdt) const;

  double realized_today_usdt() const { return realized_since_reset_; }  // since the last reset
  double realized_7d_usdt() const;  // the last 7 UTC days including the latest day seen
  double realized_total_usdt() const { return realized_total_; }
  double unrealized_usdt() const { return unrealized_; }
  double open_notional_usdt() const { return open_notional_; }
  int open_positions() const { return open_positions_; }
  double used_today_usdt() const;      // max(0, −(realized_today + unrealized))
  double remaining_usdt() const;       // max(0, daily_loss_usdt − used_today); 0 when off
  double max_drawdown_usdt() const { return max_drawdown_; }  // largest peak-to-trough seen
  double drawdown_usdt() const { return drawdown_; }          // current peak − current
  int consecutive_failures() const { return consecutive_failures_; }
  UtcTime last_reset() const { return last_reset_; }
  std::uint64_t ignored_inputs() const { return ignored_inputs_; }

  // {"max_notional_usdt", "max_open_positions", "open_notional_usdt", "open_positions",
  //  "daily_loss": {"limit_usdt", "used_today_usdt", "remaining_usdt",
  //  "last_reset_ts_utc" (ISO-8601 UTC, ms)}, "max_drawdown_usdt" (the limit),
  //  "max_consecutive_failures"}; limits that are off read 0.
  nlohmann::json budget_json() const;
  // {"realized_today_usdt", "realized_7d_usdt", "realized_total_usdt",
  //  "unrealized_usdt", "drawdown_usdt", "max_drawdown_usdt", "consecutive_failures"}
  nlohmann::json pnl_json() const;

 private:
  struct DayBucket {
    std::int64_t day = std::numeric_limits<std::int64_t>::min();  // days since the epoch; min = empty
    double pnl_usdt = 0;
  };
  static constexpr std::size_t kDayBuckets = 8;

  void add_to_day(std::int64_t day, double pnl_usdt);

  std::string strategy_;
  StrategyBudgetLimits limits_;
  UtcTime last_reset_;
  std::int64_t latest_day_;
  double realized_since_reset_ = 0;
  double realized_total_ = 0;
  std::array<DayBucket, kDayBuckets> days_{};
  double unrealized_ = 0;
  double open_notional_ = 0;
  int open_positions_ = 0;
  double peak_equity_ = 0;
  double drawdown_ = 0;
  double max_drawdown_ = 0;
  int consecutive_failures_ = 0;
  std::uint64_t ignored_inputs_ = 0;
};

}  // namespace propbot::risk
