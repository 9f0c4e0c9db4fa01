// ExchangeCore: the venue-neutral exchange behind every simulated venue — one
// OrderBookEngine per symbol plus one AccountBook, tied together so that an order is
// checked against the account (reduce-only, minimum notional, initial margin) before
// it reaches the book, and every fill is booked to both accounts (fees, positions,
// realised PnL) as it happens. The Binance and OKX protocol servers sit on top and
// translate requests and events to their wire formats (protocols.md A6/A8, B4/B7).
//
// Guarantees:
// - Every call appends the events it caused to the caller's vector, in the order they
//   happened, and is deterministic: the same calls give the same events and ids.
// - place() checks, in this order: symbol and account known; order shape (engine:
//   step, min_qty, tick, client id unique among the account's open orders); reduce-only
//   (rejected with reduce_only_rejected when there is nothing to reduce on that side;
//   a larger quantity is CLIPPED to |position| — the order's quantity becomes
//   |position|); minimum notional (limit price, or for market orders the mark, else
//   the opposite best; reduce-only exempt, as on Binance); initial margin (skipped for
//   reduce-only orders and margin-exempt accounts) → insufficient_margin. A refusal
//   changes nothing and is also appended as OrderRejected.
// - A resting order reserves its initial margin; fills shrink the reservation pro rata
//   and the order's end releases it.
// - Liquidation is checked after set_mark and apply_funding: a liquidated account's open
//   orders are canceled first (reason liquidation), then its positions close at mark.
// - Closed orders stay queryable by venue id or client id (most recent) — the answer to
//   "do you know this id?" after a client restart — up to MatchingConfig::max_closed_orders
//   per symbol.
// - Events of "quiet" accounts (the market model's) are dropped everywhere unless
//   asked; their state changes all the same.
// - Every fill of a non-quiet account is kept in its TradeHistory (trades()), up to
//   ExchangeConfig::max_trades_per_account: the venues' trade lists answer from it.
// - Every wallet change of a non-quiet account (deposit, fill, funding, liquidation) is
//   kept in its IncomeHistory (income()), up to ExchangeConfig::max_income_per_account:
//   the venues' income / bill lists answer from it.
// - apply_funding can leave named accounts unpaid (the simulator's skip_funding fault):
//   their wallets, events and income records are as if they held no position.
//
// Threads: single-threaded (the simulator's loop); Clock-free — `now` is passed in; no
// I/O. Overflow of money arithmetic is a broken invariant and throws std::logic_error.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/venues/sim/engine/accounts.hpp"
#include "core/venues/sim/engine/events.hpp"
#include "core/venues/sim/engine/income_history.hpp"
#include "core/venues/sim/engine/instrument_rules.hpp"
#include "core/venues/sim/engine/matching_engine.hpp"
#include "core/venues/sim/engine/trade_history.hpp"

namespace propbot::venues::sim {

// How many fills TradeHistory keeps per account. What they serve is a client catching up
// on the fills its private stream missed (Binance userTrades pages 1000 at most, OKX fills
// 100): 10,000 is ~17 minutes of a fill every 100 ms on one account, beyond any outage a
// test drives. A record costs ~300 bytes: ~3 MB per account. At 100,000 (before issue 11)
// each busy account could hold ~30 MB.
inline constexpr std::size_t kDefaultMaxTradesPerAccount = 10'000;

struct ExchangeConfig {
  MatchingConfig matching;
  std::string insurance_account = "insurance";
  std::size_t max_trades_per_account = kDefaultMaxTradesPerAccount;
  std::size_t max_income_per_account = kDefaultMaxIncomePerAccount;  // see income_history.hpp
};

class ExchangeCore {
 public:
  explicit ExchangeCore(ExchangeConfig config = {});

  // Start-up: throws std::invalid_argument for invalid or duplicate rules.
  void add_instrument(const InstrumentRules& rules);
  // false when the account exists already. margin_exempt: the market model's account.
  bool open_account(const std::string& account, Decimal initial_usdt, UtcTime now, std::vector<Event>& events,
                    bool margin_exempt = false);
  void deposit(const std::string& account, Decimal amount, UtcTime now, std::vector<Event>& events);
  // Drop this account's events from every call's output (its state still changes).
  void set_quiet(const std::string& account, bool quiet);
  Outcome<int> set_leverage(const std::string& account, const std::string& symbol, int leverage);

  Outcome<OrderState> place(const std::string& account, const OrderRequest& request, UtcTime now,
                            std::vector<Event>& events);
  Outcome<OrderState> cancel(const std::string& account, const std::string& symbol, const OrderRef& ref,
                             UtcTime now, std::vector<Event>& events);
  // Cancels the account's open orders on `symbol`; returns them (venue id order).
  std::vector<OrderState> cancel_all(const std::string& account, const std::string& symbol, UtcTime now,
                                     std::vector<Event>& events);
  // Atomically replaces `account`'s resting orders on `symbol` with the given levels
  // (see OrderBookEngine::replace_liquidity). No margin checks. The account's own events
  // are emitted only when emit_own_events; the other side's events always are.
  void replace_liquidity(const std::string& symbol, const std::string& account, const std::vector<PriceLevel>& bids,
                         const std::vector<PriceLevel>& asks, UtcTime now, std::vector<Event>& events,
                         bool emit_own_events = false);

  std::vector<OrderState> open_orders(const std::string& account,
                                      const std::optional<std::string>& symbol = std::nullopt) const;
  Outcome<OrderState> order(const std::string& account, const std::string& symbol, const OrderRef& ref) const;
  std::vector<Position> positions(const std::string& account) const;
  std::vector<Balance> balances(const std::string& account, UtcTime now) const;
  // The account's fills, oldest first (see TradeHistory); only `symbol`'s when set.
  std::vector<TradeRecord> trades(const std::string& account,
                                  const std::optional<std::string>& symbol = std::nullopt) const;
  // The account's wallet changes, oldest first (see IncomeHistory); only `symbol`'s when set.
  std::vector<IncomeRecord> income(const std::string& account,
                                   const std::optional<std::string>& symbol = std::nullopt) const;

  void set_mark(const std::string& symbol, Decimal mark, UtcTime now, std::vector<Event>& events);
  // Settles funding on `symbol` for every account but those in `unpaid` (AccountBook::apply_funding).
  void apply_funding(const std::string& symbol, Decimal rate, Decimal mark, UtcTime now, std::vector<Event>& events,
                     const std::set<std::string>& unpaid = {});

  const OrderBookEngine* book(const std::string& symbol) const;
  const AccountBook& accounts() const { return accounts_; }

 private:
  class Hooks;
  OrderBookEngine* find_book(const std::string& symbol);
  // Keeps margin reservations in step with the order events appended since `from`.
  void settle_reservations(const std::vector<Event>& events, std::size_t from);
  void drop_quiet(std::vector<Event>& events, std::size_t from, const std::string* also_quiet) const;
  void liquidate_if_needed(UtcTime now, std::vector<Event>& events);
  Rejection refuse(const std::string& account, const OrderRequest& request, RejectReason reason, std::string message,
                   UtcTime now, std::vector<Event>& events) const;

  ExchangeConfig config_;
  AccountBook accounts_;
  std::map<std::string, std::unique_ptr<OrderBookEngine>> books_;
  std::set<std::string> quiet_;
  TradeHistory trades_;
  IncomeHistory income_;
};

}  // namespace propbot::venues::sim
