// The OKX position and balance objects (account/positions, account/balance and the
// positions, account and balance_and_position channels). Sizes in contracts, money as
// normalised decimal text.

#include "core/venues/sim/okx/frontend.hpp"

#include <algorithm>

namespace propbot::venues::sim::okx_frontend {

json OkxSimVenue::position_json(const std::string& account, const Position& position) const {
  const Instrument& instrument = instruments_.at(position.symbol);
  const Decimal mark = position.mark_price;
  const Decimal abs_qty = position.quantity.abs().ok() ? *position.quantity.abs() : Decimal{};
  Decimal notional = abs_qty.mul(mark).ok() ? *abs_qty.mul(mark) : Decimal{};
  auto leverage = core_.accounts().leverage(account, position.symbol);
  Decimal imr = notional.div(Decimal::from_mantissa(std::max(1, leverage), 0), 8, RoundMode::up).ok()
                    ? *notional.div(Decimal::from_mantissa(std::max(1, leverage), 0), 8, RoundMode::up)
                    : Decimal{};
  Decimal mmr = notional.mul(instrument.rules.maintenance_margin_rate, 8, RoundMode::up).ok()
                    ? *notional.mul(instrument.rules.maintenance_margin_rate, 8, RoundMode::up)
                    : Decimal{};
  const std::string pos = wire::text(wire::base_to_contracts(position.quantity, instrument.ct_val));
  return json{{"instType", "SWAP"},
              {"instId", instrument.inst_id},
              {"mgnMode", "cross"},
              {"posId", instrument.inst_id + "-net"},
              {"posSide", "net"},
              {"pos", pos},
              {"availPos", ""},
              {"posCcy", ""},
              {"avgPx", wire::text(position.entry_price)},
              {"markPx", wire::text(mark)},
              {"upl", wire::text(position.unrealized_pnl)},
              {"lever", std::to_string(leverage)},
              {"liqPx", position.liquidation_price.sign() > 0 ? wire::text(position.liquidation_price) : ""},
              {"imr", wire::text(imr)},
              {"margin", ""},
              {"mmr", wire::text(mmr)},
              {"notionalUsd", wire::text(notional)},
              {"ccy", instrument.rules.margin_asset},
              {"adl", "1"},
              {"cTime", wire::ms_text(position.updated_at)},
              {"uTime", wire::ms_text(position.updated_at)}};
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
  Decimal upl;
  for (const Position& position : core_.positions(account)) {
    if (auto sum = upl.add(position.unrealized_pnl)) upl = *sum;
  }
  json details = json::array();
  Decimal total_eq;
  for (const Balance& balance : core_.balances(account, now)) {
    const Decimal eq = balance.wallet.add(upl).ok() ? *balance.wallet.add(upl) : balance.wallet;
    Decimal frozen = eq.sub(balance.available).ok() ? *eq.sub(balance.available) : Decimal{};
    if (frozen.is_negative()) frozen = Decimal{};
    if (auto sum = total_eq.add(eq)) total_eq = *sum;
    details.push_back(json{{"ccy", balance.asset},
                           {"eq", wire::text(eq)},
                           {"cashBal", wire::text(balance.wallet)},
                           {"availBal", wire::text(balance.available)},
                           {"availEq", wire::text(balance.available)},
                           {"frozenBal", wire::text(frozen)},
                           {"ordFrozen", wire::text(frozen)},
                           {"upl", wire::text(upl)},
                           {"isoEq", "0"},
                           {"eqUsd", wire::text(eq)},
                           {"uTime", wire::ms_text(now)}});
  }
  return json{{"totalEq", wire::text(total_eq)},
              {"isoEq", "0"},
              {"adjEq", wire::text(total_eq)},
              {"uTime", wire::ms_text(now)},
              {"details", details}};
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
