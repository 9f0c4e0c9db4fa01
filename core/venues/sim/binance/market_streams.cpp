// The Binance public market streams: depth diffs (U/u/pu chained, A7), bookTicker and
// markPrice, published to every session subscribed, raw or combined. Guarantees: a
// diff's U = previous u + 1 and pu = previous u, even when the fault gate drops one
// (the gap is what a client must detect); one shared string per message per form.

#include "core/venues/sim/binance/frontend.hpp"

#include <map>
#include <optional>

namespace propbot::venues::sim::binance_frontend {

void BinanceSimVenue::publish_book(SymbolState& s, UtcTime utc) {
  const OrderBookEngine* book = core_.book(s.rules.symbol);
  if (book == nullptr) return;
  std::map<Decimal, Decimal> bids;
  std::map<Decimal, Decimal> asks;
  for (const auto& level : book->depth(OrderSide::buy, kPublishedLevels)) bids[level.price] = level.quantity;
  for (const auto& level : book->depth(OrderSide::sell, kPublishedLevels)) asks[level.price] = level.quantity;
  auto diff = [](const std::map<Decimal, Decimal>& before, const std::map<Decimal, Decimal>& after) {
    json out = json::array();
    for (const auto& [price, quantity] : before) {
      if (!after.count(price)) out.push_back({price.to_string(), "0"});
    }
    for (const auto& [price, quantity] : after) {
      auto it = before.find(price);
      if (it == before.end() || it->second != quantity) out.push_back({price.to_string(), quantity.to_string()});
    }
    return out;
  };
  json bid_changes = diff(s.bids, bids);
  json ask_changes = diff(s.asks, asks);
  if (bid_changes.empty() && ask_changes.empty()) return;
  const std::int64_t changes = static_cast<std::int64_t>(bid_changes.size() + ask_changes.size());
  const std::int64_t previous = s.last_update_id;
  const std::int64_t first = previous + 1;
  const std::int64_t last = previous + changes;
  s.bids = std::move(bids);
  s.asks = std::move(asks);
  s.last_update_id = last;
  ++s.diffs;
  const std::int64_t now_ms = to_unix_ms(utc);
  if (!faults_.drop_diff(s.diffs)) {
    ++diffs_published_;
    const std::string raw = json{{"e", "depthUpdate"},
                                 {"E", now_ms},
                                 {"T", now_ms},
                                 {"s", s.venue_symbol},
                                 {"U", first},
                                 {"u", last},
                                 {"pu", previous},
                                 {"b", bid_changes},
                                 {"a", ask_changes}}
                                .dump();
    for (const char* suffix : {"@depth", "@depth@100ms", "@depth@500ms"}) publish(s.stream_symbol + suffix, raw);
  }
  std::optional<std::pair<Decimal, Decimal>> best_bid;
  std::optional<std::pair<Decimal, Decimal>> best_ask;
  if (!s.bids.empty()) best_bid = *s.bids.rbegin();
  if (!s.asks.empty()) best_ask = *s.asks.begin();
  if (best_bid != s.published_bid || best_ask != s.published_ask) {
    s.published_bid = best_bid;
    s.published_ask = best_ask;
    const std::string raw = json{{"e", "bookTicker"},
                                 {"u", s.last_update_id},
                                 {"E", now_ms},
                                 {"T", now_ms},
                                 {"s", s.venue_symbol},
                                 {"b", best_bid ? best_bid->first.to_string() : "0"},
                                 {"B", best_bid ? best_bid->second.to_string() : "0"},
                                 {"a", best_ask ? best_ask->first.to_string() : "0"},
                                 {"A", best_ask ? best_ask->second.to_string() : "0"}}
                                .dump();
    publish(s.stream_symbol + "@bookTicker", raw);
  }
}

void BinanceSimVenue::publish_mark(const SymbolState& s, UtcTime utc) {
  auto mark = core_.accounts().mark(s.rules.symbol);
  if (!mark || !s.tick) return;
  std::string index = mark->to_string();
  if (auto d = Decimal::from_double(s.tick->index > 0 ? s.tick->index : s.tick->mid, 8)) index = d->normalized().to_string();
  std::string rate = "0";
  if (auto d = Decimal::from_double(s.tick->funding_rate, 8)) rate = d->to_string();
  const std::string raw = json{{"e", "markPriceUpdate"},
                               {"E", to_unix_ms(utc)},
                               {"s", s.venue_symbol},
                               {"p", mark->to_string()},
                               {"i", index},
                               {"P", mark->to_string()},
                               {"r", rate},
                               {"T", next_funding_ms(utc)}}
                              .dump();
  publish(s.stream_symbol + "@markPrice", raw);
  publish(s.stream_symbol + "@markPrice@1s", raw);
}

void BinanceSimVenue::publish(const std::string& stream, const std::string& raw) {
  std::shared_ptr<const std::string> raw_message;
  std::shared_ptr<const std::string> combined_message;
  for (auto& [id, session] : sessions_) {
    if (!session.streams.count(stream)) continue;
    if (session.combined) {
      if (!combined_message) {
        combined_message = std::make_shared<const std::string>("{\"stream\":" + json(stream).dump() + ",\"data\":" + raw + "}");
      }
      session.session->send(combined_message);
    } else {
      if (!raw_message) raw_message = std::make_shared<const std::string>(raw);
      session.session->send(raw_message);
    }
  }
}

}  // namespace propbot::venues::sim::binance_frontend
