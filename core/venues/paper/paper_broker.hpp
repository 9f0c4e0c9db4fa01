// PaperBroker: the dry-run broker (SPEC S-8.7). It wraps any MarketDataVenue (the real
// Binance/OKX market data, or a simulated venue) and answers order entry itself: every
// book update is mirrored into a private ExchangeCore as the market's resting liquidity,
// and paper orders are matched against it by the same price-time engine, with the same
// fees, margin, reduce-only and post-only rules as the venue simulator. An order reaches
// the core only after `order_latency` (the latency model), so a paper taker sees the
// book as it is then, not as it was when the strategy decided.
//
// Two ways to feed it, one matching implementation:
// - wrapper: it owns a MarketDataVenue, starts it, mirrors its books and passes them on
//   (the `sim` venue kind);
// - twin: it is the dry-run double of a venue the engine already trades on. It owns no
//   market and no connection; whoever receives that venue's books hands each one to
//   feed(). Its id is the venue's, so a simulated order is journaled at the venue it
//   would have gone to. Its private events go to the PrivateListener given to start();
//   its market listener is never called. Every venue order id and trade id a twin
//   reports starts with `paper-` (kTwinIdPrefix), so none can equal one the venue
//   itself reports (a fill journal keyed by venue and trade id keeps both).
//
// Guarantees: nothing is ever sent to a venue (there is no network path here); fills,
// positions and balances are marked `simulated` by construction (the caller reports
// them separately from real exposure); same inputs, same fills.
//
// Thread: engine thread only; timers run on the Clock given (the engine's).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/venues/sim/engine/exchange_core.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::paper {

struct PaperBrokerOptions {
  Decimal initial_usdt = Decimal::from_mantissa(100'000, 0);
  Decimal maker_fee_rate = Decimal::from_mantissa(2, 4);  // 0.0002
  Decimal taker_fee_rate = Decimal::from_mantissa(5, 4);  // 0.0005
  int leverage = 3;
  Nanos order_latency = std::chrono::milliseconds(5);   // decision → order at the "venue"
  int mirrored_levels = 20;                              // book levels copied per side
};

class PaperBroker final : public Venue, private MarketDataListener {
 public:
  static constexpr const char* kTwinIdPrefix = "paper-";

  PaperBroker(std::unique_ptr<MarketDataVenue> market, Clock& clock, PaperBrokerOptions options);
  // A twin of venue `venue_id`: `instruments` are the venue's (a book of another symbol
  // fed later adds its instrument from the book's spec).
  PaperBroker(std::string venue_id, std::vector<md::InstrumentSpec> instruments, Clock& clock,
              PaperBrokerOptions options);
  ~PaperBroker() override;

  const std::string& id() const override { return market_ ? market_->id() : twin_id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override {
    return market_ ? market_->instruments() : twin_instruments_;
  }
  // A twin's market data: the venue's current book (invalid or crossed books are
  // ignored). Resting paper orders the book crosses fill here. Engine thread.
  void feed(const md::OrderBook& book);
  // A paper order rests (it fills only through the books fed from now on).
  bool has_open_orders() const;
  void start(MarketDataListener& listener) override;
  void start(MarketDataListener& market, PrivateListener& account) override;
  void stop() override;

  void place(const OrderRequest& request, VenueCallback<OrderState> done) override;
  void place_batch(const std::vector<OrderRequest>& requests,
                   VenueCallback<std::vector<VenueResult<OrderState>>> done) override;
  void cancel(const std::string& symbol, const std::string& client_order_id, VenueCallback<OrderState> done) override;
  void cancel_all(const std::string& symbol, VenueCallback<int> done) override;
  void query_order(const std::string& symbol, const std::string& client_order_id,
                   VenueCallback<OrderState> done) override;
  void open_orders(const std::optional<std::string>& symbol, VenueCallback<std::vector<OrderState>> done) override;
  void positions(VenueCallback<std::vector<Position>> done) override;
  void balances(VenueCallback<std::vector<Balance>> done) override;
  void server_time(VenueCallback<UtcTime> done) override;
  bool supports_batch() const override { return false; }

 private:
  void on_book(const md::OrderBook& book) override;
  void on_funding(const FundingInfo& info) override;
  void on_book_state(const std::string& symbol, bool valid, const std::string& reason) override;
  // Runs `fn` after the latency model's delay; nothing runs after stop().
  void after_latency(std::function<void()> fn);
  void deliver(std::vector<sim::Event>& events);
  // A twin's ids with kTwinIdPrefix; a wrapper's unchanged.
  OrderState stamped(OrderState order) const;
  Fill stamped(Fill fill) const;
  // What a venue would answer: the core's order, stamped, or its rejection.
  VenueResult<OrderState> answer(const sim::Outcome<OrderState>& outcome) const;
  // One order into the core now (after the latency), its events delivered.
  VenueResult<OrderState> place_now(const OrderRequest& request);
  void add_instrument(const md::InstrumentSpec& spec);
  void open_accounts();

  static constexpr const char* kPaperAccount = "paper";
  static constexpr const char* kMarketAccount = "paper-market";

  std::unique_ptr<MarketDataVenue> market_;  // null for a twin
  std::string twin_id_;
  std::vector<md::InstrumentSpec> twin_instruments_;
  Clock& clock_;
  PaperBrokerOptions options_;
  sim::ExchangeCore core_;
  MarketDataListener* market_listener_ = nullptr;
  PrivateListener* private_listener_ = nullptr;
  std::vector<Clock::TimerId> pending_;
  std::vector<sim::PriceLevel> bid_scratch_;
  std::vector<sim::PriceLevel> ask_scratch_;
  std::vector<sim::Event> events_;
  bool running_ = false;
};

}  // namespace propbot::venues::paper
