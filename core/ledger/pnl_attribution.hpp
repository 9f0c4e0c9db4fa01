// PnlAttribution: where every dollar of PnL came from, per strategy and for the desk
// (SPEC S-9.3, issue 14 item 3) — the buckets of PnlBuckets (pnl_buckets.hpp, which
// holds their definitions), the TCA counters of tca.hpp, the day's realised PnL and its
// drawdown, the equity curve and the closed days' reports (pnl_history.hpp). Pure:
// no I/O, no clock of its own; time comes in with the events and advance()/sample().
//
// Inputs, in time order (the engine feeds them; pnl_inputs.hpp has the fields):
// - on_fill: every journaled fill, with the price PnL it realised for its strategy
//   (RealizedProbe) and the reference price the desk decided on. Simulated fills are
//   counted in simulated_fills_ignored and touch nothing else.
// - on_funding: every funding payment (+ received).
// - on_realized: the shares of a flatten's fill realised for other strategies.
// - set_unrealized(strategy, pnl): the strategy's open legs at marks, now (replaces the
//   previous figure; what pnl_from_basis shows).
// - on_order_outcome: once per finished order; set_cancel_counts: the desk's cumulative
//   cancels sent / failed (the executor's counters).
// - advance(now) / sample(now): the clock; sample also measures the day's drawdown and
//   records the equity curve (at most one point per history_interval_ms).
//
// Money rules:
// - Fees: a fee in the accounting asset (options.accounting_asset, "USDT"), or a zero
//   fee, goes to fees_paid (> 0) or rebates (< 0, as −fee). A fee in another asset
//   (BNB, the base coin…) is kept apart in fees_other_assets {asset: Σ fee} and is in no
//   USDT bucket and no USDT total: converting it is the reader's call.
// - Funding in another asset likewise goes to funding_other_assets, not to the buckets.
// - The desk is the exact sum of its strategies, computed from them on every read.
// - total_pnl = realised price PnL + unrealised + funding + rebates − fees_paid
//            = spread + funding + basis + rebate − fees_paid − slippage_cost;
//   check_identity() returns the difference, exactly 0.
//
// The day: "today" is a UTC calendar day. An event stamped on a later day than today
// (or advance/sample to a later day) rolls first: the closing day's report is kept
// (DailyReports) and every "today" figure restarts — realised, funding, fees, slippage,
// TCA, fill count, drawdown (unrealised carries on: it is a figure "now"). An event
// stamped before today (late) counts in the totals only, not in any day. Days with no
// roll in between (the process was down) get no report.
// - realized_today_usdt = today's realised price PnL + funding + rebates − fees;
//   realized_total_usdt the same since start.
// - max_day_drawdown_bps: the day's peak-to-trough of (realized_today + unrealized),
//   from the samples taken by sample() (and one at each roll, the day's opening
//   figure), in bps of options.risk_capital_usdt (0 when that is ≤ 0). A strategy's
//   figure is in bps of the same desk capital.
//
// Bounds: strategies ≤ options.max_strategies (default 64, the config's limit) plus
// kUnattributed; the events of a strategy past the bound are booked under kUnattributed
// (counted in strategies_folded) and its set_unrealized is refused. Other-asset maps
// ≤ kMaxOtherAssets assets per account, the rest summed under "other". History and
// reports: see pnl_history.hpp (10,080 points, 90 days by default).
//
// Errors (values; nothing changes on an error, except that a roll an event's stamp
// caused stays: the time did move): invalid_argument for a fill whose
// quantity or price is not > 0 or whose reference is not > 0; conflict for roll_day to
// a day not after today; out_of_range for set_unrealized past the strategy bound;
// overflow when Decimal arithmetic cannot represent a result — a broken money invariant
// the caller raises as P0. not_found / parse_error from daily_report_json.
//
// Threads: engine thread only. Nothing blocks. A new strategy, a roll, a history point
// and the JSON views allocate; on_fill copies the strategy's spans (all-or-nothing), and
// sample() sums the strategies' buckets (O(strategies), no allocation). The API reads the JSON views from the engine's published snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/ledger/pnl_buckets.hpp"
#include "core/ledger/pnl_day.hpp"
#include "core/ledger/pnl_history.hpp"
#include "core/ledger/pnl_inputs.hpp"
#include "core/ledger/tca.hpp"

namespace propbot::ledger {

inline constexpr std::size_t kMaxOtherAssets = 32;
// Where other-asset amounts past kMaxOtherAssets are summed.
inline constexpr std::string_view kOtherAssetsKey = "other";

using AssetAmounts = std::map<std::string, Decimal, std::less<>>;

struct PnlAttributionOptions {
  Decimal risk_capital_usdt;              // drawdown bps denominator
  std::string accounting_asset = "USDT";
  std::size_t max_strategies = 64;        // plus kUnattributed
  std::size_t history_capacity = kDefaultHistoryCapacity;
  std::int64_t history_interval_ms = 60'000;
  std::size_t max_daily_reports = kDefaultDailyReportCapacity;
};

// One account's figures over a span (since start, or the current UTC day).
struct PnlSpan {
  PnlBuckets buckets;
  TcaCounters tca;
  AssetAmounts fees_other_assets;
  AssetAmounts funding_other_assets;

