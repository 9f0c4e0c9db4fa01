// Helpers for the journal tests: entries built from a few fields (the rest filled in
// plausibly), a quiet logger, and equality that reads as "the same journal entry".
#pragma once

#include <cstdint>
#include <string>

#include "core/common/logging.hpp"
#include "core/exec/client_order_id.hpp"
#include "core/exec/journal.hpp"

namespace propbot::exec::test_support {

inline Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  return Logger(make_logger(options));
}

inline Decimal dec(const char* text) { return Decimal::parse(text).value(); }

inline std::string cid(std::uint64_t intent_id, Leg leg = Leg::single, int attempt = 0) {
  return make_client_order_id(ClientOrderIdParts{7, intent_id, leg, attempt}).value();
}

inline OrderEntry order_entry(std::uint64_t intent_id, OrderEvent event, const char* filled = "0",
                              Leg leg = Leg::single, int attempt = 0, const char* venue = "BINANCE") {
  OrderEntry entry;
  entry.ts_ms = 1'700'000'000'000 + static_cast<std::int64_t>(intent_id);
  entry.venue = venue;
  entry.client_order_id = cid(intent_id, leg, attempt);
  entry.event = event;
  entry.intent_id = intent_id;
  entry.position_id = intent_id;
  entry.strategy = "cross_exchange_arb";
  entry.leg = leg;
  entry.attempt = attempt;
  entry.symbol = "BTC-USDT";
  entry.side = leg == Leg::b ? Side::sell : Side::buy;
  entry.type = venues::OrderType::limit;
  entry.time_in_force = venues::TimeInForce::ioc;
  entry.quantity = dec("1");
  entry.price = dec("65000.10");
  entry.filled_quantity = dec(filled);
  entry.average_price = entry.filled_quantity.is_zero() ? Decimal{} : dec("65000.05");
  if (event != OrderEvent::intent && event != OrderEvent::new_order) entry.venue_order_id = "v" + std::to_string(intent_id);
  if (event == OrderEvent::rejected) entry.reason = "insufficient_margin";
  return entry;
}

inline FillEntry fill_entry(const std::string& trade_id, std::uint64_t intent_id = 1, const char* venue = "BINANCE",
                            const char* symbol = "BTC-USDT") {
  FillEntry fill;
  fill.ts_ms = 1'700'000'000'500;
  fill.venue = venue;
  fill.symbol = symbol;
  fill.trade_id = trade_id;
  fill.client_order_id = cid(intent_id);
  fill.intent_id = intent_id;
  fill.position_id = intent_id;
  fill.side = Side::buy;
  fill.quantity = dec("0.25");
  fill.price = dec("65000.05");
  fill.fee = dec("0.0125");
  fill.fee_asset = "USDT";
  fill.maker = true;
  return fill;
}

// Every field, decimals by value.
inline bool same_entry(const OrderEntry& a, const OrderEntry& b) {
  return a.seq == b.seq && a.ts_ms == b.ts_ms && a.venue == b.venue && a.client_order_id == b.client_order_id &&
         a.event == b.event && a.intent_id == b.intent_id && a.position_id == b.position_id &&
         a.strategy == b.strategy && a.leg == b.leg && a.attempt == b.attempt && a.symbol == b.symbol &&
         a.side == b.side && a.type == b.type && a.time_in_force == b.time_in_force &&
         a.reduce_only == b.reduce_only && a.quantity == b.quantity && a.price == b.price &&
         a.filled_quantity == b.filled_quantity && a.average_price == b.average_price &&
         a.venue_order_id == b.venue_order_id && a.reason == b.reason && a.simulated == b.simulated;
}

inline bool same_entry(const FillEntry& a, const FillEntry& b) {
  return a.seq == b.seq && a.ts_ms == b.ts_ms && a.venue == b.venue && a.symbol == b.symbol &&
         a.trade_id == b.trade_id && a.client_order_id == b.client_order_id && a.intent_id == b.intent_id &&
         a.position_id == b.position_id && a.leg == b.leg && a.side == b.side && a.quantity == b.quantity &&
         a.price == b.price && a.fee == b.fee && a.fee_asset == b.fee_asset && a.maker == b.maker &&
         a.simulated == b.simulated;
}

}  // namespace propbot::exec::test_support
