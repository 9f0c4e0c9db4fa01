// OKX GET /api/v5/account/bills ("Get bills details, last 7 days") from the exchange
// core's IncomeHistory: one bill per wallet change of the account, newest first, with
// every field of the documented bill (tests/fixtures/venues/golden/okx).

#include "core/venues/sim/okx/frontend.hpp"

#include "core/venues/sim/engine/checked_math.hpp"

namespace propbot::venues::sim::okx_frontend {

namespace {

// A bill's type and subType (OKX's bill type table).
struct BillCode {
  const char* type;
  const char* sub_type;
};

BillCode bill_code(const IncomeRecord& record) {
  switch (record.kind) {
    case BalanceReason::deposit: return {"1", "11"};  // transfer: transfer in
    case BalanceReason::order:  // trade: buy / sell (net mode)
      return {"2", record.fill && record.fill->side == OrderSide::sell ? "2" : "1"};
    case BalanceReason::funding_fee:  // funding fee: expense / income
      return {"8", record.amount.is_negative() ? "173" : "174"};
    case BalanceReason::liquidation:  // liquidation: long / short position closed
      return {"5", record.liquidation && record.liquidation->quantity.is_negative() ? "105" : "104"};
    case BalanceReason::insurance_clear: return {"5", "110"};  // liquidation transfer in
  }
  return {"2", "1"};
}

// Fields of features the simulator does not have (savings, options, transfers between
// accounts, isolated margin): "" as OKX sends them on a cross-margin swap bill.
constexpr const char* kEmptyBillFields[] = {"earnAmt", "earnApr", "from", "to", "notes", "tag",
                                            "fillPxVol", "fillPxUsd", "fillMarkVol", "fillFwdPx"};

}  // namespace

json OkxSimVenue::bill_json(const IncomeRecord& record) const {
  const BillCode code = bill_code(record);
  const Instrument* instrument = nullptr;
  if (auto it = instruments_.find(record.symbol); it != instruments_.end()) instrument = &it->second;
  const auto contracts = [&](Decimal base) {
    return instrument == nullptr ? std::string("0") : wire::text(wire::base_to_contracts(math::abs(base), instrument->ct_val));
  };
  std::string sz = "0", px = "", pnl = "0", fee = "0", ord_id, cl_ord_id, trade_id, exec_type, fill_time;
  if (record.fill) {  // a trade: price, size, the fill's PnL and fee (negative when charged)
    const Fill& fill = *record.fill;
    sz = contracts(fill.quantity);
    px = wire::text(fill.price);
    pnl = wire::text(fill.realized_pnl);
    fee = wire::text(math::neg(fill.fee));
    ord_id = fill.venue_order_id;
    cl_ord_id = client_id_of(fill);
    trade_id = fill.trade_id;
    exec_type = fill.maker ? "M" : "T";
    fill_time = wire::ms_text(fill.ts);
  } else if (record.funding) {  // funding: the position it was charged on, at the mark
    sz = contracts(record.funding->position_quantity);
    px = wire::text(record.funding->mark_price);
  } else if (record.liquidation) {  // liquidation: the position closed, at the mark
    sz = contracts(record.liquidation->quantity);
    px = wire::text(record.liquidation->price);
    if (record.kind == BalanceReason::liquidation) pnl = wire::text(record.liquidation->realized_pnl);
  }
  json out{{"billId", std::to_string(record.id)},
           {"instType", instrument == nullptr ? "" : "SWAP"},
           {"instId", instrument == nullptr ? "" : instrument->inst_id},
           {"ccy", record.asset},
           {"mgnMode", instrument == nullptr ? "" : "cross"},
           {"type", code.type},
           {"subType", code.sub_type},
           {"ts", wire::ms_text(record.ts)},
           {"balChg", wire::text(record.amount)},
           {"bal", wire::text(record.balance_after)},
           {"posBalChg", "0"},
           {"posBal", "0"},
           {"sz", sz},
           {"px", px},
           {"pnl", pnl},
           {"fee", fee},
           {"interest", "0"},
           {"ordId", ord_id},
           {"clOrdId", cl_ord_id},
           {"tradeId", trade_id},
           {"execType", exec_type},
           {"fillTime", fill_time},
           {"fillIdxPx", ""},
           {"fillMarkPx", ""}};
  for (const char* name : kEmptyBillFields) out[name] = "";
  return out;
}

// GET /api/v5/account/bills: the account's bills, newest first. Filters: the shared
// history ones (instType, instId, begin / end, after / before by billId, limit 1..100;
// HistoryQuery), and ccy, type, subType (exact), mgnMode (cross; isolated has no bills
// here), ctType (linear; inverse has none). A bill without an instrument (a deposit)
// matches no instType / instId filter.
net::HttpResponse OkxSimVenue::get_bills(const net::HttpRequest& request, const std::string& account) {
  HistoryQuery query;
  if (auto refused = parse_history_query(request, query)) return *refused;
  const auto param = [&](const char* key) -> std::optional<std::string> {
    auto it = request.query.find(key);
    if (it == request.query.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  const auto mgn_mode = param("mgnMode");
  if (mgn_mode && *mgn_mode != "cross" && *mgn_mode != "isolated") {
    return top_level_error("51000", "Parameter mgnMode error");
  }
  const auto ct_type = param("ctType");
  if (ct_type && *ct_type != "linear" && *ct_type != "inverse") {
    return top_level_error("51000", "Parameter ctType error");
  }
  const auto ccy = param("ccy");
  const auto type = param("type");
  const auto sub_type = param("subType");
  const bool instrument_filter = query.inst_type || query.symbol || mgn_mode || ct_type;
  std::vector<IncomeRecord> selected;
  const bool none = !query.wants_swaps() || (mgn_mode && *mgn_mode == "isolated") || (ct_type && *ct_type == "inverse");
  if (!none) {
    for (IncomeRecord& record : core_.income(account, query.symbol)) {
      if (instrument_filter && record.symbol.empty()) continue;
      if (ccy && record.asset != *ccy) continue;
      const BillCode code = bill_code(record);
      if (type && *type != code.type) continue;
      if (sub_type && *sub_type != code.sub_type) continue;
      if (query.admits(record.id, record.ts)) selected.push_back(std::move(record));
    }
  }
  query.keep_page(selected);
  json data = json::array();
  for (auto it = selected.rbegin(); it != selected.rend(); ++it) data.push_back(bill_json(*it));
  return make_response(200, wire::ok_body(data));
}

}  // namespace propbot::venues::sim::okx_frontend
