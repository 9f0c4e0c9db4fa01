// IncomeHistory: every change of every account's wallet on one simulated exchange, one
// record per change, in the order they happened — what the venues' income and bill
// endpoints answer from (Binance GET /fapi/v1/income, OKX GET /api/v5/account/bills):
// the records a desk reconciles its funding payments, fees and realised PnL against.
//
// Guarantees:
// - One record per BalanceChanged event it is shown (record_events): kind = the event's
//   BalanceReason (deposit, order = one fill, funding_fee, liquidation, insurance_clear),
//   amount = the wallet change (signed: + received, − paid), balance_after = the wallet
//   after it, asset = the balance's asset, ts = the event's time.
// - The record names what caused the change, taken from the event of the same account
//   that precedes it in the same call: a fill's record carries that OrderFilled's Fill
//   (trade and order ids, side, price, quantity, fee paid > 0, realised PnL; amount =
//   realised − fee); a funding record the FundingPaid (rate, mark, signed position;
//   amount = −FundingPaid::amount); a liquidation record its PositionLiquidated (symbol,
//   closed position, price), and so does the insurance_clear that may follow it.
// - `id` is unique within the history and increases with every record (the venues'
//   tranId / billId); an account's records come back in id order, oldest first.
// - At most `max_per_account` records are kept per account; the oldest go first.
// - Changes whose events the exchange core drops (an account quiet at the time: the
//   market model's) have no records: it only records what it is shown.
//
// Threads: single-threaded, like the ExchangeCore that owns it. No I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/venues/sim/engine/events.hpp"

namespace propbot::venues::sim {

// How many wallet changes IncomeHistory keeps per account. A desk reads it to reconcile
// funding and fees over its recon window (Binance pages 1000 at most, OKX bills 100):
// 10,000 is a fill every 100 ms for ~17 minutes, or years of funding settlements. A
// record costs ~450 bytes (its Fill's strings included): ~4.5 MB per busy account.
inline constexpr std::size_t kDefaultMaxIncomePerAccount = 10'000;

struct IncomeRecord {
  std::int64_t id = 0;
  BalanceReason kind = BalanceReason::order;
  std::string symbol;  // canonical BASE-QUOTE; empty for deposits
  std::string asset;   // the margin asset (USDT)
  Decimal amount;      // the wallet change: + received, − paid
  Decimal balance_after;
  UtcTime ts{};
  std::optional<Fill> fill;            // kind order: the fill that moved the wallet
  std::optional<FundingPaid> funding;  // kind funding_fee: rate, mark, signed position
  std::optional<PositionLiquidated> liquidation;  // kinds liquidation, insurance_clear
};

class IncomeHistory {
 public:
  explicit IncomeHistory(std::size_t max_per_account = kDefaultMaxIncomePerAccount);

  // Records every BalanceChanged in events[from..] (see the header comment).
  void record_events(const std::vector<Event>& events, std::size_t from);

  // The account's records, oldest first; only `symbol`'s when set.
  std::vector<IncomeRecord> records(const std::string& account,
                                    const std::optional<std::string>& symbol = std::nullopt) const;

 private:
  std::size_t max_per_account_;
  std::int64_t next_id_ = 1;
  std::map<std::string, std::deque<IncomeRecord>> by_account_;
};

}  // namespace propbot::venues::sim
