// The OKX order and fill objects (REST answers and the orders channel, B4/B7): the
// engine's OrderState plus what OKX adds (cTime, fees, pnl, cancelSource, auto clOrdId).
// Sizes in contracts, fees negative when charged. Every field of the documented order
// and fill objects is present (tests/fixtures/venues/golden/okx): the ones that belong to
// features the simulator does not have (algo / TP-SL orders, options, quick margin,
// spot-only quote currencies) are "" as OKX sends them for a plain SWAP order.

#include "core/venues/sim/okx/frontend.hpp"

#include "core/venues/okx/symbols.hpp"

namespace propbot::venues::sim::okx_frontend {

namespace {

// Order fields of features the simulator does not have: empty strings on a SWAP order.
constexpr const char* kEmptyOrderFields[] = {
    "tgtCcy",        "ccy",           "pxUsd",           "pxVol",           "pxType",        "attachAlgoClOrdId",
    "tpTriggerPx",   "tpTriggerPxType", "tpOrdPx",       "slTriggerPx",     "slTriggerPxType", "slOrdPx",
    "source",        "cancelSourceReason", "quickMgnType", "algoClOrdId",   "algoId",        "tradeQuoteCcy",
    "fillPxVol",     "fillPxUsd",     "fillMarkVol",     "fillFwdPx"};

// Fill fields of features the simulator does not have (options, quote-currency volumes).
constexpr const char* kEmptyFillFields[] = {"fillPxVol", "fillPxUsd", "fillMarkVol", "fillFwdPx"};

}  // namespace

std::string OkxSimVenue::client_id_of(const OrderState& order) const {
  auto it = extras_.find({order.symbol, order.venue_order_id});
  if (it != extras_.end() && it->second.auto_client_id) return "";
  return order.client_order_id;
}

json OkxSimVenue::order_json(const std::string& account, const OrderState& order, bool websocket,
                const Fill* fill) const {
  const Instrument& instrument = instruments_.at(order.symbol);
  auto extra_it = extras_.find({order.symbol, order.venue_order_id});
  const OrderExtra* extra = extra_it == extras_.end() ? nullptr : &extra_it->second;
  std::string state = "canceled";
  if (order.status == OrderStatus::new_order || order.status == OrderStatus::pending_new) state = "live";
  if (order.status == OrderStatus::partially_filled) state = "partially_filled";
  if (order.status == OrderStatus::filled) state = "filled";
  auto ord_type = venues::okx::to_ord_type(order.type, order.time_in_force);
  const bool filled_any = order.filled_quantity.sign() > 0;
  const Decimal fee = extra ? extra->fee : Decimal{};
  auto neg_fee = fee.negated();
  json out = {
      {"instType", "SWAP"},
      {"instId", instrument.inst_id},
      {"ordId", order.venue_order_id},
      {"clOrdId", client_id_of(order)},
      {"tag", ""},
      {"px", order.price ? wire::text(*order.price) : ""},
      {"sz", wire::text(wire::base_to_contracts(order.quantity, instrument.ct_val))},
      {"ordType", ord_type ? std::string(*ord_type) : "limit"},
      {"side", std::string(venues::okx::to_wire(order.side))},
      {"posSide", "net"},
      {"tdMode", "cross"},
      {"accFillSz", wire::text(wire::base_to_contracts(order.filled_quantity, instrument.ct_val))},
      {"avgPx", filled_any ? wire::text(order.average_price) : (websocket ? "0" : "")},
      {"state", state},
      {"lever", std::to_string(core_.accounts().leverage(account, order.symbol))},
      {"fee", neg_fee ? wire::text(*neg_fee) : "0"},
      {"feeCcy", instrument.rules.margin_asset},
      {"rebate", "0"},
      {"rebateCcy", instrument.rules.margin_asset},
      {"pnl", extra ? wire::text(extra->pnl) : "0"},
      {"cancelSource", extra ? extra->cancel_source : ""},
      {"amendSource", ""},
      {"amendResult", ""},
      {"reqId", ""},
      {"category", "normal"},
      {"reduceOnly", order.reduce_only ? "true" : "false"},
      {"stpMode", "cancel_taker"},
      {"uTime", wire::ms_text(order.updated_at)},
      {"cTime", wire::ms_text(extra ? extra->created : order.updated_at)},
      {"fillPx", ""},
      {"fillSz", "0"},
      {"tradeId", ""},
      {"fillTime", ""},
      {"fillFee", "0"},
      {"fillFeeCcy", ""},
      {"fillPnl", "0"},
      {"execType", ""},
      {"code", "0"},
      {"msg", ""},
  };
  for (const char* name : kEmptyOrderFields) out[name] = "";
  out["attachAlgoOrds"] = json::array();
  out["linkedAlgoOrd"] = json{{"algoId", ""}};
  out["isTpLimit"] = "false";
  const Decimal remaining_or_all = filled_any ? order.filled_quantity : order.quantity;
  const Decimal valued_at = filled_any ? order.average_price : order.price.value_or(mark_of(order.symbol));
  out["notionalUsd"] = wire::text(remaining_or_all.mul(valued_at).ok() ? *remaining_or_all.mul(valued_at) : Decimal{});
  out["fillNotionalUsd"] = "";
  out["fillMarkPx"] = "";
  out["fillIdxPx"] = "";
  out["lastPx"] = wire::text(mark_of(order.symbol));
  if (fill != nullptr) {
    auto fill_fee = fill->fee.negated();
    out["fillPx"] = wire::text(fill->price);
    out["fillSz"] = wire::text(wire::base_to_contracts(fill->quantity, instrument.ct_val));
    out["tradeId"] = fill->trade_id;
    out["fillTime"] = wire::ms_text(fill->ts);
    out["fillFee"] = fill_fee ? wire::text(*fill_fee) : "0";
    out["fillFeeCcy"] = instrument.rules.margin_asset;
    out["fillPnl"] = wire::text(fill->realized_pnl);
    out["execType"] = fill->maker ? "M" : "T";
    auto fill_notional = fill->quantity.mul(fill->price);
    out["fillNotionalUsd"] = fill_notional ? wire::text(*fill_notional) : "";
    out["fillMarkPx"] = wire::text(mark_of(order.symbol));
    out["fillIdxPx"] = wire::text(index_of(order.symbol));
  }
  return out;
}

std::string OkxSimVenue::client_id_of(const Fill& fill) const {
  // A fill outlives its order's extras_ when the engine forgot the order first; the id
  // the engine made up for an order sent without clOrdId ("sim<ordId>") still shows as "".
  auto extra = extras_.find({fill.symbol, fill.venue_order_id});
  const bool auto_client_id = extra != extras_.end() ? extra->second.auto_client_id
                                                     : fill.client_order_id == "sim" + fill.venue_order_id;
  return auto_client_id ? std::string() : fill.client_order_id;
}

json OkxSimVenue::fill_json(const TradeRecord& record) const {
  const Fill& fill = record.fill;
  const Instrument& instrument = instruments_.at(fill.symbol);
  auto fee = fill.fee.negated();
  const std::string time = wire::ms_text(fill.ts);
  json out = json{{"instType", "SWAP"},
              {"instId", instrument.inst_id},
              {"tradeId", fill.trade_id},
              {"ordId", fill.venue_order_id},
              {"clOrdId", client_id_of(fill)},
              {"billId", std::to_string(record.sequence)},
              {"subType", fill.side == OrderSide::buy ? "1" : "2"},
              {"tag", ""},
              {"fillPx", wire::text(fill.price)},
              {"fillSz", wire::text(wire::base_to_contracts(fill.quantity, instrument.ct_val))},
              {"fillPnl", wire::text(fill.realized_pnl)},
              {"side", std::string(venues::okx::to_wire(fill.side))},
              {"posSide", "net"},
              {"execType", fill.maker ? "M" : "T"},
              {"feeCcy", fill.fee_asset.empty() ? instrument.rules.margin_asset : fill.fee_asset},
              {"fee", fee ? wire::text(*fee) : "0"},
              {"ts", time},
              {"fillTime", time},
              {"fillIdxPx", wire::text(index_of(fill.symbol))},
              {"fillMarkPx", wire::text(mark_of(fill.symbol))},
              {"feeRate", wire::text(fee_rate_of(fill))}};
  for (const char* name : kEmptyFillFields) out[name] = "";
  return out;
}

Decimal OkxSimVenue::mark_of(const std::string& symbol) const {
  auto it = markets_.find(symbol);
  return it == markets_.end() ? Decimal{} : it->second.mark;
}

Decimal OkxSimVenue::index_of(const std::string& symbol) const {
  auto it = markets_.find(symbol);
  return it == markets_.end() ? Decimal{} : it->second.index;
}

// OKX's feeRate is negative when charged: −(maker or taker rate) of the instrument.
Decimal OkxSimVenue::fee_rate_of(const Fill& fill) const {
  const InstrumentRules& rules = instruments_.at(fill.symbol).rules;
  auto negated = (fill.maker ? rules.maker_fee_rate : rules.taker_fee_rate).negated();
  return negated ? *negated : Decimal{};
}

}  // namespace propbot::venues::sim::okx_frontend
