// TradeHistory: the fills of every account of one simulated exchange, per account, in
// the order they happened — what the venues' trade-list endpoints answer from
// (Binance GET /fapi/v1/userTrades, OKX GET /api/v5/trade/fills), the endpoints a
// client reads to recover fills its private stream missed.
//
// Guarantees:
// - A record keeps the Fill exactly as the OrderFilled event carried it (symbol,
//   client and venue order id, trade id, side, price, quantity, fee, fee asset, maker,
//   realised PnL, ts).
// - `sequence` is unique per history and increases with every record (the OKX billId);
//   records of one account come back in that order, oldest first.
// - At most `max_per_account` records are kept per account: the oldest go first.
// - Liquidations (PositionLiquidated) are not trades of the account's orders and are
//   not recorded.
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

struct TradeRecord {
  std::int64_t sequence = 0;
  Fill fill;
};

class TradeHistory {
 public:
  explicit TradeHistory(std::size_t max_per_account);

  void record(const std::string& account, const Fill& fill);
  // Records the fill of every OrderFilled in events[from..].
  void record_fills(const std::vector<Event>& events, std::size_t from);

  // The account's records, oldest first; only `symbol`'s when set.
  std::vector<TradeRecord> trades(const std::string& account,
                                  const std::optional<std::string>& symbol = std::nullopt) const;

 private:
  std::size_t max_per_account_;
  std::int64_t next_sequence_ = 1;
  std::map<std::string, std::deque<TradeRecord>> by_account_;
};

}  // namespace propbot::venues::sim
