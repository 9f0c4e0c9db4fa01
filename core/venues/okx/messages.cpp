#include "core/venues/okx/messages.hpp"

#include <algorithm>
#include <cctype>

#include "core/venues/okx/symbols.hpp"

namespace propbot::venues::okx {

namespace {

Error bad(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

bool on_step(Decimal value, Decimal step) {
  auto rounded = value.round_to_step(step, RoundMode::down);
  return rounded && rounded.value() == value;
}

}  // namespace

Decimal OkxInstrument::lot_step() const {
  auto step = lot_size.mul(contract_value);
  return step ? step->normalized() : Decimal{};
}

RateLimitPolicy default_rate_limit_policy() {
  RateLimitPolicy policy;
  policy.weight_per_minute = 1800;
  policy.orders_per_10s = 300;
  policy.orders_per_minute = 1800;
  // OKX answers 429 / 50011 without Retry-After; start backing off at 500 ms.
  policy.base_backoff = std::chrono::milliseconds(500);
  policy.max_backoff = std::chrono::seconds(30);
  policy.default_ban = std::chrono::minutes(1);
  return policy;
}

Result<Decimal> contracts_from_base(Decimal base_quantity, const OkxInstrument& instrument) {
  if (instrument.contract_value <= Decimal{} || instrument.lot_size <= Decimal{}) {
    return bad("instrument " + instrument.inst_id + " has no ctVal/lotSz");
  }
  const int scale = instrument.lot_size.normalized().scale();
  auto contracts = base_quantity.div(instrument.contract_value, scale, RoundMode::down);
  if (!contracts) return contracts.error();
  auto back = contracts->mul(instrument.contract_value);
  if (!back || back.value() != base_quantity || !on_step(contracts.value(), instrument.lot_size)) {
    return bad("quantity " + base_quantity.to_string() + " is not a whole number of lots of " + instrument.inst_id +
               " (lotSz " + instrument.lot_size.to_string() + " contracts × ctVal " +
               instrument.contract_value.to_string() + " = " + instrument.lot_step().to_string() +
               " base): round it down to that step");
  }
  return contracts->normalized();
}

Result<Decimal> base_from_contracts(Decimal contracts, const OkxInstrument& instrument) {
  auto base = contracts.mul(instrument.contract_value);
  if (!base) return base.error();
  return base->normalized();
}

Result<nlohmann::json> order_body(const OrderRequest& request, const OkxInstrument& instrument,
                                  std::string_view stp_mode) {
  if (!is_stp_mode("okx", stp_mode)) {
    return bad("stpMode '" + std::string(stp_mode) + "' is not one of cancel_maker, cancel_taker, cancel_both");
  }
  if (stp_mode == "cancel_both" && request.time_in_force == TimeInForce::fok) {
    return bad("stpMode cancel_both does not support FOK orders (" + request.client_order_id + ")");
  }
  if (auto valid = validate_client_order_id(request.client_order_id); !valid) {
    return bad("clOrdId: " + valid.error().message);
  }
  if (request.quantity <= Decimal{}) return bad("quantity must be positive, got " + request.quantity.to_string());
  auto ord_type = to_ord_type(request.type, request.time_in_force);
  if (!ord_type) return ord_type.error();
  auto contracts = contracts_from_base(request.quantity, instrument);
  if (!contracts) return contracts.error();
  if (contracts.value() < instrument.min_size) {
    return bad("quantity " + request.quantity.to_string() + " (" + contracts->to_string() +
               " contracts) is below minSz " + instrument.min_size.to_string() + " of " + instrument.inst_id);
  }
  nlohmann::json body = nlohmann::json::object();
  body["instId"] = instrument.inst_id;
  body["tdMode"] = "cross";
  body["clOrdId"] = request.client_order_id;
  body["side"] = std::string(to_wire(request.side));
  body["ordType"] = std::string(ord_type.value());
  body["sz"] = contracts->to_string();
  if (request.type == OrderType::limit) {
    if (!request.price) return bad("price is required for a limit order (" + request.client_order_id + ")");
    if (*request.price <= Decimal{} || !on_step(*request.price, instrument.tick_size)) {
      return bad("price " + request.price->to_string() + " is not on the tick grid " +
                 instrument.tick_size.to_string() + " of " + instrument.inst_id);
    }
    body["px"] = request.price->normalized().to_string();
  }
  if (request.reduce_only) body["reduceOnly"] = true;
  body["stpMode"] = std::string(stp_mode);
  return body;
}

int cancel_all_after_seconds(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return 0;
  const auto seconds = (timeout.count() + 999) / 1000;
  return static_cast<int>(std::clamp<std::int64_t>(seconds, 10, 120));
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& [key, value] : params) {
    out += out.empty() ? '?' : '&';
    out += key;
    out += '=';
    for (unsigned char c : value) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  return out;
}

}  // namespace propbot::venues::okx
