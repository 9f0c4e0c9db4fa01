#include "core/venues/paper/paper_broker.hpp"

#include <algorithm>

namespace propbot::venues::paper {
namespace {

// Instrument sizes arrive as doubles (0.1, 0.001); the core wants exact Decimals.
Decimal exact(double size) {
  auto d = Decimal::from_double(size, 12);
  return d ? d->normalized() : Decimal::from_mantissa(1, 0);
}

Decimal level_value(std::int64_t count, Decimal size) {
  auto d = Decimal::from_ticks(count, size);
  return d ? *d : Decimal{};
}

}  // namespace

PaperBroker::PaperBroker(std::unique_ptr<MarketDataVenue> market, Clock& clock, PaperBrokerOptions options)
    : market_(std::move(market)), clock_(clock), options_(options) {
  open_accounts();
  for (const auto& spec : market_->instruments()) add_instrument(spec);
}

PaperBroker::PaperBroker(std::string venue_id, std::vector<md::InstrumentSpec> instruments, Clock& clock,
                         PaperBrokerOptions options)
    : twin_id_(std::move(venue_id)), twin_instruments_(std::move(instruments)), clock_(clock), options_(options) {
  open_accounts();
  for (const auto& spec : twin_instruments_) add_instrument(spec);
}

void PaperBroker::open_accounts() {
  std::vector<sim::Event> ignored;
  const UtcTime now = clock_.utc();
  core_.open_account(kPaperAccount, options_.initial_usdt, now, ignored);
  // The market's liquidity needs no margin and its own events interest nobody.
  core_.open_account(kMarketAccount, Decimal::from_mantissa(1'000'000'000, 0), now, ignored, true);
  core_.set_quiet(kMarketAccount, true);
  bid_scratch_.reserve(static_cast<std::size_t>(options_.mirrored_levels));
  ask_scratch_.reserve(static_cast<std::size_t>(options_.mirrored_levels));
}

void PaperBroker::add_instrument(const md::InstrumentSpec& spec) {
  if (core_.book(spec.symbol) != nullptr) return;
  sim::InstrumentRules rules;
  rules.symbol = spec.symbol;
  rules.tick = exact(spec.tick_size);
  rules.step = exact(spec.lot_size);
  rules.min_qty = rules.step;
  rules.min_notional = exact(spec.min_notional);
  rules.maker_fee_rate = options_.maker_fee_rate;
  rules.taker_fee_rate = options_.taker_fee_rate;
  rules.default_leverage = options_.leverage;
  // An instrument the matching engine cannot take stays unknown: its orders are refused.
  if (!rules.validate().empty()) return;
  core_.add_instrument(rules);
}

PaperBroker::~PaperBroker() { stop(); }

OrderState PaperBroker::stamped(OrderState order) const {
  if (!market_ && !order.venue_order_id.empty()) order.venue_order_id = kTwinIdPrefix + order.venue_order_id;
  return order;
}

Fill PaperBroker::stamped(Fill fill) const {
  if (!market_) {
    if (!fill.trade_id.empty()) fill.trade_id = kTwinIdPrefix + fill.trade_id;
    if (!fill.venue_order_id.empty()) fill.venue_order_id = kTwinIdPrefix + fill.venue_order_id;
  }
  return fill;
}

void PaperBroker::start(MarketDataListener& listener) {
  market_listener_ = market_ ? &listener : nullptr;  // a twin passes no market data on
  running_ = true;
  if (market_) market_->start(*this);
}

void PaperBroker::start(MarketDataListener& market, PrivateListener& account) {
  private_listener_ = &account;
  start(market);
  account.on_private_stream(true);
}

void PaperBroker::stop() {
  if (!running_) return;
  running_ = false;
  if (market_) market_->stop();
  for (const auto id : pending_) clock_.cancel(id);
  pending_.clear();
}

void PaperBroker::after_latency(std::function<void()> fn) {
  auto slot = std::make_shared<Clock::TimerId>(0);
  *slot = clock_.call_after(options_.order_latency, [this, slot, fn = std::move(fn)] {
    std::erase(pending_, *slot);
    fn();
  });
  pending_.push_back(*slot);
}

void PaperBroker::on_book(const md::OrderBook& book) {
  feed(book);
  if (running_ && market_listener_ != nullptr) market_listener_->on_book(book);
}

bool PaperBroker::has_open_orders() const { return !core_.open_orders(kPaperAccount, std::nullopt).empty(); }

void PaperBroker::feed(const md::OrderBook& book) {
  if (!running_ || !book.valid() || book.crossed()) return;
  const md::InstrumentSpec& spec = book.spec();
  add_instrument(spec);
  bid_scratch_.clear();
  ask_scratch_.clear();
  const Decimal tick = exact(spec.tick_size);
  const Decimal lot = exact(spec.lot_size);
  const auto take = [&](std::span<const md::BookLevel> levels, std::vector<sim::PriceLevel>& out) {
    const auto n = std::min<std::size_t>(levels.size(), static_cast<std::size_t>(options_.mirrored_levels));
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back({level_value(levels[i].price_ticks, tick), level_value(levels[i].qty_lots, lot)});
    }
  };
  take(book.bids(), bid_scratch_);
  take(book.asks(), ask_scratch_);
  events_.clear();
  const UtcTime now = clock_.utc();
  // Resting paper orders that the new liquidity crosses fill here, as makers.
  core_.replace_liquidity(spec.symbol, kMarketAccount, bid_scratch_, ask_scratch_, now, events_);
  if (const auto mid = book.mid_price()) {
    if (auto mark = Decimal::from_double(*mid, 8)) core_.set_mark(spec.symbol, *mark, now, events_);
  }
  deliver(events_);
}

void PaperBroker::on_funding(const FundingInfo& info) {
  if (market_listener_ != nullptr) market_listener_->on_funding(info);
}

void PaperBroker::on_book_state(const std::string& symbol, bool valid, const std::string& reason) {
  if (market_listener_ != nullptr) market_listener_->on_book_state(symbol, valid, reason);
}

void PaperBroker::deliver(std::vector<sim::Event>& events) {
  if (private_listener_ == nullptr) return;
  for (const sim::Event& event : events) {
    if (sim::event_account(event) != kPaperAccount) continue;
    std::visit(
        [this](const auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<E, sim::OrderAccepted> || std::is_same_v<E, sim::OrderCanceled> ||
                        std::is_same_v<E, sim::OrderExpired>) {
            private_listener_->on_order_update(stamped(e.order));
          } else if constexpr (std::is_same_v<E, sim::OrderFilled>) {
            private_listener_->on_fill(stamped(e.fill));
            private_listener_->on_order_update(stamped(e.order));
          } else if constexpr (std::is_same_v<E, sim::BalanceChanged>) {
            private_listener_->on_balance(e.balance);
          } else if constexpr (std::is_same_v<E, sim::PositionChanged>) {
            private_listener_->on_position(e.position);
          }
        },
        event);
  }
}

VenueResult<OrderState> PaperBroker::answer(const sim::Outcome<OrderState>& outcome) const {
  if (outcome.ok()) return stamped(outcome.value());
  return outcome.error();
}

VenueResult<OrderState> PaperBroker::place_now(const OrderRequest& request) {
  std::vector<sim::Event> events;
  auto outcome = core_.place(kPaperAccount, request, clock_.utc(), events);
  deliver(events);
  return answer(outcome);
}

void PaperBroker::place(const OrderRequest& request, VenueCallback<OrderState> done) {
  after_latency([this, request, done = std::move(done)] { done(place_now(request)); });
}

void PaperBroker::place_batch(const std::vector<OrderRequest>& requests,
                              VenueCallback<std::vector<VenueResult<OrderState>>> done) {
  after_latency([this, requests, done = std::move(done)] {
    std::vector<VenueResult<OrderState>> results;
    for (const auto& request : requests) results.push_back(place_now(request));
    done(std::move(results));
  });
}

void PaperBroker::cancel(const std::string& symbol, const std::string& client_order_id,
                         VenueCallback<OrderState> done) {
  after_latency([this, symbol, client_order_id, done = std::move(done)] {
    std::vector<sim::Event> events;
    auto outcome = core_.cancel(kPaperAccount, symbol, sim::OrderRef::by_client_id(client_order_id), clock_.utc(), events);
    deliver(events);
    done(answer(outcome));
  });
}

void PaperBroker::cancel_all(const std::string& symbol, VenueCallback<int> done) {
  after_latency([this, symbol, done = std::move(done)] {
    std::vector<sim::Event> events;
    const auto canceled = core_.cancel_all(kPaperAccount, symbol, clock_.utc(), events);
    deliver(events);
    done(static_cast<int>(canceled.size()));
  });
}

void PaperBroker::query_order(const std::string& symbol, const std::string& client_order_id,
                              VenueCallback<OrderState> done) {
  after_latency([this, symbol, client_order_id, done = std::move(done)] {
    done(answer(core_.order(kPaperAccount, symbol, sim::OrderRef::by_client_id(client_order_id))));
  });
}

void PaperBroker::open_orders(const std::optional<std::string>& symbol, VenueCallback<std::vector<OrderState>> done) {
  after_latency([this, symbol, done = std::move(done)] {
    std::vector<OrderState> open = core_.open_orders(kPaperAccount, symbol);
    for (auto& order : open) order = stamped(std::move(order));
    done(std::move(open));
  });
}

void PaperBroker::positions(VenueCallback<std::vector<Position>> done) {
  after_latency([this, done = std::move(done)] { done(core_.positions(kPaperAccount)); });
}

void PaperBroker::balances(VenueCallback<std::vector<Balance>> done) {
  after_latency([this, done = std::move(done)] { done(core_.balances(kPaperAccount, clock_.utc())); });
}

void PaperBroker::server_time(VenueCallback<UtcTime> done) {
  after_latency([this, done = std::move(done)] { done(clock_.utc()); });
}

}  // namespace propbot::venues::paper
