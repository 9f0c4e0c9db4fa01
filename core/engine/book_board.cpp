#include "core/engine/book_board.hpp"

#include <utility>

namespace propbot::engine {

void BookBoard::add(md::OrderBook book) {
  entries_.emplace_back(std::move(book));
  // Known before its feed delivered anything: say why it is not usable yet.
  if (!entries_.back().book.valid()) entries_.back().invalid_reason = std::string(kAwaitingFirstBook);
}

const BookBoard::Entry* BookBoard::entry(std::string_view venue, std::string_view symbol) const {
  for (const auto& candidate : entries_) {
    if (candidate.book.spec().venue == venue && candidate.book.spec().symbol == symbol) return &candidate;
  }
  return nullptr;
}

BookBoard::Entry* BookBoard::entry(std::string_view venue, std::string_view symbol) {
  return const_cast<Entry*>(std::as_const(*this).entry(venue, symbol));
}

const md::OrderBook* BookBoard::find(std::string_view venue, std::string_view symbol) const {
  const Entry* found = entry(venue, symbol);
  return found == nullptr ? nullptr : &found->book;
}

const venues::FundingInfo* BookBoard::funding(std::string_view venue, std::string_view symbol) const {
  const Entry* found = entry(venue, symbol);
  return found != nullptr && found->funding ? &*found->funding : nullptr;
}

std::string_view BookBoard::invalid_reason(std::string_view venue, std::string_view symbol) const {
  const Entry* found = entry(venue, symbol);
  return found == nullptr ? std::string_view() : std::string_view(found->invalid_reason);
}

const md::OrderBook& BookBoard::on_book(const md::OrderBook& update) {
  Entry* found = entry(update.spec().venue, update.spec().symbol);
  if (found == nullptr) {
    entries_.emplace_back(update);
    found = &entries_.back();
  } else {
    found->book = update;
  }
  ++found->updates;
  if (found->book.valid()) found->invalid_reason.clear();
  return found->book;
}

void BookBoard::on_book_state(std::string_view venue, std::string_view symbol, bool valid, std::string_view reason,
                              UtcTime now) {
  Entry* found = entry(venue, symbol);
  if (found == nullptr) return;
  if (valid) return;  // the fresh valid book follows through on_book, which clears the state
  if (found->invalid_reason.empty()) {
    found->invalid_since = now;
    ++found->invalidations;
  }
  found->invalid_reason = reason.empty() ? "invalid" : std::string(reason);
  found->book.invalidate();
}

void BookBoard::on_funding(std::string_view venue, const venues::FundingInfo& info) {
  if (Entry* found = entry(venue, info.symbol)) found->funding = info;
}

std::vector<BookView> BookBoard::views(MonoTime now) const {
  std::vector<BookView> out;
  out.reserve(entries_.size());
  for (const auto& entry : entries_) {
    const md::OrderBook& b = entry.book;
    BookView view;
    view.venue = b.spec().venue;
    view.symbol = b.spec().symbol;
    view.instrument_id = b.spec().canonical_id();
    view.valid = b.valid();
    view.updates = entry.updates;
    view.sequence = b.sequence();
    if (const auto bid = b.best_bid()) {
      view.bid = b.spec().price_of(bid->price_ticks);
      view.bid_qty = b.spec().qty_of(bid->qty_lots);
    }
    if (const auto ask = b.best_ask()) {
      view.ask = b.spec().price_of(ask->price_ticks);
      view.ask_qty = b.spec().qty_of(ask->qty_lots);
    }
    view.mid = b.mid_price().value_or(0);
    view.spread_bps = b.spread_bps().value_or(0);
    view.age_ms = entry.updates == 0 ? -1
                                     : std::chrono::duration_cast<std::chrono::milliseconds>(now - b.last_update()).count();
    view.invalid_reason = entry.invalid_reason;
    view.invalid_since = entry.invalid_since;
    view.invalidations = entry.invalidations;
    if (entry.funding) {
      view.mark_price = entry.funding->mark_price.to_double();
      view.funding_rate = entry.funding->funding_rate.to_double();
      view.next_funding_time = entry.funding->next_funding_time;
    }
    out.push_back(std::move(view));
  }
  return out;
}

}  // namespace propbot::engine
