// Venue: the one interface between the core and an exchange (SPEC S-2.1).
//
// MarketDataVenue is the read half — instruments and book updates — which the engine
// consumes today. Venue adds order entry and the private stream; the Binance and OKX
// adapters implement it, the simulated venues behind them speak the real protocols.
// Every call is asynchronous: the callback runs later on the engine thread with a
// VenueResult. Errors use the common VenueErrc vocabulary while keeping the venue's own
// code and message (venue_error.hpp). Quantities are base-coin Decimals at this
// boundary (adapters convert contracts), symbols canonical BASE-QUOTE.
//
// Hazards the contract encodes (DESIGN-NOTES "Client order ids"):
// - a `network` error from place/cancel means the outcome is UNKNOWN: resolve it with
//   query_order(client_order_id) before anything depends on it; never re-send blindly;
// - `duplicate_client_id` after a restart means the order exists: query it;
// - there is deliberately no withdraw or transfer call anywhere (SPEC S-2.7).
//
// Thread: every call, and every listener callback, happens on the engine thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/md/instrument.hpp"
#include "core/md/order_book.hpp"
#include "core/venues/common/rate_health.hpp"
#include "core/venues/order_types.hpp"
#include "core/venues/venue_error.hpp"

namespace propbot::venues {

// A value or a VenueError.
template <typename T>
class VenueResult {
 public:
  VenueResult(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  VenueResult(VenueError error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(implicit)
  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(state_); }
  T& value() { return std::get<0>(state_); }
  const VenueError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, VenueError> state_;
};

template <typename T>
using VenueCallback = std::function<void(VenueResult<T>)>;

// What a venue's dead-man switch (cancel-on-disconnect, SPEC S-8.6) covers: nothing (the
// venue has none: paper, simulators in process), one symbol per switch (Binance
// countdownCancelAll) or the whole account (OKX cancel-all-after). Stable names.
enum class DeadManScope { unsupported, per_symbol, per_account };
constexpr std::string_view to_string(DeadManScope scope) {
  switch (scope) {
    case DeadManScope::unsupported: return "unsupported";
    case DeadManScope::per_symbol: return "per_symbol";
    case DeadManScope::per_account: return "per_account";
  }
  return "unsupported";
}

class MarketDataListener {
 public:
  virtual ~MarketDataListener() = default;
  // The book changed. The reference is valid only for the duration of the call.
  virtual void on_book(const md::OrderBook& book) = 0;
  // Mark price, index and funding (Binance markPrice, OKX funding-rate/mark-price).
  virtual void on_funding(const FundingInfo&) {}
  // A book became invalid (gap, checksum, crossed) or was resynced; `reason` is the
  // SyncReason string form. Strategies must not use an invalid book.
  virtual void on_book_state(const std::string& /*symbol*/, bool /*valid*/, const std::string& /*reason*/) {}
};

class PrivateListener {
 public:
  virtual ~PrivateListener() = default;
  virtual void on_order_update(const OrderState& order) = 0;
  virtual void on_fill(const Fill& fill) = 0;
  virtual void on_position(const Position& position) = 0;
  virtual void on_balance(const Balance& balance) = 0;
  // The private stream connected (true) or dropped (false). Adapters recover what the
  // stream missed while it was down BEFORE they report true after a drop
  // (core/venues/common/recovering_listener.hpp): every fill not delivered yet comes
  // through on_fill (in time order), changed states of orders they knew were open
  // through on_order_update, then on_position / on_balance, then on_private_stream(true).
  // Until then the stream stays reported down. A fill (symbol, trade_id) is delivered
  // exactly once even when both the stream and the recovery saw it; recovered fills may
  // come after newer live ones. The first connection after start() reports true at once.
  virtual void on_private_stream(bool connected) = 0;
};

class MarketDataVenue {
 public:
  virtual ~MarketDataVenue() = default;
  virtual const std::string& id() const = 0;
  virtual const std::vector<md::InstrumentSpec>& instruments() const = 0;
  // Starts publishing to `listener`, which must outlive stop().
  virtual void start(MarketDataListener& listener) = 0;
  // Stops publishing; no callback runs after it returns.
  virtual void stop() = 0;
};

class Venue : public MarketDataVenue {
 public:
  using MarketDataVenue::start;
  // Starts market data and the private stream.
  virtual void start(MarketDataListener& market, PrivateListener& account) = 0;

