// SimulatedVenue: one simulated exchange speaking one real wire protocol (Binance
// USDⓈ-M or OKX v5) over loopback. It owns its ExchangeCore (its own books, accounts
// and prices: two simulated venues are two exchanges), verifies signatures exactly as
// the real venue does, answers REST requests and publishes the venue's WebSocket
// streams. The VenueSimHost drives it: it installs the routes before the server starts,
// feeds it a market tick (the mid the market model quotes for this venue), creates
// accounts and sets faults through the admin API.
//
// Threads: the host calls everything on the venue's HTTP server thread or under the
// venue's own mutex; implementations guard their ExchangeCore with that mutex because
// REST handlers (server thread) and market ticks (host timer) both touch it.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/net/http_server.hpp"
#include "core/net/router.hpp"
#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/common/clock.hpp"
#include "core/venues/sim/engine/instrument_rules.hpp"
#include "core/venues/sim/engine/matching_engine.hpp"
#include "core/venues/sim/engine/order_log.hpp"
#include "core/venues/sim/faults.hpp"

namespace propbot::venues::sim {

struct SimAccountSpec {
  std::string api_key;
  std::string api_secret;
  std::string passphrase;                  // OKX only
  std::map<std::string, Decimal> balances; // e.g. {"USDT": 100000}
};

// What a simulated venue lists and how it behaves by default.
struct SimVenueConfig {
  std::string name;                         // e.g. "binance" — used in logs and the admin API
  std::vector<InstrumentRules> instruments; // canonical symbols; the frontend maps names
  std::uint64_t seed = 1;                   // liquidity sizes and ids are deterministic
  std::string market_maker_account = "market-maker";
  // Closed orders each book keeps for status queries (MatchingConfig::max_closed_orders);
  // the frontends keep their own per-order fields (OKX's fee and cancelSource, its
  // post-only cancels) for no more orders than that. Tests set a small number to reach
  // the bound quickly.
  std::size_t max_closed_orders = kDefaultMaxClosedOrders;
  // Records the back office keeps of accepted orders (OrderLog, GET /admin/orders):
  // oldest dropped beyond it; 128 bytes each (~128 MB at the default 1,000,000).
  std::size_t max_order_log_records = kDefaultOrderLogCapacity;
};

// One market step for one symbol as this venue should quote it.
struct MarketTick {
  std::string symbol;  // canonical BASE-QUOTE
  double mid = 0;
  double spread_bps = 1.0;
  int depth_levels = 20;
  double mark = 0;          // mark price (usually = mid)
  double index = 0;
  double funding_rate = 0;  // current rate for the next settlement
  double level_notional = 25'000;  // mean quote notional per maker level (maker_levels.hpp)
};

class SimulatedVenue {
 public:
  virtual ~SimulatedVenue() = default;

  virtual std::string_view protocol() const = 0;  // "binance" | "okx"
  // Registers REST routes (real paths) and WebSocket endpoints; called once before the
  // server starts.
  virtual Status install(net::Router& router, net::HttpServer& server) = 0;
  // Refreshes the market model's liquidity around tick.mid, then publishes this
  // venue's market-data streams (depth diffs, best bid/offer, mark price + funding).
  virtual void on_market_tick(const std::vector<MarketTick>& ticks) = 0;
  // Settles funding on every open position at the tick's rate and mark (except the
  // accounts a skip_funding fault leaves unpaid, faults.hpp).
  virtual void settle_funding() = 0;
  // The host's funding schedule: `next` is when its timer settles next (UTC), `interval`
  // the time between settlements. The venue advertises it (Binance premiumIndex and
  // markPrice nextFundingTime, OKX funding-rate fundingTime / nextFundingTime); before
  // the first call a venue may show any schedule. Called at start and after every timed
  // settlement.
  virtual void set_funding_schedule(UtcTime /*next*/, std::chrono::milliseconds /*interval*/) {}
  virtual Status create_account(const SimAccountSpec& spec) = 0;
  virtual FaultPlan faults() const = 0;
  virtual void set_faults(const FaultPlan& plan) = 0;
  // Forces a liquidation check at `mark` for `symbol` (fault injection).
  virtual void force_mark(const std::string& symbol, Decimal mark) = 0;
  // Admin view: accounts, positions, open orders, counters — for tests and operators.
  virtual nlohmann::json describe() const = 0;
  // The back office (GET /admin/orders): every order this venue accepted, oldest first —
  // {"orders": [{api_key, order_id, client_order_id, symbol, side, type, qty, price,
  // reduce_only, status, filled_qty, created_ms}], "capacity", "dropped", "truncated"}.
  // nullopt for a venue that keeps no order log.
  virtual std::optional<nlohmann::json> accepted_orders() const { return std::nullopt; }
  // Credits (amount > 0) or debits (amount < 0) `asset` in the wallet of the account
  // with `api_key`, as a deposit / withdrawal would (POST /admin/accounts/adjust): the
  // private stream reports the balance change like a deposit's. Answers the new wallet.
  // Errors: not_found (no account with that key), invalid_argument (an asset other than
  // USDT, a zero amount), conflict (a debit larger than the wallet); unavailable for a
  // venue that cannot do it.
  virtual Result<Decimal> adjust_balance(const std::string& /*api_key*/, const std::string& /*asset*/,
                                         Decimal /*amount*/) {
    return make_error(Errc::unavailable, "this venue cannot adjust balances");
  }
};

}  // namespace propbot::venues::sim
