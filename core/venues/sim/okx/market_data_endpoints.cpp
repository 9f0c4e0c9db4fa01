// OKX public REST: time, instruments (SWAP), market/books, funding-rate and mark-price,
// and the JSON shapes they share with the public channels (instrument, funding, mark),
// with every field of the documented objects (tests/fixtures/venues/golden/okx).
// Guarantees: times are the venue's clock (with skew); book levels are the exact
// strings the books channel publishes.

#include "core/venues/sim/okx/frontend.hpp"

#include <algorithm>
#include <exception>

#include "core/venues/okx/symbols.hpp"

namespace propbot::venues::sim::okx_frontend {

const Instrument* OkxSimVenue::instrument_by_inst_id(const std::string& inst_id) const {
  auto it = by_inst_id_.find(inst_id);
  return it == by_inst_id_.end() ? nullptr : &instruments_.at(it->second);
}

json OkxSimVenue::instrument_json(const Instrument& instrument) const {
  const std::string base = instrument.rules.symbol.substr(0, instrument.rules.symbol.find('-'));
  return json{{"instType", "SWAP"},
              {"instId", instrument.inst_id},
              {"uly", instrument.rules.symbol},
              {"instFamily", instrument.rules.symbol},
              {"baseCcy", ""},
              {"quoteCcy", ""},
              {"settleCcy", instrument.rules.margin_asset},
              {"ctVal", wire::text(instrument.ct_val)},
              {"ctMult", "1"},
              {"ctValCcy", base},
              {"ctType", "linear"},
              {"tickSz", wire::text(instrument.rules.tick)},
              {"lotSz", wire::text(instrument.lot_sz)},
              {"minSz", wire::text(instrument.min_sz)},
              {"maxLmtSz", "100000000"},
              {"maxMktSz", "1000000"},
              {"lever", std::to_string(instrument.rules.max_leverage)},
              {"state", "live"},
              {"listTime", "1611916828000"},
              {"expTime", ""},
              {"alias", ""},
              {"category", "1"},
              {"ruleType", "normal"},
              {"optType", ""},
              {"stk", ""},
              {"contTdSwTime", ""},
              {"openType", ""},
              {"maxLmtAmt", "20000000"},
              {"maxMktAmt", "1000000"},
              {"maxTwapSz", ""},
              {"maxIcebergSz", ""},
              {"maxTriggerSz", ""},
              {"maxStopSz", ""},
              {"futureSettlement", false},
              {"tradeQuoteCcyList", json::array()}};
}

net::HttpResponse OkxSimVenue::get_time(const net::HttpRequest&, const std::string&) {
  return make_response(200, wire::ok_body(json::array({json{{"ts", wire::ms_text(server_now())}}})));
}

net::HttpResponse OkxSimVenue::get_instruments(const net::HttpRequest& request, const std::string&) {
  auto type = request.query.find("instType");
  if (type == request.query.end()) return top_level_error("51000", "Parameter instType error");
  json data = json::array();
  if (type->second == "SWAP") {
    auto inst_id = request.query.find("instId");
    for (const auto& [symbol, instrument] : instruments_) {
      if (inst_id != request.query.end() && inst_id->second != instrument.inst_id) continue;
      data.push_back(instrument_json(instrument));
    }
  }
  return make_response(200, wire::ok_body(data));
}

std::vector<WireLevel> OkxSimVenue::current_levels(const Instrument& instrument, OrderSide side, std::size_t limit) const {
  std::vector<WireLevel> out;
  const OrderBookEngine* book = core_.book(instrument.rules.symbol);
  if (book == nullptr) return out;
  for (const PriceLevel& level : book->depth(side, limit)) {
    out.push_back(
        WireLevel{wire::text(level.price), wire::text(wire::base_to_contracts(level.quantity, instrument.ct_val))});
  }
  return out;
}

net::HttpResponse OkxSimVenue::get_books(const net::HttpRequest& request, const std::string&) {
  auto inst_id = request.query.find("instId");
  if (inst_id == request.query.end()) return top_level_error("51000", "Parameter instId error");
  const Instrument* instrument = instrument_by_inst_id(inst_id->second);
  if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
  std::size_t depth = 1;
  if (auto sz = request.query.find("sz"); sz != request.query.end()) {
    try {
      depth = static_cast<std::size_t>(std::clamp(std::stoi(sz->second), 1, static_cast<int>(kMaxBookLevels)));
    } catch (const std::exception&) {
      return top_level_error("51000", "Parameter sz error");
    }
  }
  json book = {{"asks", levels_json(current_levels(*instrument, OrderSide::sell, depth))},
               {"bids", levels_json(current_levels(*instrument, OrderSide::buy, depth))},
               {"ts", wire::ms_text(server_now())}};
  return make_response(200, wire::ok_body(json::array({book})));
}

json OkxSimVenue::funding_json(const Instrument& instrument, const MarketState& market) const {
  const auto now = server_now();
  // The host's next settlement (set_funding_schedule); before it is known, the next
  // multiple of 8 h.
  UtcTime next{};
  if (next_funding_) {
    next = *next_funding_;
  } else {
    const auto eight_hours = std::chrono::hours(8);
    const auto since_epoch = std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch());
    next = UtcTime{(since_epoch / eight_hours + 1) * eight_hours};
  }
  return json{{"instType", "SWAP"},
              {"instId", instrument.inst_id},
              {"fundingRate", wire::text(market.funding_rate)},
              {"nextFundingRate", ""},
              {"fundingTime", wire::ms_text(next)},
              {"nextFundingTime", wire::ms_text(next + funding_interval_)},
              {"method", "current_period"},
              {"formulaType", "noRate"},
              {"minFundingRate", "-0.0075"},
              {"maxFundingRate", "0.0075"},
              {"interestRate", "0.0001"},
              {"impactValue", ""},
              {"settState", "processing"},
              {"settFundingRate", wire::text(market.funding_rate)},
              {"premium", ""},
              {"ts", wire::ms_text(now)}};
}

json OkxSimVenue::mark_json(const Instrument& instrument, const MarketState& market) const {
  return json{{"instType", "SWAP"},
              {"instId", instrument.inst_id},
              {"markPx", wire::text(market.mark)},
              {"ts", wire::ms_text(server_now())}};
}

net::HttpResponse OkxSimVenue::get_funding_rate(const net::HttpRequest& request, const std::string&) {
  auto inst_id = request.query.find("instId");
  if (inst_id == request.query.end()) return top_level_error("51000", "Parameter instId error");
  const Instrument* instrument = instrument_by_inst_id(inst_id->second);
  if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
  return make_response(
      200, wire::ok_body(json::array({funding_json(*instrument, markets_.at(instrument->rules.symbol))})));
}

net::HttpResponse OkxSimVenue::get_mark_price(const net::HttpRequest& request, const std::string&) {
  auto inst_id = request.query.find("instId");
  json data = json::array();
  for (const auto& [symbol, instrument] : instruments_) {
    if (inst_id != request.query.end() && inst_id->second != instrument.inst_id) continue;
    const MarketState& market = markets_.at(symbol);
    if (!market.has_tick && market.mark.is_zero()) continue;
    data.push_back(mark_json(instrument, market));
  }
  return make_response(200, wire::ok_body(data));
}

}  // namespace propbot::venues::sim::okx_frontend
