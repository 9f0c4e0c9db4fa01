// OrderBookEngine: the price-time priority order book of one symbol in the venue
// simulator. Limit and market orders; GTC, IOC, FOK and post-only; reduce-only;
// self-trade prevention; cancel, cancel-all per account; replace_liquidity for the
// market model's account; status queries that include recently closed orders.
//
// Guarantees:
// - Price-time priority: better price first, then arrival order within a price. Price
//   levels are a flat vector sorted with the best price at the back (O(1) access to the
//   top of book), each a FIFO of order ids.
// - Trades happen at the resting (maker) order's price. Every trade emits two
//   OrderFilled events, the maker's then the taker's, each followed by whatever account
//   events MatchingHooks::on_fill appends. Events are appended in one deterministic
//   order; venue order ids and trade ids are sequential int64 per engine.
// - Self-trade prevention is EXPIRE_TAKER (Binance's mode of that name, OKX
//   cancel_taker): when the taker reaches a resting order of its own account, the
//   taker's remainder expires (reason self_trade_prevention) and the resting order is
//   untouched. It applies to every time in force, FOK included: FOK counts as fillable
//   only the liquidity in front of the account's own first resting order, so the
//   engine never self-trades and never partially fills a FOK.
// - FOK checks fill-ability on a dry run before anything changes; if it cannot fill
//   completely it is accepted and expired with no trade (Binance EXPIRED, OKX
//   cancelSource 13).
// - Post-only that would cross the opposite best is rejected before any change
//   (RejectReason::post_only_would_take → Binance -5022; the OKX layer turns it into
//   accepted + canceled with cancelSource 31).
// - Market orders walk the book up to a protection band of `market_protection_bps`
//   around the opposite best at arrival; the remainder expires (market_remainder).
//   With an empty opposite side the market order is accepted and expires at once.
// - Reduce-only: the engine asks MatchingHooks::reduce_only_capacity before every
//   reduce-only execution (maker or taker) and never fills beyond it; a reduce-only
//   order with no capacity left expires (reason reduce_only). Clipping at placement and
//   refusals are the exchange core's job.
// - Client order ids are unique among the OPEN orders of an account
//   (duplicate_client_id); an empty id is replaced by "sim<venue id>". Closed orders
//   stay queryable (by venue id, or by client id → the most recent one) until
//   `max_closed_orders` newer closes push them out — except liquidity that
//   replace_liquidity() cancels without a fill: nobody can query the market model's
//   account, and keeping those (several per book per market tick) was the simulator's
//   largest growth. A bounded store, not an ever-growing one (issue 11).
// - MatchingConfig::on_forget, when set, is called once for every order the engine
//   forgets for good (pushed out of the closed store, or replaced liquidity dropped at
//   once), after it is gone: a protocol layer that keeps its own fields per order
//   (OKX's fee, cancelSource) drops them there and stays as bounded as the engine.
//
// The engine knows no balances: fees, PnL and margin come from the MatchingHooks the
// caller passes in (the exchange core's account book). Hooks must not call back into
// the engine.
//
// Threads: single-threaded, Clock-free (time is passed in), no I/O. Allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/venues/sim/engine/events.hpp"
#include "core/venues/sim/engine/instrument_rules.hpp"

namespace propbot::venues::sim {

// What one fill costs and earns an account (computed by the account book).
struct FillCharges {
  Decimal fee;           // positive = paid
  Decimal realized_pnl;  // before fees
};

class MatchingHooks {
 public:
  virtual ~MatchingHooks() = default;
  // How much more the account may trade on `side` without increasing |position|
  // (|position| when `side` opposes it, else zero). nullopt = unlimited (no accounts).
  virtual std::optional<Decimal> reduce_only_capacity(const std::string& account, OrderSide side) = 0;
  // Books one side of a trade; may append account events. Called once per fill leg.
  virtual FillCharges on_fill(const std::string& account, OrderSide side, Decimal price, Decimal quantity,
                              bool maker, UtcTime now, std::vector<Event>& events) = 0;
};

// Hooks for a book without accounts: no fees, no PnL, reduce-only unlimited.
class NoAccountHooks final : public MatchingHooks {
 public:
  std::optional<Decimal> reduce_only_capacity(const std::string&, OrderSide) override { return std::nullopt; }
  FillCharges on_fill(const std::string&, OrderSide, Decimal, Decimal, bool, UtcTime, std::vector<Event>&) override {
    return {};
  }
};

// How many closed orders one book keeps for status queries. What they serve is a client
// that restarts and asks "do you know this id?" about the orders it sent before: 10,000
// is over 15 minutes of one account closing 10 orders a second on one symbol, far more
// than any restart the recovery tests drive. A closed order costs ~550 bytes (the
// record, its id and client-id index entries), so a book holds at most ~5.5 MB of them
// and venue-sim (2 venues × 2 symbols) ~22 MB. At 100,000 (before issue 11) an order
// loop grew venue-sim past 130 MB before the bound was reached.
inline constexpr std::size_t kDefaultMaxClosedOrders = 10'000;

struct MatchingConfig {
  int market_protection_bps = 500;                          // market orders trade at most 5% through the best
  std::size_t max_closed_orders = kDefaultMaxClosedOrders;  // closed orders kept for status queries
  std::int64_t first_order_id = 1;
  std::int64_t first_trade_id = 1;
  // Called with the account and the last state of every order the engine forgets (see
  // the header). Must not call back into the engine.
  std::function<void(const std::string& account, const OrderState& order)> on_forget;
};

// Identifies an order in cancel/query: the venue id when non-zero (it wins, as on
// Binance), else the client order id.
struct OrderRef {
  std::int64_t venue_order_id = 0;
  std::string client_order_id;

