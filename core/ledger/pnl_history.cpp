#include "core/ledger/pnl_history.hpp"

#include <algorithm>
#include <chrono>

#include "core/common/clock.hpp"
#include "core/ledger/pnl_buckets.hpp"

namespace propbot::ledger {

PnlHistory::PnlHistory(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void PnlHistory::record(const PnlPoint& point) {
  if (points_.size() == capacity_) points_.pop_front();
  points_.push_back(point);
}

nlohmann::json PnlHistory::to_json(std::size_t limit) const {
  const std::size_t count = (limit == 0 || limit > points_.size()) ? points_.size() : limit;
  nlohmann::json rows = nlohmann::json::array();
  for (auto it = points_.end() - static_cast<std::ptrdiff_t>(count); it != points_.end(); ++it) {
    rows.push_back({{"ts", format_iso8601_ms(UtcTime{std::chrono::milliseconds(it->ts_ms)})},
                    {"realized_today_usdt", money_json(it->realized_today_usdt)},
                    {"realized_total_usdt", money_json(it->realized_total_usdt)},
                    {"unrealized_usdt", money_json(it->unrealized_usdt)},
                    {"total_pnl_usdt", money_json(it->total_pnl_usdt)}});
  }
  return {{"capacity", capacity_}, {"points", std::move(rows)}};
}

DailyReports::DailyReports(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void DailyReports::add(UtcDay day, nlohmann::json report) {
  auto at = std::lower_bound(reports_.begin(), reports_.end(), day,
                             [](const auto& entry, UtcDay key) { return entry.first < key; });
  if (at != reports_.end() && at->first == day) {
    at->second = std::move(report);
    return;
  }
  reports_.insert(at, {day, std::move(report)});
  if (reports_.size() > capacity_) reports_.pop_front();
}

const nlohmann::json* DailyReports::find(UtcDay day) const {
  auto at = std::lower_bound(reports_.begin(), reports_.end(), day,
                             [](const auto& entry, UtcDay key) { return entry.first < key; });
  return (at != reports_.end() && at->first == day) ? &at->second : nullptr;
}

std::optional<UtcDay> DailyReports::oldest() const {
  if (reports_.empty()) return std::nullopt;
  return reports_.front().first;
}

}  // namespace propbot::ledger
