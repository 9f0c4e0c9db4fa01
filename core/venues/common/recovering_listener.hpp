// RecoveringListener: the venue-independent half of "no fill is lost across a
// private-stream outage". A venue adapter puts it between its private stream and the
// caller's PrivateListener and gives it a RecoverySource (its REST calls); when the
// stream comes back after a drop it recovers what was missed BEFORE it reports the
// stream connected again.
//
// After a reconnect (not the first connection since start()), in this order:
//   1. fills: source.fills_since(symbol, since) for every configured symbol, where since
//      is the ts of the newest fill delivered minus since_margin (start() time when none
//      was). Fills not delivered yet (SeenFills) go out through on_fill in time order (ts,
//      then trade id). A fill without client order id gets it from the orders this
//      listener has seen, else — when the source offers it — from
//      source.order_by_venue_id (one query per unknown order).
//   2. orders: source.open_orders(symbol) per symbol, then source.query_order for every
//      order known to be open (placed through the adapter or updated on the stream, not
//      final) that is no longer listed, and for every order a recovered fill belongs
//      to. A state newer than what the caller last saw (more filled, or a new status,
//      never back from a final one; any state of an order the caller never saw) goes
//      out through on_order_update.
//   3. source.positions → on_position each, then source.balances → on_balance each.
//   4. on_private_stream(true).
// A failed request fails the attempt, which is retried from step 1 after a backoff
// (retry_initial doubling to retry_max; longer when the error carries retry_after).
// Repeating a step is harmless: fills and order states are deduplicated. Until an
// attempt succeeds the caller sees the stream as down. A drop during recovery cancels it
// (nothing more of that attempt reaches the caller); the next connection starts over.
//
// Stream path: while the stream is connected (also while recovering) its events pass
// straight through — a live fill is never held back for a slow recovery, so recovered
// fills can arrive after newer live ones. Fills pass SeenFills, which both paths share:
// a fill seen live and by REST reaches the caller once. on_private_stream(false) is
// forwarded once per connection the caller was told about.
//
// Guarantees: each (symbol, trade id) reaches the caller at most once while SeenFills
// remembers it (seen_fills_capacity newest); no callback after stop() returns; the
// caller's callbacks may call the adapter, including stop().
// Threads: engine thread only; every source call completes later on it.
// Uses SeenFills, the Venue vocabulary (venue.hpp), Logger.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/venues/common/seen_fills.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues {

// What recovery asks the venue. Each call completes `done` exactly once, later, on the
// engine thread. Quantities and symbols as at the Venue boundary.
struct RecoverySource {
  // Every fill of `symbol` with ts >= since, all pages, in any order.
  std::function<void(const std::string& symbol, UtcTime since, VenueCallback<std::vector<Fill>> done)> fills_since;
  std::function<void(const std::string& symbol, VenueCallback<std::vector<OrderState>> done)> open_orders;
  std::function<void(const std::string& symbol, const std::string& client_order_id, VenueCallback<OrderState> done)>
      query_order;
  // Optional, for venues whose trade list has no client order id (Binance userTrades).
  std::function<void(const std::string& symbol, const std::string& venue_order_id, VenueCallback<OrderState> done)>
      order_by_venue_id;
  std::function<void(VenueCallback<std::vector<Position>> done)> positions;
  std::function<void(VenueCallback<std::vector<Balance>> done)> balances;
  // Runs `fn` after `delay` on the engine thread; may drop it when the adapter stops.
  std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)> call_after;
  // The venue's time as the adapter estimates it (fill times are venue times).
  std::function<UtcTime()> venue_time;
};

struct RecoveryOptions {
  std::vector<std::string> symbols;  // canonical; the ones whose fills and orders are recovered
  std::chrono::milliseconds since_margin{5000};
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{30000};
  std::size_t seen_fills_capacity = 10'000;
  std::size_t finished_orders_capacity = 2'000;  // final order states remembered for comparison
};

class RecoveringListener final : public PrivateListener {
 public:
  RecoveringListener(RecoverySource source, RecoveryOptions options, Logger logger);
  ~RecoveringListener() override;
  RecoveringListener(const RecoveringListener&) = delete;
  RecoveringListener& operator=(const RecoveringListener&) = delete;

