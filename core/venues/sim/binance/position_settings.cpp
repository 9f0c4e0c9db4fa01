// Binance per-symbol trading settings a client reads or sets before it opens a position:
// POST /fapi/v1/leverage, POST /fapi/v1/marginType, GET/POST /fapi/v1/positionSide/dual,
// GET /fapi/v1/leverageBracket and GET /fapi/v1/commissionRate.
//
// The simulator is one-way and cross margin only (the exchange core books nothing
// else), so it answers as the venue does for a request that changes nothing
// (CROSSED → -4046, dualSidePosition=false → -4059, what clients treat as success) and
// refuses the other mode with the venue's own ordering of checks (open orders -4047 /
// -4067, position -4048 / -4068) and then -4000 naming the missing feature. One
// notional bracket per symbol: the exchange core's maintenance rate is flat and its
// leverage cap is the instrument's max_leverage, so that is the truthful bracket table.

#include "core/venues/sim/binance/frontend.hpp"

#include <string>

namespace propbot::venues::sim::binance_frontend {

namespace {

json bracket_json(const SymbolState& s) {
  auto cap = Decimal::parse(kBracketNotionalCap);
  return json{{"symbol", s.venue_symbol},
              {"brackets",
               json::array({json{{"bracket", 1},
                                 {"initialLeverage", s.rules.max_leverage},
                                 {"notionalCap", cap ? cap->to_double() : 0.0},
                                 {"notionalFloor", 0},
                                 {"maintMarginRatio", s.rules.maintenance_margin_rate.to_double()},
                                 {"cum", 0.0}}})}};
}

}  // namespace

Holding BinanceSimVenue::holding(const std::string& account, const std::string& canonical) const {
  if (!core_.open_orders(account, canonical).empty()) return Holding::open_orders;
  for (const auto& p : core_.positions(account)) {
    if (p.symbol == canonical && !p.quantity.is_zero()) return Holding::position;
  }
  return Holding::nothing;
}

net::HttpResponse BinanceSimVenue::leverage(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
  auto value = call.params.count("leverage") ? to_int(call.params["leverage"]) : std::nullopt;
  if (!value) return binance_error(-1102, mandatory_message("leverage"));
  auto set = core_.set_leverage(call.account, canonical, static_cast<int>(*value));
  if (!set) return binance_error(-4028, "Leverage " + std::to_string(*value) + " is not valid");
  return ok_json(
      json{{"leverage", set.value()}, {"maxNotionalValue", std::string(kBracketNotionalCap)}, {"symbol", symbol->venue_symbol}});
}

net::HttpResponse BinanceSimVenue::margin_type(Call& call) {
  std::string canonical;
  if (symbol_from(call.params, canonical) == nullptr) {
    return call.params.count("symbol") ? binance_error(-1121, "Invalid symbol.")
                                       : binance_error(-1102, mandatory_message("symbol"));
  }
  auto it = call.params.find("marginType");
  if (it == call.params.end() || it->second.empty()) return binance_error(-1102, mandatory_message("marginType"));
  if (it->second == "CROSSED") return binance_error(-4046, "No need to change margin type.");
  if (it->second != "ISOLATED") return binance_error(-1116, "Invalid marginType.");
  switch (holding(call.account, canonical)) {
    case Holding::open_orders: return binance_error(-4047, "Margin type cannot be changed if there exists open orders.");
    case Holding::position: return binance_error(-4048, "Margin type cannot be changed if there exists position.");
    case Holding::nothing: break;
  }
  return binance_error(-4000, "Isolated margin is not simulated: this venue simulator trades cross margin only.");
}

net::HttpResponse BinanceSimVenue::position_mode(Call& call) {
  if (call.request.method == "GET") return ok_json(json{{"dualSidePosition", false}});
  auto it = call.params.find("dualSidePosition");
  if (it == call.params.end() || (it->second != "true" && it->second != "false")) {
    return binance_error(-1102, mandatory_message("dualSidePosition"));
  }
  if (it->second == "false") return binance_error(-4059, "No need to change position side.");
  for (const auto& [canonical, s] : symbols_) {
    switch (holding(call.account, canonical)) {
      case Holding::open_orders:
        return binance_error(-4067, "Position side cannot be changed if there exists open orders.");
      case Holding::position: return binance_error(-4068, "Position side cannot be changed if there exists position.");
      case Holding::nothing: break;
    }
  }
  return binance_error(-4000, "Hedge mode is not simulated: this venue simulator trades one-way (BOTH) only.");
}

net::HttpResponse BinanceSimVenue::leverage_bracket(Call& call) {
  if (call.params.count("symbol")) {
    std::string canonical;
    const SymbolState* symbol = symbol_from(call.params, canonical);
    if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
    return ok_json(bracket_json(*symbol));
  }
  json out = json::array();
  for (const auto& [canonical, s] : symbols_) out.push_back(bracket_json(s));
  return ok_json(out);
}

net::HttpResponse BinanceSimVenue::commission_rate(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) {
    return call.params.count("symbol") ? binance_error(-1121, "Invalid symbol.")
                                       : binance_error(-1102, mandatory_message("symbol"));
  }
  return ok_json(json{{"symbol", symbol->venue_symbol},
                      {"makerCommissionRate", symbol->rules.maker_fee_rate.to_string()},
                      {"takerCommissionRate", symbol->rules.taker_fee_rate.to_string()}});
}

}  // namespace propbot::venues::sim::binance_frontend
