#include "core/shadow/tape_venue.hpp"

#include <span>

namespace propbot::shadow {
namespace {

venues::VenueError refused() {
  return venues::VenueError{venues::VenueErrc::rejected, "SHADOW", "the shadow replay never trades", 0, std::nullopt};
}

}  // namespace

TapeVenue::TapeVenue(std::string id, std::vector<md::InstrumentSpec> instruments, const Clock& clock)
    : id_(std::move(id)), instruments_(std::move(instruments)), clock_(clock) {
  for (const auto& spec : instruments_) books_.emplace(spec.symbol, md::OrderBook(spec));
}

void TapeVenue::start(venues::MarketDataListener& market, venues::PrivateListener& account) {
  market_ = &market;
  account.on_private_stream(true);
}

void TapeVenue::deliver(const engine::TapeEvent& event, const engine::TapeBlock& block, const md::InstrumentSpec& spec) {
  if (market_ == nullptr) return;
  if (event.kind == engine::TapeEventKind::funding) {
    venues::FundingInfo info;
    info.symbol = spec.symbol;
    info.funding_rate = event.funding_rate;
    info.mark_price = event.mark_price;
    info.index_price = event.index_price;
    if (event.next_funding_ms != 0) info.next_funding_time = UtcTime{std::chrono::milliseconds(event.next_funding_ms)};
    market_->on_funding(info);
    return;
  }
  auto found = books_.find(spec.symbol);
  if (found == books_.end()) return;  // not one of this venue's instruments
  const std::span<const md::BookLevel> levels(block.levels.data() + event.first_level,
                                              static_cast<std::size_t>(event.bids) + event.asks);
  found->second.apply_snapshot(levels.first(event.bids), levels.subspan(event.bids), event.sequence, clock_.now());
  market_->on_book(found->second);
}

void TapeVenue::place(const venues::OrderRequest&, venues::VenueCallback<venues::OrderState> done) { done(refused()); }
void TapeVenue::place_batch(const std::vector<venues::OrderRequest>&,
                            venues::VenueCallback<std::vector<venues::VenueResult<venues::OrderState>>> done) {
  done(refused());
}
void TapeVenue::cancel(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) {
  done(refused());
}
void TapeVenue::cancel_all(const std::string&, venues::VenueCallback<int> done) { done(refused()); }
void TapeVenue::query_order(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) {
  done(refused());
}
void TapeVenue::open_orders(const std::optional<std::string>&,
                            venues::VenueCallback<std::vector<venues::OrderState>> done) {
  done(refused());
}
void TapeVenue::positions(venues::VenueCallback<std::vector<venues::Position>> done) { done(refused()); }
void TapeVenue::balances(venues::VenueCallback<std::vector<venues::Balance>> done) { done(refused()); }

}  // namespace propbot::shadow
