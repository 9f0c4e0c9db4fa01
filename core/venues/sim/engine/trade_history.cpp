#include "core/venues/sim/engine/trade_history.hpp"

#include <algorithm>

namespace propbot::venues::sim {

TradeHistory::TradeHistory(std::size_t max_per_account) : max_per_account_(std::max<std::size_t>(1, max_per_account)) {}

void TradeHistory::record(const std::string& account, const Fill& fill) {
  auto& records = by_account_[account];
  records.push_back(TradeRecord{next_sequence_++, fill});
  while (records.size() > max_per_account_) records.pop_front();
}

void TradeHistory::record_fills(const std::vector<Event>& events, std::size_t from) {
  for (std::size_t i = from; i < events.size(); ++i) {
    if (const auto* filled = std::get_if<OrderFilled>(&events[i])) record(filled->account, filled->fill);
  }
}

std::vector<TradeRecord> TradeHistory::trades(const std::string& account,
                                              const std::optional<std::string>& symbol) const {
  std::vector<TradeRecord> out;
  auto it = by_account_.find(account);
  if (it == by_account_.end()) return out;
  for (const auto& record : it->second) {
    if (!symbol || record.fill.symbol == *symbol) out.push_back(record);
  }
  return out;
}

}  // namespace propbot::venues::sim
