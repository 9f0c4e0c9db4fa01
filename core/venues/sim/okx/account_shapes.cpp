// The OKX position and balance objects (account/positions, account/balance and the
// positions, account and balance_and_position channels), with every field of the
// documented objects (tests/fixtures/venues/golden/okx). Sizes in contracts, money as
// normalised decimal text. Margin figures come from the exchange core's account book
// (AccountBook::symbol_margin / account_margin) at the configured leverage: imr =
// position initial margin, ordFrozen = open orders' initial margin, mmr = maintenance,
// availEq = eq − imr − ordFrozen. Fields of features the simulator does not have
// (isolated margin, borrowing, options, portfolio margin, spot) are "" or "0" as OKX
// sends them for a cross SWAP account in single-currency margin mode.

#include "core/venues/sim/okx/frontend.hpp"

#include <algorithm>

namespace propbot::venues::sim::okx_frontend {

namespace {

constexpr const char* kEmptyPositionFields[] = {
    "posCcy", "availPos", "nonSettleAvgPx", "margin", "liab", "liabCcy", "interest", "optVal",
    "pendingCloseOrdLiabVal", "usdPx", "deltaBS", "deltaPA", "gammaBS", "gammaPA", "thetaBS", "thetaPA", "vegaBS",
    "vegaPA", "spotInUseAmt", "spotInUseCcy", "clSpotInUseAmt", "maxSpotInUseAmt", "bizRefId", "bizRefType",
    "settledPnl"};

constexpr const char* kZeroBalanceDetailFields[] = {
    "isoEq", "fixedBal", "liab", "uplLiab", "crossLiab", "rewardBal", "isoLiab", "interest", "twap", "borrowFroz",
    "stgyEq", "isoUpl", "spotIsoBal", "smtSyncEq", "spotCopyTradingEq", "colBorrAutoConversion", "autoLendMtAmt"};
constexpr const char* kEmptyBalanceDetailFields[] = {
    "maxLoan", "spotInUseAmt", "clSpotInUseAmt", "maxSpotInUse", "maxSpotInUseAmt", "spotBal", "openAvgPx",
    "accAvgPx", "spotUpl", "spotUplRatio", "totalPnl", "totalPnlRatio"};

Decimal add(Decimal a, Decimal b) {
  auto r = a.add(b);
  return r ? *r : a;
}
Decimal sub(Decimal a, Decimal b) {
  auto r = a.sub(b);
  return r ? *r : a;
}
// a / b at 8 digits, or nullopt when b is zero.
std::optional<Decimal> ratio(Decimal a, Decimal b) {
  if (b.is_zero()) return std::nullopt;
  auto r = a.div(b, 8, RoundMode::nearest);
  if (!r) return std::nullopt;
  return r->normalized();
}
std::string ratio_text(Decimal a, Decimal b) {
  auto r = ratio(a, b);
  return r ? wire::text(*r) : "";
}

}  // namespace

void OkxSimVenue::track_position_totals(const std::vector<Event>& events) {
  for (const Event& event : events) {
    if (const auto* filled = std::get_if<OrderFilled>(&event)) {
      PositionTotals& totals = position_totals_[{filled->account, filled->order.symbol}];
      if (totals.flat) totals = PositionTotals{};
      totals.pnl = add(totals.pnl, filled->fill.realized_pnl);
      totals.fee = sub(totals.fee, filled->fill.fee);  // OKX: negative when charged
    } else if (const auto* changed = std::get_if<PositionChanged>(&event)) {
      position_totals_[{changed->account, changed->position.symbol}].flat = changed->position.quantity.is_zero();
    } else if (const auto* funding = std::get_if<FundingPaid>(&event)) {
      PositionTotals& totals = position_totals_[{funding->account, funding->symbol}];
      totals.funding_fee = sub(totals.funding_fee, funding->amount);
    }
  }
}

json OkxSimVenue::position_json(const std::string& account, const Position& position) const {
  const Instrument& instrument = instruments_.at(position.symbol);
  const SymbolMargin margin = core_.accounts().symbol_margin(account, position.symbol);
  const AccountMargin totals_of_account = core_.accounts().account_margin(account);
  const int leverage = core_.accounts().leverage(account, position.symbol);
  PositionTotals totals;
  if (auto it = position_totals_.find({account, position.symbol}); it != position_totals_.end()) totals = it->second;
  const std::string upl_ratio = ratio_text(margin.unrealized_pnl, margin.position_initial);
  json out{{"instType", "SWAP"},
           {"instId", instrument.inst_id},
           {"mgnMode", "cross"},
           {"posId", instrument.inst_id + "-net"},
           {"posSide", "net"},
           {"pos", wire::text(wire::base_to_contracts(position.quantity, instrument.ct_val))},
           {"avgPx", wire::text(position.entry_price)},
           {"markPx", wire::text(position.mark_price)},
           {"upl", wire::text(margin.unrealized_pnl)},
           {"uplRatio", upl_ratio},
           {"uplLastPx", wire::text(margin.unrealized_pnl)},
           {"uplRatioLastPx", upl_ratio},
           {"lever", std::to_string(leverage)},
           {"liqPx", position.liquidation_price.sign() > 0 ? wire::text(position.liquidation_price) : ""},
           {"imr", wire::text(margin.position_initial)},
           {"mmr", wire::text(margin.maintenance)},
           {"mgnRatio", ratio_text(add(totals_of_account.wallet, totals_of_account.unrealized_pnl),
                                   totals_of_account.maintenance)},
           {"notionalUsd", wire::text(margin.notional)},
           {"ccy", instrument.rules.margin_asset},
           {"adl", "1"},
           {"tradeId", ""},
           {"last", wire::text(mark_of(position.symbol))},
           {"idxPx", wire::text(index_of(position.symbol))},
           {"bePx", wire::text(position.entry_price)},
           {"realizedPnl", wire::text(add(add(totals.pnl, totals.fee), totals.funding_fee))},
           {"pnl", wire::text(totals.pnl)},
           {"fee", wire::text(totals.fee)},
           {"fundingFee", wire::text(totals.funding_fee)},
           {"liqPenalty", "0"},
           {"closeOrderAlgo", json::array()},
           {"cTime", wire::ms_text(position.updated_at)},
           {"uTime", wire::ms_text(position.updated_at)},
           {"pTime", wire::ms_text(position.updated_at)}};
  for (const char* name : kEmptyPositionFields) out[name] = "";
  return out;
}

json OkxSimVenue::positions_json(const std::string& account, const std::optional<std::string>& symbol, UtcTime) const {
  json data = json::array();
  for (const Position& position : core_.positions(account)) {
    if (symbol && position.symbol != *symbol) continue;
    if (position.quantity.is_zero()) continue;
    data.push_back(position_json(account, position));
  }
  return data;
}

json OkxSimVenue::balance_json(const std::string& account, UtcTime now) const {
  const AccountMargin m = core_.accounts().account_margin(account);
  const Decimal eq = add(m.wallet, m.unrealized_pnl);
  const Decimal initial = add(m.position_initial, m.open_order_initial);
  Decimal notional;
  for (const auto& [symbol, instrument] : instruments_) {
    notional = add(notional, core_.accounts().symbol_margin(account, symbol).notional);
  }
  const std::string margin_ratio = ratio_text(eq, m.maintenance);
  const std::string time = wire::ms_text(now);
  json details = json::array();
  for (const Balance& balance : core_.balances(account, now)) {
    json detail{{"ccy", balance.asset},
                {"eq", wire::text(eq)},
                {"cashBal", wire::text(m.wallet)},
                {"uTime", time},
                {"availEq", wire::text(m.available)},
                {"disEq", wire::text(eq)},
                {"availBal", wire::text(m.available)},
                {"frozenBal", wire::text(initial)},
                {"ordFrozen", wire::text(m.open_order_initial)},
                {"upl", wire::text(m.unrealized_pnl)},
                {"mgnRatio", margin_ratio},
                {"imr", wire::text(m.position_initial)},
                {"mmr", wire::text(m.maintenance)},
                {"eqUsd", wire::text(eq)},
                {"notionalLever", ratio_text(notional, eq)},
                {"coinUsdPrice", "1"},
                {"collateralEnabled", false},
                {"collateralRestrict", false},
                {"autoLendStatus", "off"}};
    for (const char* name : kZeroBalanceDetailFields) detail[name] = "0";
    for (const char* name : kEmptyBalanceDetailFields) detail[name] = "";
    details.push_back(std::move(detail));
  }
  return json{{"uTime", time},
              {"totalEq", wire::text(eq)},
              {"isoEq", "0"},
              {"adjEq", wire::text(eq)},
              {"availEq", wire::text(m.available)},
              {"ordFroz", wire::text(m.open_order_initial)},
              {"imr", wire::text(m.position_initial)},
              {"mmr", wire::text(m.maintenance)},
              {"borrowFroz", "0"},
              {"mgnRatio", margin_ratio},
              {"notionalUsd", wire::text(notional)},
              {"notionalUsdForBorrow", "0"},
              {"notionalUsdForSwap", wire::text(notional)},
              {"notionalUsdForFutures", "0"},
              {"notionalUsdForOption", "0"},
              {"upl", wire::text(m.unrealized_pnl)},
              {"details", std::move(details)}};
}

json OkxSimVenue::balance_and_position(const std::string& account, const json& arg, std::string_view event_type,
                                       UtcTime now) const {
  json bal_data = json::array();
  for (const Balance& balance : core_.balances(account, now)) {
    bal_data.push_back(
        json{{"ccy", balance.asset}, {"cashBal", wire::text(balance.wallet)}, {"uTime", wire::ms_text(now)}});
  }
  json pos_data = json::array();
  for (const json& position : positions_json(account, std::nullopt, now)) {
    pos_data.push_back(json{{"posId", position["posId"]},
                            {"tradeId", ""},
                            {"instId", position["instId"]},
                            {"instType", "SWAP"},
                            {"mgnMode", "cross"},
                            {"posSide", "net"},
                            {"pos", position["pos"]},
                            {"ccy", position["ccy"]},
                            {"posCcy", ""},
                            {"avgPx", position["avgPx"]},
                            {"nonSettleAvgPx", ""},
                            {"settledPnl", ""},
                            {"uTime", position["uTime"]}});
  }
  json out_arg = arg;
  out_arg["uid"] = account;
  return json{{"arg", out_arg},
              {"data", json::array({json{{"pTime", wire::ms_text(now)},
                                         {"eventType", std::string(event_type)},
                                         {"balData", bal_data},
                                         {"posData", pos_data},
                                         {"trades", json::array()}}})}};
}

}  // namespace propbot::venues::sim::okx_frontend
