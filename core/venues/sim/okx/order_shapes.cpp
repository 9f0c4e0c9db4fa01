// The OKX order and fill objects (REST answers and the orders channel, B4/B7): the
// engine's OrderState plus what OKX adds (cTime, fees, pnl, cancelSource, auto clOrdId).
// Sizes in contracts, fees negative when charged.

#include "core/venues/sim/okx/frontend.hpp"

#include "core/venues/okx/symbols.hpp"

namespace propbot::venues::sim::okx_frontend {

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
  }
  return out;
}

json OkxSimVenue::fill_json(const TradeRecord& record) const {
  const Fill& fill = record.fill;
  const Instrument& instrument = instruments_.at(fill.symbol);
  // A fill outlives its order's extras_ when the engine forgot the order first; the id
  // the engine made up for an order sent without clOrdId ("sim<ordId>") still shows as "".
  auto extra = extras_.find({fill.symbol, fill.venue_order_id});
  const bool auto_client_id = extra != extras_.end() ? extra->second.auto_client_id
                                                     : fill.client_order_id == "sim" + fill.venue_order_id;
  auto fee = fill.fee.negated();
  const std::string time = wire::ms_text(fill.ts);
  return json{{"instType", "SWAP"},
              {"instId", instrument.inst_id},
              {"tradeId", fill.trade_id},
              {"ordId", fill.venue_order_id},
              {"clOrdId", auto_client_id ? "" : fill.client_order_id},
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
              {"fillTime", time}};
}

}  // namespace propbot::venues::sim::okx_frontend
