#include "core/venues/okx/parse.hpp"

#include <charconv>
#include <chrono>

#include "core/common/json_util.hpp"
#include "core/venues/okx/errors.hpp"
#include "core/venues/okx/symbols.hpp"

namespace propbot::venues::okx {

namespace {

using nlohmann::json;

Error with_context(const Error& error, std::string_view context) {
  return make_error(error.code, std::string(context) + ": " + error.message);
}

// A string field, "" when absent or null.
std::string text(const json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// A decimal field; absent or "" → zero (OKX sends "" for fields that do not apply).
Result<Decimal> decimal_or_zero(const json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty())) {
    return Decimal{};
  }
  return json_to_decimal(*it, key);
}

UtcTime time_of(const json& object, std::string_view key) {
  auto value = decimal_or_zero(object, key);
  if (!value || value->scale() != 0) return UtcTime{};
  return UtcTime{std::chrono::milliseconds(value->mantissa())};
}

Result<const json*> data_array(const json& reply) {
  auto it = reply.find("data");
  if (it == reply.end() || !it->is_array()) return make_error(Errc::parse_error, "field 'data' missing or not an array");
  return &*it;
}

Result<const OkxInstrument*> instrument_of(const json& item, const InstrumentTable& instruments) {
  const std::string inst_id = text(item, "instId");
  auto it = instruments.find(inst_id);
  if (it == instruments.end()) {
    return make_error(Errc::not_found, "instId '" + inst_id + "' is not a known swap (no ctVal to convert contracts)");
  }
  return &it->second;
}

}  // namespace