  // Starts forwarding to `downstream` (which must outlive stop()); the next connection
  // is a first one and fills are recovered from now on. SeenFills and the known orders
  // survive a stop/start.
  void start(PrivateListener& downstream);
  // No downstream call after it returns; a recovery in flight is abandoned.
  void stop();

  // An order the adapter placed (its place() answer): watched by recovery until the
  // caller saw it final, and its ids are remembered. Nothing is delivered.
  void note_placed(const OrderState& order);
  // `done` wrapped so that every accepted order is noted (note_placed) before the caller
  // hears of it; `alive` is the owning adapter's token (nothing is noted once it is gone).
  VenueCallback<OrderState> noting_placed(std::weak_ptr<bool> alive, VenueCallback<OrderState> done);
  VenueCallback<std::vector<VenueResult<OrderState>>> noting_placed(
      std::weak_ptr<bool> alive, VenueCallback<std::vector<VenueResult<OrderState>>> done);

  // What the caller was last told: connected (true after a first connection or a
  // successful recovery).
  bool connected() const { return reported_connected_; }
  bool recovering() const { return recovering_; }
  std::uint64_t recoveries() const { return recoveries_; }
  std::uint64_t failed_attempts() const { return failed_attempts_; }
  std::uint64_t recovered_fills() const { return recovered_fills_; }
  std::uint64_t duplicate_fills() const { return duplicate_fills_; }

  // PrivateListener: the stream's side.
  void on_order_update(const OrderState& order) override;
  void on_fill(const Fill& fill) override;
  void on_position(const Position& position) override;
  void on_balance(const Balance& balance) override;
  void on_private_stream(bool connected) override;

 private:
  struct Attempt;
  struct TrackedOrder {
    OrderState last;
    bool delivered = false;  // the caller saw `last` through on_order_update
  };

  void begin_recovery();
  void run_attempt();
  void fetch_fills(std::shared_ptr<Attempt> attempt, std::size_t index);
  void resolve_client_ids(std::shared_ptr<Attempt> attempt, std::size_t index);
  void deliver_recovered_fills(std::shared_ptr<Attempt> attempt);
  void list_open_orders(std::shared_ptr<Attempt> attempt, std::size_t index);
  void query_orders(std::shared_ptr<Attempt> attempt, std::size_t index);
  void refresh_positions(std::shared_ptr<Attempt> attempt);
  void refresh_balances(std::shared_ptr<Attempt> attempt);
  void finish(std::shared_ptr<Attempt> attempt);
  void fail(const std::shared_ptr<Attempt>& attempt, std::string_view step, const VenueError& error);
  bool current(const Attempt& attempt) const;

  // Delivers a fill unless SeenFills knows it; true when delivered.
  bool deliver_fill(const Fill& fill);
  // Delivers `order` when it is news to the caller (see the header comment).
  void offer_order(const OrderState& order);
  void remember(const OrderState& order, bool delivered);
  void remember_ids(const std::string& symbol, const std::string& venue_order_id, const std::string& client_order_id);
  std::string client_id_of(const std::string& symbol, const std::string& venue_order_id) const;

  RecoverySource source_;
  RecoveryOptions options_;
  Logger logger_;
  PrivateListener* downstream_ = nullptr;
  SeenFills seen_;
  std::unordered_map<std::string, TrackedOrder> orders_;  // order key → last known state
  std::deque<std::string> finished_;                      // keys that went final, oldest first
  std::unordered_map<std::string, std::string> client_ids_;  // symbol + venue id → client id
  std::deque<std::string> client_id_order_;
  std::optional<UtcTime> last_fill_ts_;
  UtcTime started_at_{};
  bool had_connection_ = false;
  bool reported_connected_ = false;
  bool recovering_ = false;
  std::uint64_t generation_ = 0;  // bumps on start, stop, a drop and each new recovery
  std::chrono::milliseconds retry_delay_{0};
  std::uint64_t recoveries_ = 0;
  std::uint64_t failed_attempts_ = 0;
  std::uint64_t recovered_fills_ = 0;
  std::uint64_t duplicate_fills_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace propbot::venues
