// Helpers shared by the sim_engine tests: Decimal literals, BTC-USDT rules, order
// builders and event filters.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/venues/sim/engine/events.hpp"
#include "core/venues/sim/engine/instrument_rules.hpp"

namespace propbot::venues::sim::testing {

inline Decimal dec(std::string_view text) {
  auto parsed = Decimal::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : Decimal{};
}

inline const UtcTime kNow = UtcTime{std::chrono::seconds{1'700'000'000}};

// tick 0.1, step 0.001, min qty 0.001, min notional 5, maker 0.0002, taker 0.0005,
// leverage 20 (max 125), maintenance 0.004.
inline InstrumentRules btc_rules() {
  InstrumentRules r;
  r.symbol = "BTC-USDT";
  return r;
}

inline OrderRequest limit(OrderSide side, std::string_view qty, std::string_view price,
                          TimeInForce tif = TimeInForce::gtc, std::string client_id = {}) {
  OrderRequest r;
  r.symbol = "BTC-USDT";
  r.side = side;
  r.type = OrderType::limit;
  r.time_in_force = tif;
  r.quantity = dec(qty);
  r.price = dec(price);
  r.client_order_id = std::move(client_id);
  return r;
}

inline OrderRequest market(OrderSide side, std::string_view qty) {
  OrderRequest r;
  r.symbol = "BTC-USDT";
  r.side = side;
  r.type = OrderType::market;
  r.time_in_force = TimeInForce::ioc;
  r.quantity = dec(qty);
  return r;
}

inline OrderRequest reduce_only(OrderRequest r) {
  r.reduce_only = true;
  return r;
}

template <typename T>
std::vector<T> events_of(const std::vector<Event>& events) {
  std::vector<T> out;
  for (const auto& e : events) {
    if (const auto* v = std::get_if<T>(&e)) out.push_back(*v);
  }
  return out;
}

template <typename T>
std::vector<T> events_of(const std::vector<Event>& events, const std::string& account) {
  std::vector<T> out;
  for (const auto& e : events) {
    if (const auto* v = std::get_if<T>(&e); v != nullptr && v->account == account) out.push_back(*v);
  }
  return out;
}

}  // namespace propbot::venues::sim::testing
