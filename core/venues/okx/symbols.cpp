#include "core/venues/okx/symbols.hpp"

namespace propbot::venues::okx {
namespace {

constexpr std::string_view kSwapSuffix = "-SWAP";

bool all_upper_alnum(std::string_view text) {
  for (const char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return !text.empty();
}

bool is_canonical(std::string_view symbol) {
  const std::size_t dash = symbol.find('-');
  return dash != std::string_view::npos && all_upper_alnum(symbol.substr(0, dash)) &&
         all_upper_alnum(symbol.substr(dash + 1));
}

Error unknown(std::string_view field, std::string_view value) {
  return make_error(Errc::invalid_argument,
                    "okx: unknown " + std::string(field) + " '" + std::string(value) + "'");
}

}  // namespace

Result<std::string> to_inst_id(std::string_view canonical) {
  if (!is_canonical(canonical)) {
    return make_error(Errc::invalid_argument, "okx: symbol '" + std::string(canonical) +
                                                  "' is not canonical BASE-QUOTE (e.g. BTC-USDT)");
  }
  std::string out(canonical);
  out += kSwapSuffix;
  return out;
}

Result<std::string> from_inst_id(std::string_view inst_id) {
  if (!inst_id.ends_with(kSwapSuffix) || !is_canonical(inst_id.substr(0, inst_id.size() - kSwapSuffix.size()))) {
    return make_error(Errc::invalid_argument,
                      "okx: instId '" + std::string(inst_id) + "' is not a BASE-QUOTE-SWAP perpetual");
  }
  return std::string(inst_id.substr(0, inst_id.size() - kSwapSuffix.size()));
}

std::string_view to_wire(OrderSide side) { return side == OrderSide::buy ? "buy" : "sell"; }

Result<OrderSide> parse_side(std::string_view wire) {
  if (wire == "buy") return OrderSide::buy;
  if (wire == "sell") return OrderSide::sell;
  return unknown("side", wire);
}

Result<std::string_view> to_ord_type(OrderType type, TimeInForce time_in_force) {
  if (type == OrderType::market) {
    if (time_in_force == TimeInForce::gtc || time_in_force == TimeInForce::ioc) {
      return std::string_view{"market"};
    }
    return make_error(Errc::invalid_argument, "okx: a market order cannot be " +
                                                  std::string(to_string(time_in_force)));
  }
  switch (time_in_force) {
    case TimeInForce::gtc: return std::string_view{"limit"};
    case TimeInForce::ioc: return std::string_view{"ioc"};
    case TimeInForce::fok: return std::string_view{"fok"};
    case TimeInForce::post_only: return std::string_view{"post_only"};
  }
  return make_error(Errc::invalid_argument, "okx: unknown time in force");
}

Result<OrderKind> parse_ord_type(std::string_view wire) {
  if (wire == "market") return OrderKind{OrderType::market, TimeInForce::gtc};
  if (wire == "limit") return OrderKind{OrderType::limit, TimeInForce::gtc};
  if (wire == "ioc") return OrderKind{OrderType::limit, TimeInForce::ioc};
  if (wire == "fok") return OrderKind{OrderType::limit, TimeInForce::fok};
  if (wire == "post_only") return OrderKind{OrderType::limit, TimeInForce::post_only};
  return unknown("ordType", wire);
}

Result<std::string_view> to_wire(OrderStatus status) {
  switch (status) {
    case OrderStatus::new_order: return std::string_view{"live"};
    case OrderStatus::partially_filled: return std::string_view{"partially_filled"};
    case OrderStatus::filled: return std::string_view{"filled"};
    case OrderStatus::canceled: return std::string_view{"canceled"};
    case OrderStatus::pending_new:
    case OrderStatus::rejected:
    case OrderStatus::expired: break;
  }
  return make_error(Errc::invalid_argument,
                    "okx: order status '" + std::string(to_string(status)) + "' has no OKX state");
}

Result<OrderStatus> parse_state(std::string_view wire) {
  if (wire == "live") return OrderStatus::new_order;
  if (wire == "partially_filled") return OrderStatus::partially_filled;
  if (wire == "filled") return OrderStatus::filled;
  if (wire == "canceled" || wire == "mmp_canceled") return OrderStatus::canceled;
  return unknown("state", wire);
}

Status validate_client_order_id(std::string_view id) {
  if (id.empty() || id.size() > 32) {
    return make_error(Errc::invalid_argument,
                      "okx: clOrdId length " + std::to_string(id.size()) + " is not 1-32");
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return make_error(Errc::invalid_argument,
                        "okx: clOrdId has a non-alphanumeric character at position " + std::to_string(i));
    }
  }
  return {};
}

}  // namespace propbot::venues::okx
