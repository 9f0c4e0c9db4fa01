#include "core/bundle/recorded_market_json.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/md/order_book.hpp"

namespace propbot::bundle {
namespace {

using nlohmann::json;

json levels_json(std::span<const md::BookLevel> levels) {
  json out = json::array();
  for (const md::BookLevel& level : levels) out.push_back(json::array({level.price_ticks, level.qty_lots}));
  return out;
}

Error bad(const std::string& field, const std::string& what) {
  return make_error(Errc::invalid_argument, "recorded market: field '" + field + "' " + what);
}

Result<std::vector<md::BookLevel>> levels_from(const json& book, const std::string& field) {
  const auto it = book.find(field);
  if (it == book.end() || !it->is_array()) return bad(field, "must be a list of [price_ticks, qty_lots]");
  if (it->size() > kMaxRecordedLevels) return bad(field, "has more than " + std::to_string(kMaxRecordedLevels) + " levels");
  std::vector<md::BookLevel> levels;
  levels.reserve(it->size());
  for (const json& level : *it) {
    if (!level.is_array() || level.size() != 2 || !level[0].is_number_integer() || !level[1].is_number_integer()) {
      return bad(field, "must be a list of [price_ticks, qty_lots] integer pairs");
    }
    levels.push_back({level[0].get<std::int64_t>(), level[1].get<std::int64_t>()});
  }
  return levels;
}

Result<std::string> text_of(const json& object, const std::string& field) {
  const auto it = object.find(field);
  if (it == object.end() || !it->is_string()) return bad(field, "must be a string");
  return it->get<std::string>();
}

Result<double> number_of(const json& object, const std::string& field) {
  const auto it = object.find(field);
  if (it == object.end() || !it->is_number()) return bad(field, "must be a number");
  return it->get<double>();
}

Result<std::int64_t> integer_of(const json& object, const std::string& field) {
  const auto it = object.find(field);
  if (it == object.end() || !it->is_number_integer()) return bad(field, "must be an integer");
  return it->get<std::int64_t>();
}

// The first error among `results`, in order.
template <typename... Results>
std::optional<Error> first_error(const Results&... results) {
  std::optional<Error> found;
  ((found = found ? found : (results.ok() ? std::nullopt : std::optional<Error>(results.error()))), ...);
  return found;
}

Result<md::OrderBook> book_from(const json& entry) {
  if (!entry.is_object()) return bad("books[]", "must hold objects");
  md::InstrumentSpec spec;
  auto venue = text_of(entry, "venue");
  auto symbol = text_of(entry, "symbol");
  auto kind = text_of(entry, "kind");
  auto tick = number_of(entry, "tick_size");
  auto lot = number_of(entry, "lot_size");
  auto min_notional = number_of(entry, "min_notional");
  auto sequence = integer_of(entry, "sequence");
  if (auto error = first_error(venue, symbol, kind, tick, lot, min_notional, sequence)) return *error;
  if (!(*tick > 0) || !(*lot > 0)) return bad("tick_size", "and lot_size must be positive");
  spec.venue = *venue;
  spec.symbol = *symbol;
  spec.kind = *kind;
  spec.tick_size = *tick;
  spec.lot_size = *lot;
  spec.min_notional = *min_notional;
  auto bids = levels_from(entry, "bids");
  if (!bids) return bids.error();
  auto asks = levels_from(entry, "asks");
  if (!asks) return asks.error();
  md::OrderBook book(spec, std::max(bids->size(), asks->size()));
  book.apply_snapshot(*bids, *asks, static_cast<std::uint64_t>(*sequence), MonoTime{});
  return book;
}

}  // namespace

json recorded_market_to_json(const scripting::RecordedMarket& market) {
  json books = json::array();
  for (const md::OrderBook& book : market.books()) {
    const md::InstrumentSpec& spec = book.spec();
    books.push_back({{"venue", spec.venue},
                     {"symbol", spec.symbol},
                     {"kind", spec.kind},
                     {"tick_size", spec.tick_size},
                     {"lot_size", spec.lot_size},
                     {"min_notional", spec.min_notional},
                     {"sequence", static_cast<std::int64_t>(book.sequence())},
                     {"bids", levels_json(book.bids())},
                     {"asks", levels_json(book.asks())}});
  }
  json funding = json::array();
  for (const auto& [key, view] : market.funding_entries()) {
    funding.push_back({{"venue", key.first},
                       {"symbol", key.second},
                       {"rate", view.rate},
                       {"mark_price", view.mark_price},
                       {"index_price", view.index_price},
                       {"next_funding_ms", view.next_funding_ms}});
  }
  return json{{"venues", market.venue_ids()},
              {"recorded_at_ns", market.recorded_at().time_since_epoch().count()},
              {"books", std::move(books)},
              {"funding", std::move(funding)}};
}

Result<scripting::RecordedMarket> recorded_market_from_json(const json& document) {
  if (!document.is_object()) return bad("recorded", "must be an object");
  const auto venues = document.find("venues");
  if (venues == document.end() || !venues->is_array()) return bad("venues", "must be a list of venue ids");
  std::vector<std::string> venue_ids;
  for (const json& venue : *venues) {
    if (!venue.is_string()) return bad("venues", "must be a list of venue ids");
    venue_ids.push_back(venue.get<std::string>());
  }
  auto recorded_at = integer_of(document, "recorded_at_ns");
  if (!recorded_at) return recorded_at.error();
  scripting::RecordedMarket market(std::move(venue_ids), UtcTime(UtcTime::duration(*recorded_at)));
  const auto books = document.find("books");
  if (books == document.end() || !books->is_array()) return bad("books", "must be a list");
  if (books->size() > kMaxRecordedBooks) return bad("books", "has more than " + std::to_string(kMaxRecordedBooks) + " books");
  for (const json& entry : *books) {
    auto book = book_from(entry);
    if (!book) return book.error();
    market.add(*book);
  }
  const auto funding = document.find("funding");
  if (funding == document.end() || !funding->is_array()) return bad("funding", "must be a list");
  if (funding->size() > kMaxRecordedBooks) return bad("funding", "has more than " + std::to_string(kMaxRecordedBooks) + " entries");
  for (const json& entry : *funding) {
    if (!entry.is_object()) return bad("funding[]", "must hold objects");
    auto venue = text_of(entry, "venue");
    auto symbol = text_of(entry, "symbol");
    auto rate = number_of(entry, "rate");
    auto mark = number_of(entry, "mark_price");
    auto index = number_of(entry, "index_price");
    auto next = integer_of(entry, "next_funding_ms");
    if (auto error = first_error(venue, symbol, rate, mark, index, next)) return *error;
    market.add_funding(*venue, *symbol, scripting::FundingView{*rate, *mark, *index, *next});
  }
  return market;
}

}  // namespace propbot::bundle