  Status add(const PnlSpan& other);
  friend bool operator==(const PnlSpan&, const PnlSpan&) = default;
};

struct StrategyPnl {
  PnlSpan total;  // since start
  PnlSpan today;  // since the last roll (unrealised: the same figure as total's)
  DayDrawdown day_drawdown;
};

class PnlAttribution {
 public:
  // Today is utc_day_of(now_ms).
  PnlAttribution(PnlAttributionOptions options, std::int64_t now_ms);

  Status on_fill(const AttributedFill& fill);
  Status on_funding(const FundingPayment& payment);
  // Price PnL realised for `strategy` by a fill booked under another: a flatten's fill
  // (position_id 0) that RealizedProbe shares out among several strategies' positions.
  // Feed the fill itself with realized_price_pnl 0 (its fee, slippage and TCA stay with
  // the fill's strategy) and one on_realized per position its deltas name.
  Status on_realized(std::string_view strategy, Decimal realized_price_pnl, std::int64_t ts_ms);
  Status set_unrealized(std::string_view strategy, Decimal unrealized_price_pnl);
  Status on_order_outcome(const OrderOutcome& outcome);
  void set_cancel_counts(std::int64_t sent, std::int64_t failed);

  // Rolls when now_ms is on a later UTC day than today; otherwise nothing.
  Status advance(std::int64_t now_ms);
  // Closes today (its report kept) and opens `day`. Errors: conflict when day ≤ today.
  Status roll_day(UtcDay day);
  // advance(now_ms), then one drawdown sample per strategy and for the desk, and a
  // history point when history_interval_ms has passed since the last one.
  Status sample(std::int64_t now_ms);

  UtcDay today() const { return today_; }
  const std::map<std::string, StrategyPnl, std::less<>>& strategies() const { return strategies_; }
  const StrategyPnl* find(std::string_view strategy) const;
  // The desk: the sums of every strategy's span (cancel counts added). Errors: overflow.
  Result<PnlSpan> desk_total() const;
  Result<PnlSpan> desk_today() const;
  const DayDrawdown& desk_day_drawdown() const { return desk_drawdown_; }
  double max_day_drawdown_bps() const { return desk_drawdown_.bps_of(options_.risk_capital_usdt); }
  // total_pnl − Σ buckets for the desk, or the first strategy where it is not 0.
  Result<Decimal> check_identity() const;
  std::int64_t simulated_fills_ignored() const { return simulated_fills_ignored_; }
  std::int64_t strategies_folded() const { return strategies_folded_; }
  const PnlHistory& history() const { return history_; }
  const DailyReports& daily_reports() const { return reports_; }

  // GET /api/ui/pnl:
  // {"day", "realized_today_usdt", "realized_total_usdt", "unrealized_usdt",
  //  "fees_paid_usdt", "total_pnl_usdt", "max_day_drawdown_bps", "attribution": {...},
  //  "tca": {...}, "fees_other_assets": {asset: amount}, "funding_other_assets": {...},
  //  "by_strategy": {name: {the same fields but "day" and "by_strategy"}},
  //  "simulated_fills_ignored", "strategies_folded"}
  // fees_paid_usdt, total_pnl_usdt, attribution and tca are since start. An overflow
  // prints null in the figure it hit (the desk's figures are absent if the desk's sum
  // itself overflows).
  nlohmann::json to_json() const;
  // GET /api/ui/pnl_history: PnlHistory::to_json(limit).
  nlohmann::json history_json(std::size_t limit) const { return history_.to_json(limit); }
  // GET /api/ui/daily_report?date=YYYY-MM-DD: a closed day's report, or today's running
  // one for an empty date or today's:
  // {"date", "closed", "trades" (fills), "realized_usdt", "unrealized_usdt" (at the
  //  close), "fees_paid_usdt", "total_pnl_usdt" (realized + unrealized),
  //  "max_day_drawdown_bps", "attribution", "tca", "fees_other_assets",
  //  "funding_other_assets", "by_strategy": {name: {the same but "date", "closed"}}}
  // Errors: parse_error for a bad date, not_found for a day with no report.
  Result<nlohmann::json> daily_report_json(std::string_view date) const;

 private:
  // Rolls when ts_ms is on a later day; tells whether the event belongs to today.
  Result<bool> place(std::int64_t ts_ms);
  // The account for `strategy` (empty → unattributed), made if new; past the bound,
  // the unattributed one (folded set).
  StrategyPnl& account_for(std::string_view strategy, bool& folded);
  template <typename Apply>
  Status book(std::string_view strategy, std::int64_t ts_ms, Apply apply);
  bool is_full(std::string_view strategy) const;
  Result<PnlSpan> desk(bool today) const;
  // The buckets only: what sample() needs, without copying the asset maps.
  Result<PnlBuckets> desk_buckets(bool today) const;
  Status sample_drawdowns();
  nlohmann::json day_report_json(bool closed) const;

  PnlAttributionOptions options_;
  UtcDay today_;
  std::map<std::string, StrategyPnl, std::less<>> strategies_;
  DayDrawdown desk_drawdown_;
  std::int64_t cancels_sent_ = 0;
  std::int64_t cancels_failed_ = 0;
  std::int64_t cancels_sent_at_roll_ = 0;
  std::int64_t cancels_failed_at_roll_ = 0;
  std::int64_t simulated_fills_ignored_ = 0;
  std::int64_t strategies_folded_ = 0;
  std::optional<std::int64_t> last_history_ms_;
  PnlHistory history_;
  DailyReports reports_;
};

}  // namespace propbot::ledger
