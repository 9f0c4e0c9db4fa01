#include "core/venues/binance/symbols.hpp"

#include <array>

namespace propbot::venues::binance {
namespace {

// Quote assets of USDⓈ-M perpetuals; none is a suffix of another.
constexpr std::array<std::string_view, 4> kQuoteAssets{"FDUSD", "USDT", "USDC", "BUSD"};

bool is_upper_alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool all_upper_alnum(std::string_view text) {
  for (const char c : text) {
    if (!is_upper_alnum(c)) return false;
  }
  return !text.empty();
}

Error unknown(std::string_view field, std::string_view value) {
  return make_error(Errc::invalid_argument,
                    "binance: unknown " + std::string(field) + " '" + std::string(value) + "'");
}

Error bad_symbol(std::string_view symbol, std::string_view why) {
  return make_error(Errc::invalid_argument,
                    "binance: symbol '" + std::string(symbol) + "' " + std::string(why));
}

}  // namespace

Result<std::string> to_venue_symbol(std::string_view canonical) {
  const std::size_t dash = canonical.find('-');
  if (dash == std::string_view::npos || !all_upper_alnum(canonical.substr(0, dash)) ||
      !all_upper_alnum(canonical.substr(dash + 1))) {
    return bad_symbol(canonical, "is not canonical BASE-QUOTE (e.g. BTC-USDT)");
  }
  std::string out(canonical.substr(0, dash));
  out += canonical.substr(dash + 1);
  return out;
}

Result<std::string> from_venue_symbol(std::string_view venue_symbol) {
  if (!all_upper_alnum(venue_symbol)) {
    return bad_symbol(venue_symbol, "is not a perpetual symbol (upper-case alphanumerics)");
  }
  for (const std::string_view quote : kQuoteAssets) {
    if (venue_symbol.size() > quote.size() && venue_symbol.ends_with(quote)) {
      std::string out(venue_symbol.substr(0, venue_symbol.size() - quote.size()));
      out += '-';
      out += quote;
      return out;
    }
  }
  return bad_symbol(venue_symbol, "has no known quote asset (USDT, USDC, FDUSD, BUSD)");
}

Result<std::string> to_stream_symbol(std::string_view canonical) {
  auto symbol = to_venue_symbol(canonical);
  if (!symbol.ok()) return symbol;
  for (char& c : *symbol) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return symbol;
}

std::string_view to_wire(OrderSide side) { return side == OrderSide::buy ? "BUY" : "SELL"; }

std::string_view to_wire(OrderType type) { return type == OrderType::limit ? "LIMIT" : "MARKET"; }

std::string_view to_wire(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::gtc: return "GTC";
    case TimeInForce::ioc: return "IOC";
    case TimeInForce::fok: return "FOK";
    case TimeInForce::post_only: return "GTX";
  }
  return "GTC";
}

Result<std::string_view> to_wire(OrderStatus status) {
  switch (status) {
    case OrderStatus::new_order: return std::string_view{"NEW"};
    case OrderStatus::partially_filled: return std::string_view{"PARTIALLY_FILLED"};
    case OrderStatus::filled: return std::string_view{"FILLED"};
    case OrderStatus::canceled: return std::string_view{"CANCELED"};
    case OrderStatus::rejected: return std::string_view{"REJECTED"};
    case OrderStatus::expired: return std::string_view{"EXPIRED"};
    case OrderStatus::pending_new: break;
  }
  return make_error(Errc::invalid_argument,
                    "binance: order status '" + std::string(to_string(status)) + "' has no wire form");
}

Result<OrderSide> parse_side(std::string_view wire) {
  if (wire == "BUY") return OrderSide::buy;
  if (wire == "SELL") return OrderSide::sell;
  return unknown("side", wire);
}

Result<OrderType> parse_order_type(std::string_view wire) {
  if (wire == "LIMIT") return OrderType::limit;
  if (wire == "MARKET") return OrderType::market;
  return unknown("order type", wire);
}

Result<TimeInForce> parse_time_in_force(std::string_view wire) {
  if (wire == "GTC") return TimeInForce::gtc;
  if (wire == "IOC") return TimeInForce::ioc;
  if (wire == "FOK") return TimeInForce::fok;
  if (wire == "GTX") return TimeInForce::post_only;
  return unknown("timeInForce", wire);
}

Result<OrderStatus> parse_order_status(std::string_view wire) {
  if (wire == "NEW") return OrderStatus::new_order;
  if (wire == "PARTIALLY_FILLED") return OrderStatus::partially_filled;
  if (wire == "FILLED") return OrderStatus::filled;
  if (wire == "CANCELED") return OrderStatus::canceled;
  if (wire == "REJECTED") return OrderStatus::rejected;
  if (wire == "EXPIRED" || wire == "EXPIRED_IN_MATCH") return OrderStatus::expired;
  return unknown("order status", wire);
}

Status validate_client_order_id(std::string_view id) {
  if (id.empty() || id.size() > 36) {
    return make_error(Errc::invalid_argument, "binance: newClientOrderId length " +
                                                  std::to_string(id.size()) + " is not 1-36");
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                         c == '.' || c == ':' || c == '/' || c == '_' || c == '-';
    if (!allowed) {
      return make_error(Errc::invalid_argument, "binance: newClientOrderId has a character outside "
                                                "[.A-Z:/a-z0-9_-] at position " +
                                                    std::to_string(i));
    }
  }
  return {};
}

}  // namespace propbot::venues::binance