  static OrderRef by_venue_id(std::int64_t id) { return OrderRef{id, {}}; }
  static OrderRef by_client_id(std::string id) { return OrderRef{0, std::move(id)}; }
};

// One level of a depth view, or one level the market model wants to quote.
struct PriceLevel {
  Decimal price;
  Decimal quantity;
};

class OrderBookEngine {
 public:
  explicit OrderBookEngine(InstrumentRules rules, MatchingConfig config = {});

  const InstrumentRules& rules() const { return rules_; }

  // Shape checks that need no account: symbol, quantity on step ≥ min_qty, price on
  // tick (limit), client id free among the account's open orders. nullopt = fine.
  std::optional<Rejection> validate(const std::string& account, const OrderRequest& request) const;

  // Validates, then accepts, matches and rests/expires the order. Returns the order's
  // state after this call (new, partially_filled, filled or expired) or the Rejection
  // (also appended as OrderRejected).
  Outcome<OrderState> place(const std::string& account, const OrderRequest& request, UtcTime now,
                            MatchingHooks& hooks, std::vector<Event>& events);

  // Cancels one open order of the account. unknown_order when it is not open.
  Outcome<OrderState> cancel(const std::string& account, const OrderRef& ref, UtcTime now,
                             std::vector<Event>& events, CancelReason reason = CancelReason::user);
  // Cancels every open order of the account, in venue id order; returns their states.
  std::vector<OrderState> cancel_all(const std::string& account, UtcTime now, std::vector<Event>& events,
                                     CancelReason reason = CancelReason::cancel_all);

  // Atomically (no other call interleaves) cancels the account's resting orders and
  // places one GTC limit order per level, bids then asks, each in the given order.
  // Levels that cross resting orders of other accounts trade against them first (the
  // market moving through a resting order fills it). Levels with a zero quantity are
  // skipped; levels off the grid are rejected as usual.
  void replace_liquidity(const std::string& account, const std::vector<PriceLevel>& bids,
                         const std::vector<PriceLevel>& asks, UtcTime now, MatchingHooks& hooks,
                         std::vector<Event>& events);

  // Open orders first, then recently closed ones. nullopt when unknown.
  std::optional<OrderState> find(const std::string& account, const OrderRef& ref) const;
  // The account's open orders in venue id order.
  std::vector<OrderState> open_orders(const std::string& account) const;
  std::size_t open_order_count() const { return open_.size(); }
  // Closed orders kept for status queries (at most max_closed_orders).
  std::size_t closed_order_count() const { return closed_.size(); }

  std::optional<Decimal> best_bid() const;
  std::optional<Decimal> best_ask() const;
  // Aggregated levels, best first, at most `max_levels`.
  std::vector<PriceLevel> depth(OrderSide side, std::size_t max_levels) const;

 private:
  struct OrderRecord {
    std::string account;
    std::int64_t id = 0;
    std::int64_t price_ticks = 0;
    OrderState state;
    Decimal remaining;
    Decimal filled_notional;
    Decimal cumulative_fee;
    Decimal cumulative_realized_pnl;
  };
  struct Level {
    std::int64_t ticks = 0;
    Decimal price;
    std::deque<std::int64_t> queue;  // venue ids, arrival order
  };
  using ClientKey = std::pair<std::string, std::string>;  // (account, client order id)

  std::vector<Level>& side_levels(OrderSide side) { return side == OrderSide::buy ? bids_ : asks_; }
  const std::vector<Level>& side_levels(OrderSide side) const { return side == OrderSide::buy ? bids_ : asks_; }
  bool crosses(OrderSide taker_side, std::int64_t taker_ticks, std::int64_t maker_ticks) const;
  Decimal fillable_quantity(const OrderRecord& taker, std::optional<std::int64_t> limit_ticks,
                            MatchingHooks& hooks) const;
  void match(OrderRecord& taker, std::optional<std::int64_t> limit_ticks, UtcTime now, MatchingHooks& hooks,
             std::vector<Event>& events, std::optional<ExpireReason>& stop_reason);
  void apply_fill(OrderRecord& order, Decimal price, Decimal quantity, bool maker, std::int64_t trade_id,
                  UtcTime now, MatchingHooks& hooks, std::vector<Event>& events);
  void rest(OrderRecord order);
  void unlink(const OrderRecord& order);  // removes from its level and the open indices
  void close(OrderRecord order);          // into the closed-order store
  void forget(const OrderRecord& order) const;  // tells config_.on_forget
  OrderRecord* find_open(const std::string& account, const OrderRef& ref);
  void reject(const std::string& account, const OrderRequest& request, const Rejection& r, UtcTime now,
              std::vector<Event>& events) const;

  InstrumentRules rules_;
  MatchingConfig config_;
  std::int64_t next_order_id_;
  std::int64_t next_trade_id_;
  std::vector<Level> bids_;  // ascending price: best bid at back()
  std::vector<Level> asks_;  // descending price: best ask at back()
  std::unordered_map<std::int64_t, OrderRecord> open_;
  std::map<ClientKey, std::int64_t> open_by_client_;
  std::unordered_map<std::int64_t, OrderRecord> closed_;
  std::deque<std::int64_t> closed_fifo_;
  std::map<ClientKey, std::int64_t> closed_by_client_;  // most recent close per client id
};

}  // namespace propbot::venues::sim
