#include "core/engine/market_tape.hpp"

#include <algorithm>

namespace propbot::engine {

static_assert(sizeof(TapeEvent) <= 88, "the tape's memory bound (market_tape.hpp, docs/PERFORMANCE.md) assumes it");

void MarketTapeView::for_each(const std::function<void(const TapeEvent&, const TapeBlock&)>& visit) const {
  for (const auto& block : blocks) {
    for (const TapeEvent& event : block->events) {
      if (event.at >= from) visit(event, *block);
    }
  }
}

std::size_t MarketTapeView::events() const {
  std::size_t count = 0;
  for (const auto& block : blocks) {
    if (!block->events.empty() && block->events.front().at >= from) {
      count += block->events.size();
      continue;
    }
    count += static_cast<std::size_t>(std::count_if(block->events.begin(), block->events.end(),
                                                    [&](const TapeEvent& event) { return event.at >= from; }));
  }
  return count;
}

MarketTape::Options tape_options(int window_s, int max_events, int depth) {
  MarketTape::Options options;
  options.window = std::chrono::seconds(std::max(0, window_s));
  options.max_events = static_cast<std::size_t>(std::max(1, max_events));
  options.depth = std::clamp(depth, 1, 255);
  options.block_events = std::clamp<std::size_t>(options.max_events / 4, 1, 1024);
  return options;
}

MarketTape::MarketTape(Options options)
    : options_(options), instruments_(std::make_shared<const std::vector<md::InstrumentSpec>>()) {
  options_.depth = std::clamp(options_.depth, 1, 255);
  options_.block_events = std::clamp<std::size_t>(options_.block_events, 1, std::max<std::size_t>(1, options_.max_events));
  if (enabled()) {
    open_.events.reserve(options_.block_events);
    open_.levels.reserve(options_.block_events * 2 * static_cast<std::size_t>(options_.depth));
  }
}

std::uint32_t MarketTape::instrument_of(const std::string& venue, const std::string& symbol,
                                        const md::InstrumentSpec* spec) {
  const auto& table = *instruments_;
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].venue != venue || table[i].symbol != symbol) continue;
    // A funding update may have come first (the spec unknown then): take the book's.
    if (spec != nullptr && (table[i].tick_size != spec->tick_size || table[i].lot_size != spec->lot_size)) {
      auto next = std::make_shared<std::vector<md::InstrumentSpec>>(table);
      (*next)[i] = *spec;
      instruments_ = std::move(next);
      changed_ = true;
    }
    return static_cast<std::uint32_t>(i);
  }
  // New instrument (bounded by venues × symbols): the table is copied once.
  auto next = std::make_shared<std::vector<md::InstrumentSpec>>(table);
  md::InstrumentSpec added = spec != nullptr ? *spec : md::InstrumentSpec{};
  added.venue = venue;
  added.symbol = symbol;
  next->push_back(std::move(added));
  instruments_ = std::move(next);
  changed_ = true;
  return static_cast<std::uint32_t>(instruments_->size() - 1);
}

TapeEvent MarketTape::next_event(MonoTime at, TapeEventKind kind, std::uint32_t instrument) {
  if (open_.events.size() >= options_.block_events) {
    seal();
    drop(at);
  }
  TapeEvent event;
  event.at = at;
  event.kind = kind;
  event.instrument = instrument;
  event.first_level = static_cast<std::uint32_t>(open_.levels.size());
  return event;
}

void MarketTape::on_book(const md::OrderBook& book, MonoTime at) {
  if (!enabled() || !book.valid()) return;
  TapeEvent event = next_event(at, TapeEventKind::book, instrument_of(book.spec().venue, book.spec().symbol, &book.spec()));
  event.sequence = book.sequence();
  const auto depth = static_cast<std::size_t>(options_.depth);
  const auto bids = book.bids().first(std::min(depth, book.bids().size()));
  const auto asks = book.asks().first(std::min(depth, book.asks().size()));
  open_.levels.insert(open_.levels.end(), bids.begin(), bids.end());
  open_.levels.insert(open_.levels.end(), asks.begin(), asks.end());
  event.bids = static_cast<std::uint8_t>(bids.size());
  event.asks = static_cast<std::uint8_t>(asks.size());
  open_.events.push_back(event);
}

void MarketTape::on_funding(const std::string& venue, const venues::FundingInfo& info, MonoTime at) {
  if (!enabled()) return;
  TapeEvent event = next_event(at, TapeEventKind::funding, instrument_of(venue, info.symbol, nullptr));
  event.funding_rate = info.funding_rate;
  event.mark_price = info.mark_price;
  event.index_price = info.index_price;
  event.next_funding_ms = info.next_funding_time == UtcTime{} ? 0 : to_unix_ms(info.next_funding_time);
  open_.events.push_back(event);
}

void MarketTape::seal() {
  if (open_.events.empty()) return;
  auto block = std::make_shared<TapeBlock>();
  block->events.assign(open_.events.begin(), open_.events.end());
  block->levels.assign(open_.levels.begin(), open_.levels.end());
  sealed_events_ += block->events.size();
  sealed_levels_ += block->levels.size();
  sealed_.push_back(std::move(block));
  open_.events.clear();  // keeps its capacity
  open_.levels.clear();
  changed_ = true;
}

void MarketTape::drop(MonoTime now) {
  const MonoTime oldest = now - options_.window;
  // Room for a full open block is kept, so the tape never holds more than max_events.
  const std::size_t sealed_bound =
      options_.max_events > options_.block_events ? options_.max_events - options_.block_events : 0;
  while (!sealed_.empty() && (sealed_events_ > sealed_bound || sealed_.front()->events.back().at < oldest)) {
    sealed_events_ -= sealed_.front()->events.size();
    sealed_levels_ -= sealed_.front()->levels.size();
    sealed_.pop_front();
    changed_ = true;
  }
}

std::shared_ptr<const MarketTapeView> MarketTape::view(MonoTime now, UtcTime utc_now) {
  if (!enabled()) return nullptr;
  if (!open_.events.empty() && now - open_.events.front().at >= options_.seal_after) seal();
  drop(now);
  const MonoTime from = now - options_.window;
  // The window also moves inside the oldest block: a new view once a second at most.
  if (!changed_ && view_ && from - view_->from < std::chrono::seconds(1)) return view_;
  auto next = std::make_shared<MarketTapeView>();
  next->blocks.assign(sealed_.begin(), sealed_.end());
  next->instruments = instruments_;
  next->from = from;
  next->ref_mono = now;
  next->ref_utc = utc_now;
  next->window_s = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(options_.window).count());
  next->depth = options_.depth;
  view_ = std::move(next);
  changed_ = false;
  return view_;
}

std::size_t MarketTape::bytes() const {
  return (sealed_events_ + open_.events.size()) * sizeof(TapeEvent) +
         (sealed_levels_ + open_.levels.size()) * sizeof(md::BookLevel);
}

}  // namespace propbot::engine
