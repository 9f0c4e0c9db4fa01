// Binance USDⓈ-M wire shapes of the venue simulator (protocols.md A2, A6, A8): the
// order JSON of REST answers, ORDER_TRADE_UPDATE and ACCOUNT_UPDATE frames built from
// exchange-core events, and the Binance code for each engine RejectReason.
//
// Guarantees: numbers that are prices/quantities/money are JSON strings, ids and times
// JSON numbers (A2 "Useful response shapes"); symbols are venue symbols (BTCUSDT).
// Pure functions, no I/O, any thread. Uses nlohmann::json (not on a latency path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/venues/sim/engine/events.hpp"

namespace propbot::venues::sim::binance_wire {

// Binance code and message for an engine refusal (e.g. duplicate_client_id → -4116).
std::pair<int, std::string> reject_code(const Rejection& rejection);

// "BTC-USDT" → "BTCUSDT" (no validation: the instruments were validated at start-up).
std::string venue_symbol(std::string_view canonical);

// The REST order object (New Order / Query Order / Cancel Order answers).
nlohmann::json order_json(const OrderState& order, std::int64_t time_ms);

// Wire status of an order ("NEW", "PARTIALLY_FILLED", ..., "EXPIRED").
std::string order_status(OrderStatus status);

// ORDER_TRADE_UPDATE for an order event; false when the event is not an order event
// the venue pushes (rejections are answered synchronously only).
bool order_trade_update(const Event& event, std::int64_t event_time_ms, std::string& out);

// One ACCOUNT_UPDATE for a run of BalanceChanged/PositionChanged events of one account.
std::string account_update(const std::vector<const Event*>& run, std::int64_t event_time_ms);

}  // namespace propbot::venues::sim::binance_wire
