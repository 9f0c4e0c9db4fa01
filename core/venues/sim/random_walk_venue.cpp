#include "core/venues/sim/random_walk_venue.hpp"

#include <cmath>

namespace propbot::venues::sim {

RandomWalkVenue::RandomWalkVenue(std::string id, std::vector<md::InstrumentSpec> instruments,
                                 std::shared_ptr<RandomWalkMarket> market, Clock& clock,
                                 RandomWalkVenueParams params)
    : id_(std::move(id)),
      instruments_(std::move(instruments)),
      market_(std::move(market)),
      clock_(clock),
      params_(params) {
  for (const auto& spec : instruments_) books_.emplace_back(spec);
  bid_scratch_.reserve(static_cast<std::size_t>(params_.depth_levels));
  ask_scratch_.reserve(static_cast<std::size_t>(params_.depth_levels));
}

RandomWalkVenue::~RandomWalkVenue() { stop(); }

void RandomWalkVenue::start(MarketDataListener& listener) {
  listener_ = &listener;
  started_at_ = clock_.now();
  schedule_next();
}

void RandomWalkVenue::stop() {
  if (timer_ != 0) clock_.cancel(timer_);
  timer_ = 0;
  listener_ = nullptr;
}

void RandomWalkVenue::schedule_next() {
  timer_ = clock_.call_after(params_.tick, [this] {
    timer_ = 0;
    if (listener_ == nullptr) return;
    publish_once();
    schedule_next();
  });
}

void RandomWalkVenue::publish_once() {
  // Every venue derives the market step from elapsed time, so venues ticking in any
  // order see the same reference prices for the same instant.
  const auto elapsed = clock_.now() - started_at_;
  market_->advance_to(static_cast<std::uint64_t>(elapsed / params_.tick));
  ++sequence_;
  for (auto& book : books_) {
    rebuild(book);
    if (listener_ != nullptr) listener_->on_book(book);
  }
}

void RandomWalkVenue::rebuild(md::OrderBook& book) {
  const md::InstrumentSpec& spec = book.spec();
  const double mid = market_->venue_mid(id_, spec.symbol);
  const double half_spread = std::max(mid * params_.spread_bps / 2e4, spec.tick_size / 2);
  const auto best_bid = static_cast<std::int64_t>(std::floor((mid - half_spread) / spec.tick_size));
  auto best_ask = static_cast<std::int64_t>(std::ceil((mid + half_spread) / spec.tick_size));
  if (best_ask <= best_bid) best_ask = best_bid + 1;

  std::uniform_real_distribution<double> size(0.2, 2.0);
  // Sizes scale so each level holds roughly 2–20k USDT whatever the price.
  const double lots_per_unit = 10'000.0 / mid / spec.lot_size;
  bid_scratch_.clear();
  ask_scratch_.clear();
  for (int i = 0; i < params_.depth_levels; ++i) {
    const auto bid_lots = static_cast<std::int64_t>(std::max(1.0, size(market_->rng()) * lots_per_unit));
    const auto ask_lots = static_cast<std::int64_t>(std::max(1.0, size(market_->rng()) * lots_per_unit));
    bid_scratch_.push_back({best_bid - i, bid_lots});
    ask_scratch_.push_back({best_ask + i, ask_lots});
  }
  book.apply_snapshot(bid_scratch_, ask_scratch_, sequence_, clock_.now());
}

}  // namespace propbot::venues::sim
