#include "core/venues/binance/messages.hpp"

#include "core/common/json_util.hpp"
#include "core/venues/binance/symbols.hpp"

namespace propbot::venues::binance {

int depth_weight(int limit) {
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}

Result<std::string> format_on_grid(Decimal value, Decimal step, std::string_view what) {
  if (step.sign() <= 0) {
    return make_error(Errc::invalid_argument, std::string(what) + ": instrument step is not positive");
  }
  auto on_grid = value.round_to_step(step, RoundMode::down);
  if (!on_grid) return on_grid.error();
  if (!(on_grid.value() == value)) {
    return make_error(Errc::invalid_argument, std::string(what) + " " + value.to_string() +
                                                  " is not a multiple of " + step.normalized().to_string() +
                                                  ": refused locally, nothing sent");
  }
  return value.normalized().to_string();
}

namespace {

Result<std::vector<QueryParam>> build(const OrderRequest& request, const BinanceInstrument& instrument,
                                      std::string_view stp_mode) {
  if (!is_stp_mode("binance", stp_mode)) {
    return make_error(Errc::invalid_argument, "selfTradePreventionMode '" + std::string(stp_mode) +
                                                  "' is not one of EXPIRE_TAKER, EXPIRE_MAKER, EXPIRE_BOTH");
  }
  if (request.symbol != instrument.symbol) {
    return make_error(Errc::invalid_argument, "order symbol " + request.symbol + " does not match instrument " +
                                                  instrument.symbol);
  }
  if (auto valid = validate_client_order_id(request.client_order_id); !valid) return valid.error();
  if (request.quantity.sign() <= 0) {
    return make_error(Errc::invalid_argument, "quantity " + request.quantity.to_string() + " must be positive");
  }
  auto quantity = format_on_grid(request.quantity, instrument.step_size, "quantity");
  if (!quantity) return quantity.error();
  if (instrument.min_qty.sign() > 0 && request.quantity < instrument.min_qty) {
    return make_error(Errc::invalid_argument, "quantity " + request.quantity.to_string() + " is below minQty " +
                                                  instrument.min_qty.normalized().to_string());
  }

  std::vector<QueryParam> params;
  params.reserve(10);
  params.push_back({"symbol", instrument.venue_symbol});
  params.push_back({"side", std::string(to_wire(request.side))});
  params.push_back({"type", std::string(to_wire(request.type))});
  if (request.type == OrderType::limit) {
    if (!request.price || request.price->sign() <= 0) {
      return make_error(Errc::invalid_argument, "a limit order needs a positive price");
    }
    auto price = format_on_grid(*request.price, instrument.tick_size, "price");
    if (!price) return price.error();
    if (!request.reduce_only && instrument.min_notional.sign() > 0) {
      auto notional = request.price->mul(request.quantity);
      if (!notional) return notional.error();
      if (notional.value() < instrument.min_notional) {
        return make_error(Errc::invalid_argument, "notional " + notional.value().normalized().to_string() +
                                                      " is below the minimum " +
                                                      instrument.min_notional.normalized().to_string());
      }
    }
    params.push_back({"timeInForce", std::string(to_wire(request.time_in_force))});
    params.push_back({"quantity", std::move(quantity.value())});
    params.push_back({"price", std::move(price.value())});
  } else {
    if (request.price) return make_error(Errc::invalid_argument, "a market order takes no price");
    params.push_back({"quantity", std::move(quantity.value())});
  }
  if (request.reduce_only) params.push_back({"reduceOnly", "true"});
  params.push_back({"newClientOrderId", request.client_order_id});
  params.push_back({"selfTradePreventionMode", std::string(stp_mode)});
  params.push_back({"newOrderRespType", "RESULT"});
  return params;
}

}  // namespace

Result<std::vector<QueryParam>> order_params(const OrderRequest& request, const BinanceInstrument& instrument,
                                             std::string_view stp_mode) {
  return build(request, instrument, stp_mode);
}

Result<std::string> batch_order_json(const OrderRequest& request, const BinanceInstrument& instrument,
                                     std::string_view stp_mode) {
  auto params = build(request, instrument, stp_mode);
  if (!params) return params.error();
  std::string out = "{";
  bool first = true;
  for (const auto& param : params.value()) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, param.key);
    out += ':';
    append_json_string(out, param.value);
  }
  out += '}';
  return out;
}

}  // namespace propbot::venues::binance
