#include "core/venues/sim/engine/income_history.hpp"

#include <algorithm>

namespace propbot::venues::sim {

namespace {

// What the next BalanceChanged of an account was caused by, as seen so far in one call.
struct Cause {
  const OrderFilled* filled = nullptr;
  const FundingPaid* funding = nullptr;
  const PositionLiquidated* liquidated = nullptr;
};

}  // namespace

IncomeHistory::IncomeHistory(std::size_t max_per_account)
    : max_per_account_(std::max<std::size_t>(1, max_per_account)) {}

void IncomeHistory::record_events(const std::vector<Event>& events, std::size_t from) {
  std::map<std::string, Cause> causes;
  for (std::size_t i = from; i < events.size(); ++i) {
    const Event& event = events[i];
    if (const auto* filled = std::get_if<OrderFilled>(&event)) {
      causes[filled->account] = Cause{filled, nullptr, nullptr};
      continue;
    }
    if (const auto* funding = std::get_if<FundingPaid>(&event)) {
      causes[funding->account] = Cause{nullptr, funding, nullptr};
      continue;
    }
    if (const auto* liquidated = std::get_if<PositionLiquidated>(&event)) {
      causes[liquidated->account] = Cause{nullptr, nullptr, liquidated};
      continue;
    }
    const auto* changed = std::get_if<BalanceChanged>(&event);
    if (changed == nullptr) continue;
    const Cause cause = causes[changed->account];
    IncomeRecord record;
    record.id = next_id_++;
    record.kind = changed->reason;
    record.asset = changed->balance.asset;
    record.amount = changed->change;
    record.balance_after = changed->balance.wallet;
    record.ts = changed->balance.updated_at;
    switch (changed->reason) {
      case BalanceReason::order:
        if (cause.filled != nullptr) {
          record.symbol = cause.filled->fill.symbol;
          record.fill = cause.filled->fill;
        }
        break;
      case BalanceReason::funding_fee:
        if (cause.funding != nullptr) {
          record.symbol = cause.funding->symbol;
          record.funding = *cause.funding;
        }
        break;
      case BalanceReason::liquidation:
      case BalanceReason::insurance_clear:
        if (cause.liquidated != nullptr) {
          record.symbol = cause.liquidated->symbol;
          record.liquidation = *cause.liquidated;
        }
        break;
      case BalanceReason::deposit:
        break;
    }
    auto& kept = by_account_[changed->account];
    kept.push_back(std::move(record));
    while (kept.size() > max_per_account_) kept.pop_front();
  }
}

std::vector<IncomeRecord> IncomeHistory::records(const std::string& account,
                                                 const std::optional<std::string>& symbol) const {
  std::vector<IncomeRecord> out;
  auto it = by_account_.find(account);
  if (it == by_account_.end()) return out;
  for (const auto& record : it->second) {
    if (!symbol || record.symbol == *symbol) out.push_back(record);
  }
  return out;
}

}  // namespace propbot::venues::sim
