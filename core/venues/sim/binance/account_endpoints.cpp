// Binance account endpoints: positionRisk (v2 and v3 shapes), balance (v2/v3) and
// account (v2/v3), with every field of the venue's documented examples
// (tests/fixtures/venues/golden/binance). Guarantees: numbers as strings, times as
// numbers (A2); v3 positionRisk lists only symbols with a position or open orders; every
// margin figure is computed from the simulated account (AccountBook::symbol_margin /
// account_margin) at the configured leverage — margin balance = wallet + unrealised,
// initial = position initial (|qty| × mark / leverage) + open-order initial (the orders'
// reservations), available = margin balance − initial.

#include "core/venues/sim/binance/frontend.hpp"

#include <map>

namespace propbot::venues::sim::binance_frontend {

namespace {

std::string text(Decimal d) { return d.to_string(); }

Decimal sum(Decimal a, Decimal b) {
  auto r = a.add(b);
  return r ? *r : a;
}

// What may leave the account: the wallet, but never more than what is free.
Decimal max_withdraw(const AccountMargin& m) {
  Decimal free = m.available.is_negative() ? Decimal{} : m.available;
  return free < m.wallet ? free : m.wallet;
}

}  // namespace

OrderNotionals BinanceSimVenue::order_notionals(const std::string& account, const std::string& canonical) const {
  OrderNotionals out;
  for (const auto& order : core_.open_orders(account, canonical)) {
    auto remaining = order.quantity.sub(order.filled_quantity);
    if (!remaining || !order.price) continue;
    auto notional = remaining->mul(*order.price);
    if (!notional) continue;
    Decimal& side = order.side == OrderSide::buy ? out.bid : out.ask;
    side = sum(side, notional->normalized());
  }
  return out;
}

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
              {"positionAmt", text(p.quantity)},
              {"entryPrice", text(p.entry_price)},
              {"breakEvenPrice", text(p.entry_price)},
              {"markPrice", text(mark_price)},
              {"unRealizedProfit", text(p.unrealized_pnl)},
              {"liquidationPrice", text(p.liquidation_price)},
              {"isolatedMargin", "0"},
              {"notional", notional ? notional->normalized().to_string() : "0"},
              {"marginAsset", s.rules.margin_asset},
              {"isolatedWallet", "0"},
              {"updateTime", to_unix_ms(p.updated_at)}};
    if (v3) {
      const SymbolMargin m = core_.accounts().symbol_margin(call.account, canonical);
      const OrderNotionals orders = order_notionals(call.account, canonical);
      item["initialMargin"] = text(sum(m.position_initial, m.open_order_initial));
      item["maintMargin"] = text(m.maintenance);
      item["positionInitialMargin"] = text(m.position_initial);
      item["openOrderInitialMargin"] = text(m.open_order_initial);
      item["adl"] = 0;
      item["bidNotional"] = text(orders.bid);
      item["askNotional"] = text(orders.ask);
    } else {
      item["leverage"] = std::to_string(core_.accounts().leverage(call.account, canonical));
      item["marginType"] = "cross";
      item["isAutoAddMargin"] = "false";
      item["maxNotionalValue"] = std::string(kBracketNotionalCap);
    }
    out.push_back(std::move(item));
  }
  return ok_json(out);
}

net::HttpResponse BinanceSimVenue::balance(Call& call) {
  const AccountMargin m = core_.accounts().account_margin(call.account);
  json out = json::array();
  for (const auto& b : core_.balances(call.account, call.utc)) {
    out.push_back({{"accountAlias", "SgsR"},
                   {"asset", b.asset},
                   {"balance", text(b.wallet)},
                   {"crossWalletBalance", text(b.wallet)},
                   {"crossUnPnl", text(m.unrealized_pnl)},
                   {"availableBalance", text(m.available)},
                   {"maxWithdrawAmount", text(max_withdraw(m))},
                   {"marginAvailable", true},
                   {"updateTime", to_unix_ms(b.updated_at)}});
  }
  return ok_json(out);
}

