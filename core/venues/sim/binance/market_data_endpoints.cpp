// Binance public market-data endpoints: exchangeInfo, depth (the REST snapshot of the
// published book, A7) and premiumIndex. Guarantees: the depth snapshot's lastUpdateId
// bridges the next diff (U <= lastUpdateId <= u) unless the fault gate corrupts it.

#include "core/venues/sim/binance/frontend.hpp"

#include <set>

namespace propbot::venues::sim::binance_frontend {

const SymbolState* BinanceSimVenue::symbol_from(const Params& params, std::string& canonical) const {
  auto it = params.find("symbol");
  if (it == params.end()) return nullptr;
  auto found = by_venue_symbol_.find(it->second);
  if (found == by_venue_symbol_.end()) return nullptr;
  canonical = found->second;
  return &symbols_.at(canonical);
}

net::HttpResponse BinanceSimVenue::exchange_info(Call& call) const {
  json symbols = json::array();
  for (const auto& [canonical, s] : symbols_) {
    const auto dash = canonical.find('-');
    const std::string base = canonical.substr(0, dash);
    const std::string quote = dash == std::string::npos ? "USDT" : canonical.substr(dash + 1);
    const std::string tick = s.rules.tick.to_string();
    const std::string step = s.rules.step.to_string();
    symbols.push_back(
        {{"symbol", s.venue_symbol},
         {"pair", s.venue_symbol},
         {"contractType", "PERPETUAL"},
         {"deliveryDate", 4133404800000LL},
         {"onboardDate", 1569398400000LL},
         {"status", "TRADING"},
         {"maintMarginPercent", "2.5000"},
         {"requiredMarginPercent", "5.0000"},
         {"baseAsset", base},
         {"quoteAsset", quote},
         {"marginAsset", s.rules.margin_asset},
         {"pricePrecision", s.rules.tick.scale()},
         {"quantityPrecision", s.rules.step.scale()},
         {"baseAssetPrecision", 8},
         {"quotePrecision", 8},
         {"underlyingType", "COIN"},
         {"triggerProtect", "0.0500"},
         {"liquidationFee", "0.012500"},
         {"marketTakeBound", "0.05"},
         {"filters",
          json::array({{{"filterType", "PRICE_FILTER"}, {"minPrice", tick}, {"maxPrice", "10000000"}, {"tickSize", tick}},
                       {{"filterType", "LOT_SIZE"},
                        {"minQty", s.rules.min_qty.to_string()},
                        {"maxQty", "100000"},
                        {"stepSize", step}},
                       {{"filterType", "MARKET_LOT_SIZE"},
                        {"minQty", s.rules.min_qty.to_string()},
                        {"maxQty", "100000"},
                        {"stepSize", step}},
                       {{"filterType", "MAX_NUM_ORDERS"}, {"limit", 200}},
                       {{"filterType", "MAX_NUM_ALGO_ORDERS"}, {"limit", 10}},
                       {{"filterType", "MIN_NOTIONAL"}, {"notional", s.rules.min_notional.to_string()}},
                       {{"filterType", "PERCENT_PRICE"},
                        {"multiplierUp", "1.0500"},
                        {"multiplierDown", "0.9500"},
                        {"multiplierDecimal", "4"}}})},
         {"underlyingSubType", json::array({"PoW"})},
         {"settlePlan", 0},
         // The live venue sends orderTypes; the documented example spells it OrderType.
         // Both are served so a client written against either finds it.
         {"orderTypes", json::array({"LIMIT", "MARKET"})},
         {"OrderType", json::array({"LIMIT", "MARKET"})},
         {"timeInForce", json::array({"GTC", "IOC", "FOK", "GTX"})}});
  }
  json info{{"timezone", "UTC"},
            {"serverTime", call.server_ms},
            {"futuresType", "U_MARGINED"},
            {"rateLimits",
             json::array({{{"rateLimitType", "REQUEST_WEIGHT"}, {"interval", "MINUTE"}, {"intervalNum", 1}, {"limit", 2400}},
                          {{"rateLimitType", "ORDERS"}, {"interval", "MINUTE"}, {"intervalNum", 1}, {"limit", 1200}},
                          {{"rateLimitType", "ORDERS"}, {"interval", "SECOND"}, {"intervalNum", 10}, {"limit", 300}}})},
            {"exchangeFilters", json::array()},
            {"assets", json::array({{{"asset", "USDT"}, {"marginAvailable", true}, {"autoAssetExchange", "-10000"}}})},
            {"symbols", symbols}};
  return ok_json(info);
}

net::HttpResponse BinanceSimVenue::depth(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
  std::int64_t limit = 500;
  if (call.params.count("limit")) {
    auto parsed = to_int(call.params["limit"]);
    static const std::set<std::int64_t> valid = {5, 10, 20, 50, 100, 500, 1000};
    if (!parsed || !valid.count(*parsed)) return binance_error(-1102, mandatory_message("limit"));
    limit = *parsed;
  }
  // The published book is the state after event u = last_update_id; the snapshot names
  // the next id, which the next diff's [U, u] range covers (it starts at last u + 1), so
  // a client that connected after the last diff still finds its bridging event
  // (U <= lastUpdateId <= u, A7 step 5), and every event it buffered before is older
  // than the snapshot (u < lastUpdateId) and dropped. Quantities are absolute, so the
  // bridging event applies correctly on top.
  std::int64_t last_update_id = symbol->last_update_id + 1;
  if (faults_.take_corrupt_snapshot()) {
    // An id older than the stream's: the first buffered diff cannot bridge it (U >
    // lastUpdateId), so a correct client detects the gap and re-fetches.
    last_update_id = last_update_id > 2 ? last_update_id / 2 : last_update_id + 1'000'000;
  }
  json bids = json::array();
  json asks = json::array();
  for (auto it = symbol->bids.rbegin(); it != symbol->bids.rend() && static_cast<std::int64_t>(bids.size()) < limit; ++it) {
    bids.push_back({it->first.to_string(), it->second.to_string()});
  }
  for (auto it = symbol->asks.begin(); it != symbol->asks.end() && static_cast<std::int64_t>(asks.size()) < limit; ++it) {
    asks.push_back({it->first.to_string(), it->second.to_string()});
  }
  return ok_json(json{{"lastUpdateId", last_update_id},
                      {"E", call.server_ms},
                      {"T", call.server_ms},
                      {"bids", bids},
                      {"asks", asks}});
}

std::int64_t BinanceSimVenue::next_funding_ms(UtcTime utc) const {
  if (next_funding_) return to_unix_ms(*next_funding_);
  constexpr std::int64_t kEightHours = 8LL * 3600 * 1000;
  const std::int64_t now = to_unix_ms(utc);
  return (now / kEightHours + 1) * kEightHours;
}

net::HttpResponse BinanceSimVenue::premium_index(Call& call) const {
  auto one = [&](const SymbolState& s) {
    auto mark = core_.accounts().mark(s.rules.symbol);
    const std::string mark_text = mark ? mark->to_string() : "0";
    std::string index = mark_text;
    std::string rate = "0";
    if (s.tick) {
      if (auto d = Decimal::from_double(s.tick->index > 0 ? s.tick->index : s.tick->mid, 8)) index = d->normalized().to_string();
      if (auto d = Decimal::from_double(s.tick->funding_rate, 8)) rate = d->to_string();
    }
    return json{{"symbol", s.venue_symbol},
                {"markPrice", mark_text},
                {"indexPrice", index},
                {"estimatedSettlePrice", mark_text},
                {"lastFundingRate", rate},
                {"interestRate", "0.00010000"},
                {"nextFundingTime", next_funding_ms(call.utc)},
                {"time", call.server_ms}};
  };
  if (call.params.count("symbol")) {
    std::string canonical;
    const SymbolState* symbol = symbol_from(call.params, canonical);
    if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
    return ok_json(one(*symbol));
  }
  json all = json::array();
  for (const auto& [canonical, s] : symbols_) all.push_back(one(s));
  return ok_json(all);
}

}  // namespace propbot::venues::sim::binance_frontend
