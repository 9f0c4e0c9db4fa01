// ScriptedMarket (scripting/scripted_market.hpp): maps keyed by "venue\nsymbol".
#include "scripting/scripted_market.hpp"

namespace propbot::scripting {

ScriptedMarket::ScriptedMarket() : venues_{"SIM-A", "SIM-B"} {}

void ScriptedMarket::set_book(const std::string& venue, const std::string& symbol, double tick,
                              const std::vector<md::BookLevel>& bids, const std::vector<md::BookLevel>& asks,
                              MonoTime at) {
  md::InstrumentSpec spec;
  spec.venue = venue;
  spec.symbol = symbol;
  spec.tick_size = tick;
  spec.lot_size = kLot;
  auto& book = books_[key(venue, symbol)];
  if (!book || book->spec().tick_size != tick) book = std::make_unique<md::OrderBook>(spec);
  book->apply_snapshot(bids, asks, ++sequence_, at);
}

void ScriptedMarket::remove_book(const std::string& venue, const std::string& symbol) {
  books_.erase(key(venue, symbol));
}

void ScriptedMarket::set_funding(const std::string& venue, const std::string& symbol, FundingView view) {
  funding_[key(venue, symbol)] = view;
}

void ScriptedMarket::set_regime(const std::string& symbol, RegimeView view) { regimes_[symbol] = std::move(view); }

void ScriptedMarket::set_position(const std::string& venue, const std::string& symbol, double qty) {
  positions_[key(venue, symbol)] = qty;
}

const md::OrderBook* ScriptedMarket::book(std::string_view venue, std::string_view symbol) const {
  const auto it = books_.find(key(venue, symbol));
  return it == books_.end() ? nullptr : it->second.get();
}

std::optional<FundingView> ScriptedMarket::funding(std::string_view venue, std::string_view symbol) const {
  const auto it = funding_.find(key(venue, symbol));
  if (it == funding_.end()) return std::nullopt;
  return it->second;
}

std::optional<RegimeView> ScriptedMarket::regime(std::string_view symbol) const {
  const auto it = regimes_.find(std::string(symbol));
  if (it == regimes_.end()) return std::nullopt;
  return it->second;
}

double ScriptedMarket::position(std::string_view venue, std::string_view symbol) const {
  const auto it = positions_.find(key(venue, symbol));
  return it == positions_.end() ? 0.0 : it->second;
}

std::string ScriptedMarket::key(std::string_view venue, std::string_view symbol) {
  return std::string(venue) + '\n' + std::string(symbol);
}

}  // namespace propbot::scripting
