// Binance account endpoints: positionRisk (v2 and v3 shapes), balance, account and
// leverage. Guarantees: numbers as strings, times as numbers (A2); v3 lists only symbols
// with a position or open orders.

#include "core/venues/sim/binance/frontend.hpp"

#include <map>

namespace propbot::venues::sim::binance_frontend {

net::HttpResponse BinanceSimVenue::position_risk(Call& call, bool v3) {
  std::optional<std::string> filter;
  if (call.params.count("symbol")) {
    std::string canonical;
    if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
    filter = canonical;
  }
  std::map<std::string, Position> held;
  for (const auto& position : core_.positions(call.account)) held[position.symbol] = position;
  json out = json::array();
  for (const auto& [canonical, s] : symbols_) {
    if (filter && *filter != canonical) continue;
    auto it = held.find(canonical);
    const bool has_orders = !core_.open_orders(call.account, canonical).empty();
    if (v3 && it == held.end() && !has_orders) continue;
    Position p = it == held.end() ? Position{} : it->second;
    auto mark = core_.accounts().mark(canonical);
    const Decimal mark_price = mark ? *mark : p.mark_price;
    auto notional = p.quantity.mul(mark_price);
    json item{{"symbol", s.venue_symbol},
              {"positionSide", "BOTH"},
              {"positionAmt", p.quantity.to_string()},
              {"entryPrice", p.entry_price.to_string()},
              {"breakEvenPrice", p.entry_price.to_string()},
              {"markPrice", mark_price.to_string()},
              {"unRealizedProfit", p.unrealized_pnl.to_string()},
              {"liquidationPrice", p.liquidation_price.to_string()},
              {"isolatedMargin", "0"},
              {"notional", notional ? notional->normalized().to_string() : "0"},
              {"marginAsset", s.rules.margin_asset},
              {"isolatedWallet", "0"},
              {"updateTime", to_unix_ms(p.updated_at)}};
    if (v3) {
      item["initialMargin"] = "0";
      item["maintMargin"] = "0";
      item["positionInitialMargin"] = "0";
      item["openOrderInitialMargin"] = "0";
      item["adl"] = 0;
      item["bidNotional"] = "0";
      item["askNotional"] = "0";
    } else {
      item["leverage"] = std::to_string(core_.accounts().leverage(call.account, canonical));
      item["marginType"] = "cross";
      item["isAutoAddMargin"] = "false";
      item["maxNotionalValue"] = "1000000";
    }
    out.push_back(std::move(item));
  }
  return ok_json(out);
}

net::HttpResponse BinanceSimVenue::balance(Call& call) {
  json out = json::array();
  for (const auto& b : core_.balances(call.account, call.utc)) {
    out.push_back({{"accountAlias", "SgsR"},
                   {"asset", b.asset},
                   {"balance", b.wallet.to_string()},
                   {"crossWalletBalance", b.wallet.to_string()},
                   {"crossUnPnl", "0"},
                   {"availableBalance", b.available.to_string()},
                   {"maxWithdrawAmount", b.available.to_string()},
                   {"marginAvailable", true},
                   {"updateTime", to_unix_ms(b.updated_at)}});
  }
  return ok_json(out);
}

net::HttpResponse BinanceSimVenue::account(Call& call) {
  json assets = json::array();
  Decimal wallet;
  Decimal available;
  for (const auto& b : core_.balances(call.account, call.utc)) {
    wallet = b.wallet;
    available = b.available;
    assets.push_back({{"asset", b.asset},
                      {"walletBalance", b.wallet.to_string()},
                      {"availableBalance", b.available.to_string()},
                      {"crossWalletBalance", b.wallet.to_string()},
                      {"maxWithdrawAmount", b.available.to_string()},
                      {"marginAvailable", true},
                      {"updateTime", to_unix_ms(b.updated_at)}});
  }
  json positions = json::array();
  for (const auto& p : core_.positions(call.account)) {
    positions.push_back({{"symbol", wire::venue_symbol(p.symbol)},
                         {"positionSide", "BOTH"},
                         {"positionAmt", p.quantity.to_string()},
                         {"entryPrice", p.entry_price.to_string()},
                         {"unrealizedProfit", p.unrealized_pnl.to_string()},
                         {"updateTime", to_unix_ms(p.updated_at)}});
  }
  return ok_json(json{{"totalWalletBalance", wallet.to_string()},
                      {"availableBalance", available.to_string()},
                      {"maxWithdrawAmount", available.to_string()},
                      {"assets", assets},
                      {"positions", positions}});
}

net::HttpResponse BinanceSimVenue::leverage(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
  auto value = call.params.count("leverage") ? to_int(call.params["leverage"]) : std::nullopt;
  if (!value) return binance_error(-1102, mandatory_message("leverage"));
  auto set = core_.set_leverage(call.account, canonical, static_cast<int>(*value));
  if (!set) return binance_error(-4028, "Leverage " + std::to_string(*value) + " is not valid");
  return ok_json(json{{"leverage", set.value()}, {"maxNotionalValue", "1000000"}, {"symbol", symbol->venue_symbol}});
}

}  // namespace propbot::venues::sim::binance_frontend
