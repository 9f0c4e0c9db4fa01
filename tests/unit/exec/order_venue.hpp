// OrderVenue: a venue whose order entry a test scripts. Every place() is kept; the
// reply is decided by the next Reply in `replies` (default: fill completely), or held
// for the test to answer later. query_order / cancel / open_orders answer from the
// orders it accepted. Market data: instruments only (the test's MarketLookup has books).
#pragma once

#include <deque>
#include <map>

#include "core/venues/venue.hpp"

namespace propbot::exec::testing {

enum class Reply { fill, fill_part, expire_unfilled, reject, network_error, hold };

class OrderVenue final : public venues::Venue {
 public:
  explicit OrderVenue(std::string id) : id_(std::move(id)) {
    md::InstrumentSpec spec;
    spec.venue = id_;
    spec.symbol = "BTC-USDT";
    spec.tick_size = 0.1;
    spec.lot_size = 0.001;
    spec.min_notional = 5;
    instruments_.push_back(spec);
  }
  const std::string& id() const override { return id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override { return instruments_; }
  void start(venues::MarketDataListener&) override {}
  void start(venues::MarketDataListener&, venues::PrivateListener&) override {}
  void stop() override {}

  void place(const venues::OrderRequest& request, venues::VenueCallback<venues::OrderState> done) override {
    placed.push_back(request);
    const Reply reply = replies.empty() ? Reply::fill : replies.front();
    if (!replies.empty()) replies.pop_front();
    venues::OrderState state = state_of(request);
    switch (reply) {
      case Reply::fill:
        state.status = venues::OrderStatus::filled;
        state.filled_quantity = request.quantity;
        break;
      case Reply::fill_part: {
        state.status = venues::OrderStatus::partially_filled;
        state.filled_quantity = *request.quantity.mul(part, 3, RoundMode::down);
        break;
      }
      case Reply::expire_unfilled: state.status = venues::OrderStatus::expired; break;
      case Reply::reject: done(venues::VenueError{venues::VenueErrc::rejected, "-2010", "scripted reject", 400, {}}); return;
      case Reply::network_error:
        // Accepted by the venue, but the answer is lost.
        state.status = venues::OrderStatus::filled;
        state.filled_quantity = request.quantity;
        known[request.client_order_id] = state;
        done(venues::VenueError{venues::VenueErrc::network, "", "timeout", 0, {}});
        return;
      case Reply::hold:
        state.status = venues::OrderStatus::new_order;
        known[request.client_order_id] = state;
        held.push_back(std::move(done));
        return;
    }
    if (state.filled_quantity.sign() > 0) {
      state.average_price = request.price ? *request.price : Decimal();
      move_position(request.symbol, request.side, state.filled_quantity);
    }
    known[request.client_order_id] = state;
    done(state);
  }
  void place_batch(const std::vector<venues::OrderRequest>&,
                   venues::VenueCallback<std::vector<venues::VenueResult<venues::OrderState>>> done) override {
    done(venues::VenueError{venues::VenueErrc::rejected, "", "no batch", 0, {}});
  }
  void cancel(const std::string&, const std::string& coid, venues::VenueCallback<venues::OrderState> done) override {
    cancels.push_back(coid);
    if (cancel_fails > 0) {
      --cancel_fails;
      done(venues::VenueError{venues::VenueErrc::rejected, "-1000", "scripted cancel refusal", 400, {}});
      return;
    }
    auto found = known.find(coid);
    if (found == known.end()) {
      done(venues::VenueError{venues::VenueErrc::unknown_order, "-2011", "unknown order", 400, {}});
      return;
    }
    if (!venues::is_final(found->second.status)) found->second.status = venues::OrderStatus::canceled;
    done(found->second);
  }
  void cancel_all(const std::string& symbol, venues::VenueCallback<int> done) override {
    int cancelled = 0;
    for (auto& [coid, state] : known) {
      if (state.symbol == symbol && !venues::is_final(state.status)) {
        state.status = venues::OrderStatus::canceled;
        ++cancelled;
      }
    }
    ++cancel_alls;
    done(cancelled);
  }
  void query_order(const std::string&, const std::string& coid, venues::VenueCallback<venues::OrderState> done) override {
    ++queries;
    if (query_fails > 0) {
      --query_fails;
      done(venues::VenueError{venues::VenueErrc::network, "", "timeout", 0, {}});
      return;
    }
    auto found = known.find(coid);
    if (found == known.end()) {
      done(venues::VenueError{venues::VenueErrc::unknown_order, "-2013", "Order does not exist.", 400, {}});
      return;
    }
    done(found->second);
  }
  void open_orders(const std::optional<std::string>&, venues::VenueCallback<std::vector<venues::OrderState>> done) override {
    std::vector<venues::OrderState> open;
    for (const auto& [coid, state] : known) {
      if (!venues::is_final(state.status)) open.push_back(state);
    }
    done(open);
  }
  void positions(venues::VenueCallback<std::vector<venues::Position>> done) override { done(held_positions); }
  void move_position(const std::string& symbol, Side side, Decimal qty) {
    for (auto& position : held_positions) {
      if (position.symbol == symbol) {
        position.quantity = *(side == Side::buy ? position.quantity.add(qty) : position.quantity.sub(qty));
        return;
      }
    }
    venues::Position position;
    position.symbol = symbol;
    position.quantity = side == Side::buy ? qty : *qty.negated();
    held_positions.push_back(position);
  }
  void balances(venues::VenueCallback<std::vector<venues::Balance>> done) override { done(std::vector<venues::Balance>{}); }
  void server_time(venues::VenueCallback<UtcTime> done) override { done(UtcTime{}); }
  void fills_since(const std::string& symbol, UtcTime since, venues::VenueCallback<std::vector<venues::Fill>> done) override {
    ++fill_history_reads;
    std::vector<venues::Fill> out;
    for (const auto& fill : history) {
      if (fill.symbol == symbol && fill.ts >= since) out.push_back(fill);
    }
    done(out);
  }
  bool supports_batch() const override { return false; }
  // A scripted dead-man switch: unsupported unless the test sets `dead_man`; every arm is
  // kept; the next `arm_fails` arms fail.
  venues::DeadManScope dead_man_scope() const override { return dead_man; }
  void arm_dead_man(const std::string& symbol, std::chrono::milliseconds timeout,
                    venues::VenueCallback<std::chrono::milliseconds> done) override {
    if (dead_man == venues::DeadManScope::unsupported) return venues::Venue::arm_dead_man(symbol, timeout, done);
    arms.emplace_back(symbol, timeout);
    if (arm_fails > 0) {
      --arm_fails;
      done(venues::VenueError{venues::VenueErrc::network, "", "timeout (scripted)", 0, {}});
      return;
    }
    done(timeout);
  }

  static venues::OrderState state_of(const venues::OrderRequest& request) {
    venues::OrderState state;
    state.symbol = request.symbol;
    state.client_order_id = request.client_order_id;
    state.venue_order_id = "v-" + request.client_order_id;
    state.side = request.side;
    state.type = request.type;
    state.time_in_force = request.time_in_force;
    state.price = request.price;
    state.quantity = request.quantity;
    state.reduce_only = request.reduce_only;
    state.status = venues::OrderStatus::new_order;
    return state;
  }

  std::deque<Reply> replies;
  Decimal part = Decimal::from_mantissa(3, 1);  // fill_part fills 30 %
  std::vector<venues::OrderRequest> placed;
  std::vector<std::string> cancels;
  std::vector<venues::VenueCallback<venues::OrderState>> held;
  std::map<std::string, venues::OrderState> known;  // every order it accepted, by client order id
  std::vector<venues::Position> held_positions;  // as the venue reports them
  int cancel_alls = 0;
  std::vector<venues::Fill> history;  // what fills_since answers (the venue's trade history)
  int fill_history_reads = 0;
  int queries = 0;
  int query_fails = 0;
  int cancel_fails = 0;  // the next N cancels are refused (not "unknown order")
  venues::DeadManScope dead_man = venues::DeadManScope::unsupported;
  std::vector<std::pair<std::string, std::chrono::milliseconds>> arms;  // (symbol, timeout) per arm
  int arm_fails = 0;

 private:
  std::string id_;
  std::vector<md::InstrumentSpec> instruments_;
};

}  // namespace propbot::exec::testing
