// The PnL's memory (SPEC S-9.3, issue 14 item 3): the equity curve behind
// GET /api/ui/pnl_history, and the closed days behind GET /api/ui/daily_report.
//
// PnlHistory: a ring of PnlPoint, oldest first. Bound: `capacity` points (default
// 10,080 = one a minute for 7 days; PnlAttribution records at most one point per
// history_interval_ms); a point past the bound evicts the oldest.
// DailyReports: the report of each closed UTC day, as the JSON the route prints, oldest
// first. Bound: `capacity` days (default 90); a day past the bound evicts the oldest.
// A day recorded twice keeps the later report.
//
// Threads: engine thread (owned by PnlAttribution). record/add allocate a little.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/common/decimal.hpp"
#include "core/ledger/pnl_day.hpp"

namespace propbot::ledger {

inline constexpr std::size_t kDefaultHistoryCapacity = 10'080;
inline constexpr std::size_t kDefaultDailyReportCapacity = 90;

struct PnlPoint {
  std::int64_t ts_ms = 0;
  Decimal realized_today_usdt;
  Decimal realized_total_usdt;
  Decimal unrealized_usdt;
  Decimal total_pnl_usdt;
};

class PnlHistory {
 public:
  explicit PnlHistory(std::size_t capacity = kDefaultHistoryCapacity);

  void record(const PnlPoint& point);
  std::size_t size() const { return points_.size(); }
  std::size_t capacity() const { return capacity_; }
  const std::deque<PnlPoint>& points() const { return points_; }

  // {"capacity": N, "points": [{"ts" (ISO-8601 UTC ms), "realized_today_usdt",
  //  "realized_total_usdt", "unrealized_usdt", "total_pnl_usdt"}]}: the latest `limit`
  // points (all when limit is 0 or larger than the ring), oldest first.
  nlohmann::json to_json(std::size_t limit) const;

 private:
  std::size_t capacity_;
  std::deque<PnlPoint> points_;
};

class DailyReports {
 public:
  explicit DailyReports(std::size_t capacity = kDefaultDailyReportCapacity);

  void add(UtcDay day, nlohmann::json report);
  const nlohmann::json* find(UtcDay day) const;
  std::size_t size() const { return reports_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::optional<UtcDay> oldest() const;

 private:
  std::size_t capacity_;
  std::deque<std::pair<UtcDay, nlohmann::json>> reports_;  // by day, ascending
};

}  // namespace propbot::ledger
