#include "core/risk/strategy_budget.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

namespace propbot::risk {

std::string_view to_string(BudgetBreach breach) {
  switch (breach) {
    case BudgetBreach::none: return "none";
    case BudgetBreach::notional: return "max_notional_usdt";
    case BudgetBreach::open_positions: return "max_open_positions";
    case BudgetBreach::daily_loss: return "daily_loss_budget";
    case BudgetBreach::drawdown: return "max_drawdown";
    case BudgetBreach::consecutive_failures: return "consecutive_failures";
  }
  return "unknown";
}

namespace {

std::int64_t utc_day(UtcTime t) {
  return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

UtcTime utc_midnight(std::int64_t day) { return UtcTime{std::chrono::days{day}}; }

double limit_or_off(double limit) { return std::isfinite(limit) && limit > 0 ? limit : 0; }

// Strictly over an active limit: a figure equal to its limit is not a breach.
bool over(double value, double limit) { return limit > 0 && value > limit; }

}  // namespace

StrategyBudget::StrategyBudget(std::string strategy, StrategyBudgetLimits limits, UtcTime now)
    : strategy_(std::move(strategy)), last_reset_(now), latest_day_(utc_day(now)) {
  set_limits(limits);
}

void StrategyBudget::set_limits(StrategyBudgetLimits limits) {
  limits.max_notional_usdt = limit_or_off(limits.max_notional_usdt);
  limits.daily_loss_usdt = limit_or_off(limits.daily_loss_usdt);
  limits.max_drawdown_usdt = limit_or_off(limits.max_drawdown_usdt);
  limits.max_open_positions = std::max(0, limits.max_open_positions);
  limits.max_consecutive_failures = std::max(0, limits.max_consecutive_failures);
  limits_ = limits;
}

bool StrategyBudget::roll(UtcTime now) {
  const std::int64_t day = utc_day(now);
  latest_day_ = std::max(latest_day_, day);
  if (day <= utc_day(last_reset_)) return false;
  realized_since_reset_ = 0;
  last_reset_ = utc_midnight(day);
  return true;
}

void StrategyBudget::reset(UtcTime now) {
  latest_day_ = std::max(latest_day_, utc_day(now));
  realized_since_reset_ = 0;
  last_reset_ = now;
}

void StrategyBudget::on_realized(double pnl_usdt, UtcTime ts) {
  if (!std::isfinite(pnl_usdt)) {
    ++ignored_inputs_;
    return;
  }
  roll(ts);
  realized_total_ += pnl_usdt;
  add_to_day(utc_day(ts), pnl_usdt);
  if (ts >= last_reset_) realized_since_reset_ += pnl_usdt;
}

void StrategyBudget::add_to_day(std::int64_t day, double pnl_usdt) {
  const auto ring = static_cast<std::int64_t>(kDayBuckets);
  if (day <= latest_day_ - ring) return;  // the ring has moved past that day
  const auto slot = static_cast<std::size_t>(((day % ring) + ring) % ring);
  DayBucket& bucket = days_[slot];
  if (bucket.day != day) bucket = DayBucket{day, 0};
  bucket.pnl_usdt += pnl_usdt;
}

double StrategyBudget::realized_7d_usdt() const {
  double sum = 0;
  for (const DayBucket& bucket : days_) {
    if (bucket.day > latest_day_ - 7 && bucket.day <= latest_day_) sum += bucket.pnl_usdt;
  }
  return sum;
}

void StrategyBudget::on_trade_result(bool failed) {
  if (!failed) {
    consecutive_failures_ = 0;
  } else if (consecutive_failures_ < std::numeric_limits<int>::max()) {
    ++consecutive_failures_;
  }
}

void StrategyBudget::on_open(double unrealized_pnl_usdt, double open_notional_usdt, int open_positions,
                             UtcTime now) {
  roll(now);
  if (!std::isfinite(unrealized_pnl_usdt) || !std::isfinite(open_notional_usdt) || open_notional_usdt < 0 ||
      open_positions < 0) {
    ++ignored_inputs_;
    return;
  }
  unrealized_ = unrealized_pnl_usdt;
  open_notional_ = open_notional_usdt;
  open_positions_ = open_positions;
  const double equity = realized_total_ + unrealized_;
  peak_equity_ = std::max(peak_equity_, equity);
  drawdown_ = peak_equity_ - equity;
  max_drawdown_ = std::max(max_drawdown_, drawdown_);
}

double StrategyBudget::used_today_usdt() const { return std::max(0.0, -(realized_since_reset_ + unrealized_)); }

double StrategyBudget::remaining_usdt() const {
  if (limits_.daily_loss_usdt <= 0) return 0;
  return std::max(0.0, limits_.daily_loss_usdt - used_today_usdt());
}

StrategyBudget::Breach StrategyBudget::breach() const {
  const double used = used_today_usdt();
  if (over(used, limits_.daily_loss_usdt)) return {BudgetBreach::daily_loss, used, limits_.daily_loss_usdt};
  if (over(drawdown_, limits_.max_drawdown_usdt)) return {BudgetBreach::drawdown, drawdown_, limits_.max_drawdown_usdt};
  if (over(consecutive_failures_, limits_.max_consecutive_failures)) {
    return {BudgetBreach::consecutive_failures, static_cast<double>(consecutive_failures_),
            static_cast<double>(limits_.max_consecutive_failures)};
  }
  if (over(open_notional_, limits_.max_notional_usdt)) {
    return {BudgetBreach::notional, open_notional_, limits_.max_notional_usdt};
  }
  if (over(open_positions_, limits_.max_open_positions)) {
    return {BudgetBreach::open_positions, static_cast<double>(open_positions_),
            static_cast<double>(limits_.max_open_positions)};
  }
  return {};
}

StrategyBudget::Breach StrategyBudget::admits(double notional_usdt) const {
  if (!std::isfinite(notional_usdt) || notional_usdt < 0) {
    return {BudgetBreach::notional, notional_usdt, limits_.max_notional_usdt};
  }
  const double notional_after = open_notional_ + notional_usdt;
  if (over(notional_after, limits_.max_notional_usdt)) {
    return {BudgetBreach::notional, notional_after, limits_.max_notional_usdt};
  }
  const double positions_after = static_cast<double>(open_positions_) + 1;
  if (over(positions_after, limits_.max_open_positions)) {
    return {BudgetBreach::open_positions, positions_after, static_cast<double>(limits_.max_open_positions)};
  }
  return {};
}

nlohmann::json StrategyBudget::budget_json() const {
  return {{"max_notional_usdt", limits_.max_notional_usdt},
          {"max_open_positions", limits_.max_open_positions},
          {"open_notional_usdt", open_notional_},
          {"open_positions", open_positions_},
          {"daily_loss",
           {{"limit_usdt", limits_.daily_loss_usdt},
            {"used_today_usdt", used_today_usdt()},
            {"remaining_usdt", remaining_usdt()},
            {"last_reset_ts_utc", format_iso8601_ms(last_reset_)}}},
          {"max_drawdown_usdt", limits_.max_drawdown_usdt},
          {"max_consecutive_failures", limits_.max_consecutive_failures}};
}

nlohmann::json StrategyBudget::pnl_json() const {
  return {{"realized_today_usdt", realized_since_reset_},
          {"realized_7d_usdt", realized_7d_usdt()},
          {"realized_total_usdt", realized_total_},
          {"unrealized_usdt", unrealized_},
          {"drawdown_usdt", drawdown_},
          {"max_drawdown_usdt", max_drawdown_},
          {"consecutive_failures", consecutive_failures_}};
}

}  // namespace propbot::risk
