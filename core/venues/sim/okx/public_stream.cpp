// The OKX public channels: books (snapshot on subscribe, then updates with
// seqId/prevSeqId and the checksum), bbo-tbt, mark-price and funding-rate. Guarantees:
// prevSeqId chains every update to the previous one even when the fault gate drops one
// (the gap is what a client must detect); bbo-tbt goes before books (B6).

#include "core/venues/sim/okx/frontend.hpp"

namespace propbot::venues::sim::okx_frontend {

void OkxSimVenue::broadcast_public(std::string_view channel, const std::string& inst_id, const std::string& text) {
  auto shared = std::make_shared<const std::string>(text);
  for (auto& [id, session] : sessions_) {
    if (session.is_private) continue;
    if (session.subscribed(channel, inst_id)) session.socket->send(shared);
  }
}

json OkxSimVenue::book_snapshot_message(const Instrument& instrument, const MarketState& market, bool corrupt) const {
  std::int32_t checksum = checksum_of(market.bids, market.asks);
  if (corrupt) checksum = static_cast<std::int32_t>(static_cast<std::uint32_t>(checksum) + 1U);
  json data = {{"asks", levels_json(market.asks)},
               {"bids", levels_json(market.bids)},
               {"ts", wire::ms_text(server_now())},
               {"checksum", checksum},
               {"prevSeqId", -1},
               {"seqId", market.seq_id}};
  return json{{"arg", {{"channel", "books"}, {"instId", instrument.inst_id}}},
              {"action", "snapshot"},
              {"data", json::array({data})}};
}

json OkxSimVenue::bbo_message(const Instrument& instrument, const MarketState& market) const {
  json data = {{"asks", levels_json(market.asks, 1)},
               {"bids", levels_json(market.bids, 1)},
               {"ts", wire::ms_text(server_now())},
               {"seqId", market.seq_id}};
  return json{{"arg", {{"channel", "bbo-tbt"}, {"instId", instrument.inst_id}}}, {"data", json::array({data})}};
}

void OkxSimVenue::publish_market(const std::string& symbol, UtcTime) {
  const Instrument& instrument = instruments_.at(symbol);
  MarketState& market = markets_.at(symbol);
  std::vector<WireLevel> bids = current_levels(instrument, OrderSide::buy, kMaxBookLevels);
  std::vector<WireLevel> asks = current_levels(instrument, OrderSide::sell, kMaxBookLevels);
  json bid_diff = diff_side(market.bids, bids);
  json ask_diff = diff_side(market.asks, asks);
  if (!bid_diff.empty() || !ask_diff.empty()) {
    const std::int64_t prev = market.seq_id;
    market.seq_id += 1;
    market.bids = std::move(bids);
    market.asks = std::move(asks);
    market.diffs += 1;
    if (!faults_.drop_diff(static_cast<std::uint64_t>(market.diffs))) {
      json data = {{"asks", ask_diff},
                   {"bids", bid_diff},
                   {"ts", wire::ms_text(server_now())},
                   {"checksum", checksum_of(market.bids, market.asks)},
                   {"prevSeqId", prev},
                   {"seqId", market.seq_id}};
      json message = {{"arg", {{"channel", "books"}, {"instId", instrument.inst_id}}},
                      {"action", "update"},
                      {"data", json::array({data})}};
      // bbo-tbt goes first on a connection (B6).
      if (!market.bids.empty() || !market.asks.empty()) {
        broadcast_public("bbo-tbt", instrument.inst_id, bbo_message(instrument, market).dump());
      }
      broadcast_public("books", instrument.inst_id, message.dump());
    }
  }
  broadcast_public("mark-price", instrument.inst_id,
                   json{{"arg", {{"channel", "mark-price"}, {"instId", instrument.inst_id}}},
                        {"data", json::array({mark_json(instrument, market)})}}
                       .dump());
  broadcast_public("funding-rate", instrument.inst_id,
                   json{{"arg", {{"channel", "funding-rate"}, {"instId", instrument.inst_id}}},
                        {"data", json::array({funding_json(instrument, market)})}}
                       .dump());
}

}  // namespace propbot::venues::sim::okx_frontend
