#include "scripting/recorded_market.hpp"

namespace propbot::scripting {

RecordedMarket::RecordedMarket(std::vector<std::string> venues, UtcTime recorded_at)
    : venues_(std::move(venues)), recorded_at_(recorded_at) {}

void RecordedMarket::add(const md::OrderBook& book) {
  if (book.valid()) books_.push_back(book);
}

void RecordedMarket::add_funding(std::string_view venue, std::string_view symbol, FundingView funding) {
  funding_.push_back({{std::string(venue), std::string(symbol)}, funding});
}

void RecordedMarket::restamp(MonoTime now) {
  for (md::OrderBook& book : books_) book.set_sequence(book.sequence(), now);
}

const md::OrderBook* RecordedMarket::book(std::string_view venue, std::string_view symbol) const {
  for (const md::OrderBook& book : books_) {
    if (book.spec().venue == venue && book.spec().symbol == symbol) return &book;
  }
  return nullptr;
}

std::optional<FundingView> RecordedMarket::funding(std::string_view venue, std::string_view symbol) const {
  for (const auto& [key, value] : funding_) {
    if (key.first == venue && key.second == symbol) return value;
  }
  return std::nullopt;
}

}  // namespace propbot::scripting