  virtual void place(const OrderRequest& request, VenueCallback<OrderState> done) = 0;
  // Venues without a batch endpoint place one by one; results keep the request order.
  virtual void place_batch(const std::vector<OrderRequest>& requests,
                           VenueCallback<std::vector<VenueResult<OrderState>>> done) = 0;
  virtual void cancel(const std::string& symbol, const std::string& client_order_id,
                      VenueCallback<OrderState> done) = 0;
  // Cancels every open order on `symbol`; returns how many the venue reported.
  virtual void cancel_all(const std::string& symbol, VenueCallback<int> done) = 0;
  virtual void query_order(const std::string& symbol, const std::string& client_order_id,
                           VenueCallback<OrderState> done) = 0;
  virtual void open_orders(const std::optional<std::string>& symbol,
                           VenueCallback<std::vector<OrderState>> done) = 0;
  virtual void positions(VenueCallback<std::vector<Position>> done) = 0;
  virtual void balances(VenueCallback<std::vector<Balance>> done) = 0;
  virtual void server_time(VenueCallback<UtcTime> done) = 0;
  virtual bool supports_batch() const = 0;

  // Rate limits (SPEC S-3.4): the venue's RateGovernor health; nullopt for venues
  // without one (paper, simulators in process).
  virtual std::optional<RateHealth> rate_health() const { return std::nullopt; }
  // Every fill of `symbol` since `since`, oldest first, from the venue's trade history
  // (start-up reconciliation: fills the venue made while the desk was down). Fills may
  // come with an empty client_order_id (Binance userTrades has none): match them by
  // venue_order_id. Default: unsupported (a rejected error saying so).
  virtual void fills_since(const std::string& /*symbol*/, UtcTime /*since*/, VenueCallback<std::vector<Fill>> done) {
    done(VenueError{VenueErrc::rejected, "UNSUPPORTED", "this venue has no fill history", 0, std::nullopt});
  }
  // Every funding payment of the account since `since`, oldest first, from the venue's
  // income history (the recon daemon books them and checks every settlement was paid).
  // Default: unsupported (a rejected error saying so).
  virtual void funding_since(UtcTime /*since*/, VenueCallback<std::vector<FundingPayment>> done) {
    done(VenueError{VenueErrc::rejected, "UNSUPPORTED", "this venue has no funding history", 0, std::nullopt});
  }
  // `listener` runs once each time the venue becomes quarantined by a rate-limit ban
  // (on the engine thread, inside the reply that revealed it); the caller raises P1
  // rate_limit_ban from it. Replaces an earlier listener; venues without a governor
  // never call it.
  virtual void set_quarantine_listener(std::function<void(const RateHealth&)> /*listener*/) {}

  // The dead-man switch: unless this is called again within `timeout`, the venue cancels
  // every open order its scope covers (`symbol` for per_symbol; ignored per_account). A
  // zero timeout disarms. `done` answers the timeout the venue really armed (it may round:
  // OKX takes whole seconds in [10, 120]; 0 after a disarm). Sent like a cancel (the rate
  // governor's highest class). Default: no switch — dead_man_scope() says unsupported and
  // arm_dead_man answers a rejected error with venue_code "UNSUPPORTED" (a value, at once).
  virtual DeadManScope dead_man_scope() const { return DeadManScope::unsupported; }
  virtual void arm_dead_man(const std::string& /*symbol*/, std::chrono::milliseconds /*timeout*/,
                            VenueCallback<std::chrono::milliseconds> done) {
    done(VenueError{VenueErrc::rejected, "UNSUPPORTED", "this venue has no dead-man switch", 0, std::nullopt});
  }
};

}  // namespace propbot::venues