// GET /fapi/v2/account and /fapi/v3/account: the documented fields of the version asked
// (v2 adds the account flags, marginAvailable and per-symbol leverage for EVERY symbol;
// v3 lists only symbols with a position or open orders). Single-asset mode: one USDT
// asset, and the totals are that asset's figures.
net::HttpResponse BinanceSimVenue::account(Call& call, bool v3) {
  const AccountMargin m = core_.accounts().account_margin(call.account);
  const Decimal margin_balance = sum(m.wallet, m.unrealized_pnl);
  const Decimal initial = sum(m.position_initial, m.open_order_initial);
  const std::int64_t now_ms = to_unix_ms(call.utc);
  json assets = json::array();
  for (const auto& b : core_.balances(call.account, call.utc)) {
    json asset{{"asset", b.asset},
               {"walletBalance", text(m.wallet)},
               {"unrealizedProfit", text(m.unrealized_pnl)},
               {"marginBalance", text(margin_balance)},
               {"maintMargin", text(m.maintenance)},
               {"initialMargin", text(initial)},
               {"positionInitialMargin", text(m.position_initial)},
               {"openOrderInitialMargin", text(m.open_order_initial)},
               {"crossWalletBalance", text(m.wallet)},
               {"crossUnPnl", text(m.unrealized_pnl)},
               {"availableBalance", text(m.available)},
               {"maxWithdrawAmount", text(max_withdraw(m))},
               {"updateTime", now_ms}};
    if (!v3) asset["marginAvailable"] = true;
    assets.push_back(std::move(asset));
  }
  std::map<std::string, Position> held;
  for (const auto& p : core_.positions(call.account)) held[p.symbol] = p;
  json positions = json::array();
  for (const auto& [canonical, s] : symbols_) {
    auto it = held.find(canonical);
    const bool has_orders = !core_.open_orders(call.account, canonical).empty();
    if (v3 && it == held.end() && !has_orders) continue;
    const Position p = it == held.end() ? Position{} : it->second;
    const SymbolMargin margin = core_.accounts().symbol_margin(call.account, canonical);
    json item{{"symbol", s.venue_symbol},
              {"positionSide", "BOTH"},
              {"positionAmt", text(p.quantity)},
              {"unrealizedProfit", text(margin.unrealized_pnl)},
              {"initialMargin", text(sum(margin.position_initial, margin.open_order_initial))},
              {"maintMargin", text(margin.maintenance)},
              {"updateTime", to_unix_ms(p.updated_at)}};
    if (v3) {
      auto mark = core_.accounts().mark(canonical);
      auto notional = p.quantity.mul(mark ? *mark : p.entry_price);
      item["isolatedMargin"] = "0";
      item["notional"] = notional ? notional->normalized().to_string() : "0";
      item["isolatedWallet"] = "0";
    } else {
      const OrderNotionals orders = order_notionals(call.account, canonical);
      item["positionInitialMargin"] = text(margin.position_initial);
      item["openOrderInitialMargin"] = text(margin.open_order_initial);
      item["leverage"] = std::to_string(core_.accounts().leverage(call.account, canonical));
      item["isolated"] = false;
      item["entryPrice"] = text(p.entry_price);
      item["maxNotional"] = std::string(kBracketNotionalCap);
      item["bidNotional"] = text(orders.bid);
      item["askNotional"] = text(orders.ask);
    }
    positions.push_back(std::move(item));
  }
  json out{{"totalInitialMargin", text(initial)},
           {"totalMaintMargin", text(m.maintenance)},
           {"totalWalletBalance", text(m.wallet)},
           {"totalUnrealizedProfit", text(m.unrealized_pnl)},
           {"totalMarginBalance", text(margin_balance)},
           {"totalPositionInitialMargin", text(m.position_initial)},
           {"totalOpenOrderInitialMargin", text(m.open_order_initial)},
           {"totalCrossWalletBalance", text(m.wallet)},
           {"totalCrossUnPnl", text(m.unrealized_pnl)},
           {"availableBalance", text(m.available)},
           {"maxWithdrawAmount", text(max_withdraw(m))},
           {"assets", std::move(assets)},
           {"positions", std::move(positions)}};
  if (!v3) {
    out["feeTier"] = 0;
    out["feeBurn"] = false;
    out["canTrade"] = true;
    out["canDeposit"] = true;
    out["canWithdraw"] = true;
    out["updateTime"] = 0;
    out["multiAssetsMargin"] = false;
    out["tradeGroupId"] = -1;
  }
  return ok_json(out);
}

}  // namespace propbot::venues::sim::binance_frontend