#define PB_TRY(var, expr)                           \
  auto var##_result = (expr);                       \
  if (!var##_result) return var##_result.error();   \
  auto var = std::move(var##_result.value())

Result<InstrumentTable> parse_instruments(const json& reply, const std::string& venue_id) {
  PB_TRY(data, data_array(reply));
  InstrumentTable table;
  for (const auto& item : *data) {
    if (text(item, "instType") != "SWAP") continue;
    OkxInstrument instrument;
    instrument.inst_id = text(item, "instId");
    auto symbol = from_inst_id(instrument.inst_id);
    if (!symbol) continue;  // not BASE-QUOTE-SWAP
    instrument.symbol = symbol.value();
    const std::string context = "instrument " + instrument.inst_id;
    PB_TRY(tick, json_decimal(item, "tickSz"));
    PB_TRY(lot, json_decimal(item, "lotSz"));
    PB_TRY(min, json_decimal(item, "minSz"));
    PB_TRY(ct_val, json_decimal(item, "ctVal"));
    if (tick <= Decimal{} || lot <= Decimal{} || ct_val <= Decimal{}) {
      return make_error(Errc::invalid_argument, context + ": tickSz, lotSz and ctVal must be positive");
    }
    instrument.tick_size = tick.normalized();
    instrument.lot_size = lot.normalized();
    instrument.min_size = min.normalized();
    instrument.contract_value = ct_val.normalized();
    instrument.state = text(item, "state");
    instrument.spec.venue = venue_id;
    instrument.spec.symbol = instrument.symbol;
    instrument.spec.kind = "PERP";
    instrument.spec.tick_size = instrument.tick_size.to_double();
    instrument.spec.lot_size = instrument.lot_step().to_double();  // lotSz × ctVal, base coin
    instrument.spec.min_notional = 0;  // OKX has minSz, no minimum notional
    table.emplace(instrument.inst_id, std::move(instrument));
  }
  return table;
}

Result<std::int64_t> parse_server_time(const json& reply) {
  PB_TRY(data, data_array(reply));
  if (data->empty()) return make_error(Errc::parse_error, "time: data is empty");
  PB_TRY(ts, json_decimal((*data)[0], "ts"));
  if (ts.scale() != 0) return make_error(Errc::parse_error, "time: ts is not an integer");
  return ts.mantissa();
}

Result<std::vector<OrderAck>> parse_acks(const json& reply) {
  PB_TRY(data, data_array(reply));
  std::vector<OrderAck> acks;
  for (const auto& item : *data) {
    OrderAck ack;
    ack.venue_order_id = text(item, "ordId");
    ack.client_order_id = text(item, "clOrdId");
    ack.code = text(item, "sCode");
    ack.message = text(item, "sMsg");
    if (ack.code.empty()) return make_error(Errc::parse_error, "ack: field 'sCode' missing");
    acks.push_back(std::move(ack));
  }
  return acks;
}

VenueError ack_error(const OrderAck& ack) {
  json item = {{"sCode", ack.code}, {"sMsg", ack.message}, {"ordId", ack.venue_order_id},
               {"clOrdId", ack.client_order_id}};
  json body = {{"code", "1"}, {"msg", ""}, {"data", json::array({item})}};
  return map_error(200, body.dump());
}

Result<OrderUpdate> parse_order(const json& item, const InstrumentTable& instruments) {
  PB_TRY(instrument, instrument_of(item, instruments));
  const std::string context = "order " + text(item, "clOrdId");
  OrderUpdate update;
  OrderState& order = update.order;
  order.symbol = instrument->symbol;
  order.client_order_id = text(item, "clOrdId");
  order.venue_order_id = text(item, "ordId");
  auto side = parse_side(text(item, "side"));
  if (!side) return with_context(side.error(), context);
  order.side = side.value();
  auto kind = parse_ord_type(text(item, "ordType"));
  if (!kind) return with_context(kind.error(), context);
  order.type = kind->type;
  order.time_in_force = kind->time_in_force;
  update.state_text = text(item, "state");
  auto status = parse_state(update.state_text);
  if (!status) return with_context(status.error(), context);
  order.status = status.value();
  update.cancel_source = text(item, "cancelSource");

  auto px = decimal_or_zero(item, "px");
  if (!px) return with_context(px.error(), context);
  if (!px->is_zero()) order.price = px->normalized();
  PB_TRY(sz, decimal_or_zero(item, "sz"));
  PB_TRY(acc, decimal_or_zero(item, "accFillSz"));
  PB_TRY(avg, decimal_or_zero(item, "avgPx"));
  PB_TRY(quantity, base_from_contracts(sz, *instrument));
  PB_TRY(filled, base_from_contracts(acc, *instrument));
  order.quantity = quantity;
  order.filled_quantity = filled;
  order.average_price = avg.normalized();
  order.reduce_only = text(item, "reduceOnly") == "true" || (item.contains("reduceOnly") && item["reduceOnly"].is_boolean() &&
                                                               item["reduceOnly"].get<bool>());
  order.updated_at = time_of(item, "uTime");

  PB_TRY(fill_sz, decimal_or_zero(item, "fillSz"));
  if (fill_sz > Decimal{}) {
    Fill fill;
    fill.symbol = order.symbol;
    fill.client_order_id = order.client_order_id;
    fill.venue_order_id = order.venue_order_id;
    fill.trade_id = text(item, "tradeId");
    fill.side = order.side;
    PB_TRY(fill_px, decimal_or_zero(item, "fillPx"));
    PB_TRY(fill_qty, base_from_contracts(fill_sz, *instrument));
    PB_TRY(fee, decimal_or_zero(item, "fillFee"));
    PB_TRY(pnl, decimal_or_zero(item, "fillPnl"));
    PB_TRY(paid, fee.negated());  // OKX: negative = charged; ours: positive = paid
    fill.price = fill_px.normalized();
    fill.quantity = fill_qty;
    fill.fee = paid.normalized();
    fill.fee_asset = text(item, "fillFeeCcy");
    fill.maker = text(item, "execType") == "M";
    fill.realized_pnl = pnl.normalized();
    fill.ts = time_of(item, "fillTime");
    if (fill.ts == UtcTime{}) fill.ts = order.updated_at;
    update.fill = std::move(fill);
  }
  return update;
}

Result<std::vector<OrderUpdate>> parse_orders(const json& reply, const InstrumentTable& instruments) {
  PB_TRY(data, data_array(reply));
  std::vector<OrderUpdate> orders;
  orders.reserve(data->size());
  for (const auto& item : *data) {
    PB_TRY(order, parse_order(item, instruments));
    orders.push_back(std::move(order));
  }
  return orders;
}

Result<std::vector<FillRecord>> parse_fills(const json& reply, const InstrumentTable& instruments) {
  PB_TRY(data, data_array(reply));
  std::vector<FillRecord> fills;
  fills.reserve(data->size());
  for (const auto& item : *data) {
    if (item.contains("instType") && text(item, "instType") != "SWAP") continue;
    PB_TRY(instrument, instrument_of(item, instruments));
    const std::string context = "fill " + text(item, "tradeId");
    FillRecord record;
    record.bill_id = text(item, "billId");
    Fill& fill = record.fill;
    fill.symbol = instrument->symbol;
    fill.client_order_id = text(item, "clOrdId");
    fill.venue_order_id = text(item, "ordId");
    fill.trade_id = text(item, "tradeId");
    if (fill.trade_id.empty()) return make_error(Errc::parse_error, "fill: field 'tradeId' missing");
    auto side = parse_side(text(item, "side"));
    if (!side) return with_context(side.error(), context);
    fill.side = side.value();
    PB_TRY(px, decimal_or_zero(item, "fillPx"));
    PB_TRY(sz, decimal_or_zero(item, "fillSz"));
    PB_TRY(quantity, base_from_contracts(sz, *instrument));
    PB_TRY(fee, decimal_or_zero(item, "fee"));
    PB_TRY(paid, fee.negated());  // OKX: negative = charged; ours: positive = paid
    PB_TRY(pnl, decimal_or_zero(item, "fillPnl"));
    fill.price = px.normalized();
    fill.quantity = quantity;
    fill.fee = paid.normalized();
    fill.fee_asset = text(item, "feeCcy");
    fill.maker = text(item, "execType") == "M";
    fill.realized_pnl = pnl.normalized();
    fill.ts = time_of(item, "fillTime");
    if (fill.ts == UtcTime{}) fill.ts = time_of(item, "ts");
    fills.push_back(std::move(record));
  }
  return fills;
}

std::optional<std::int64_t> bill_id_number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::vector<FundingPayment>> parse_funding_bills(const json& reply, const InstrumentTable& instruments) {
  PB_TRY(data, data_array(reply));
  std::vector<FundingPayment> payments;
  for (const auto& item : *data) {
    if (!item.is_object()) return make_error(Errc::parse_error, "bill: not a JSON object");
    if (text(item, "type") != "8") continue;
    if (item.contains("instType") && text(item, "instType") != "SWAP") continue;
    PB_TRY(instrument, instrument_of(item, instruments));
    FundingPayment payment;
    payment.payment_id = text(item, "billId");
    if (payment.payment_id.empty()) return make_error(Errc::parse_error, "bill: field 'billId' missing");
    const std::string context = "bill " + payment.payment_id;
    auto amount = json_decimal(item, "balChg");
    if (!amount) return with_context(amount.error(), context);
    payment.symbol = instrument->symbol;
    payment.asset = text(item, "ccy");
    payment.amount = amount.value();
    payment.ts = time_of(item, "ts");
    if (payment.ts == UtcTime{}) return make_error(Errc::parse_error, context + ": field 'ts' missing or malformed");
    payments.push_back(std::move(payment));
  }
  return payments;
}

Result<std::vector<Position>> parse_positions(const json& reply, const InstrumentTable& instruments) {
  PB_TRY(data, data_array(reply));
  std::vector<Position> positions;
  for (const auto& item : *data) {
    if (item.contains("instType") && text(item, "instType") != "SWAP") continue;
    PB_TRY(instrument, instrument_of(item, instruments));
    const std::string context = "position " + instrument->inst_id;
    auto pos = decimal_or_zero(item, "pos");
    if (!pos) return with_context(pos.error(), context);
    PB_TRY(base, base_from_contracts(pos.value(), *instrument));
    const std::string pos_side = text(item, "posSide");
    if (pos_side == "long") {
      PB_TRY(magnitude, base.abs());
      base = magnitude;
    } else if (pos_side == "short") {
      PB_TRY(magnitude, base.abs());
      PB_TRY(negative, magnitude.negated());
      base = negative;
    } else if (!pos_side.empty() && pos_side != "net") {
      return make_error(Errc::invalid_argument, context + ": unknown posSide '" + pos_side + "'");
    }
    Position position;
    position.symbol = instrument->symbol;
    position.quantity = base;
    PB_TRY(avg, decimal_or_zero(item, "avgPx"));
    PB_TRY(mark, decimal_or_zero(item, "markPx"));
    PB_TRY(upl, decimal_or_zero(item, "upl"));
    PB_TRY(lever, decimal_or_zero(item, "lever"));
    PB_TRY(liq, decimal_or_zero(item, "liqPx"));
    position.entry_price = avg.normalized();
    position.mark_price = mark.normalized();
    position.unrealized_pnl = upl.normalized();
    position.leverage = lever.normalized();
    position.liquidation_price = liq.normalized();
    position.updated_at = time_of(item, "uTime");
    positions.push_back(std::move(position));
  }
  return positions;
}

Result<std::vector<Balance>> parse_balances(const json& reply) {
  PB_TRY(data, data_array(reply));
  std::vector<Balance> balances;
  for (const auto& account : *data) {
    auto details = account.find("details");
    if (details == account.end() || !details->is_array()) {
      return make_error(Errc::parse_error, "balance: field 'details' missing or not an array");
    }
    for (const auto& item : *details) {
      Balance balance;
      balance.asset = text(item, "ccy");
      if (balance.asset.empty()) return make_error(Errc::parse_error, "balance: field 'ccy' missing");
      const std::string context = "balance " + balance.asset;
      auto cash = decimal_or_zero(item, "cashBal");
      if (!cash) return with_context(cash.error(), context);
      const bool has_avail_eq = !text(item, "availEq").empty();
      auto available = decimal_or_zero(item, has_avail_eq ? "availEq" : "availBal");
      if (!available) return with_context(available.error(), context);
      balance.wallet = cash->normalized();
      balance.available = available->normalized();
      balance.updated_at = time_of(item, "uTime");
      if (balance.updated_at == UtcTime{}) balance.updated_at = time_of(account, "uTime");
      balances.push_back(std::move(balance));
    }
  }
  return balances;
}

Status merge_funding(const json& push, FundingInfo& info) {
  PB_TRY(data, data_array(push));
  if (data->empty()) return make_error(Errc::parse_error, "funding: data is empty");
  const json& item = (*data)[0];
  if (item.contains("markPx")) {
    PB_TRY(mark, decimal_or_zero(item, "markPx"));
    info.mark_price = mark.normalized();
  }
  if (item.contains("idxPx")) {
    PB_TRY(index, decimal_or_zero(item, "idxPx"));
    info.index_price = index.normalized();
  }
  if (item.contains("fundingRate")) {
    PB_TRY(rate, decimal_or_zero(item, "fundingRate"));
    info.funding_rate = rate.normalized();
    info.next_funding_time = time_of(item, "fundingTime");
  }
  return {};
}

#undef PB_TRY

}  // namespace propbot::venues::okx
