// Journal fields: the one list of the fields of OrderEntry and FillEntry, with their
// stable names, that every codec of the journal walks — the outbox's binary frame
// (outbox_record.cpp) and the SQLite columns (journal_store.cpp). A field added to an
// entry is added here once and every codec carries it.
//
// for_each_field(entry, visitor) calls visitor(name, field) for each field in
// declaration order; `entry` may be const (encoders) or not (decoders). A visitor
// handles std::uint64_t, std::int64_t, int, bool, std::string, Decimal,
// std::optional<Decimal> and the enums below; enum_values<Enum>() lists an enum's
// values (their index is the binary code, to_string() the SQLite text).
//
// Pure; any thread.
#pragma once

#include <array>
#include <string_view>
#include <type_traits>

#include "core/exec/journal.hpp"

namespace propbot::exec {

template <typename Entry, typename Visitor>
  requires std::same_as<std::remove_const_t<Entry>, OrderEntry>
void for_each_field(Entry& e, Visitor&& visit) {
  visit("seq", e.seq);
  visit("ts_ms", e.ts_ms);
  visit("venue", e.venue);
  visit("client_order_id", e.client_order_id);
  visit("event", e.event);
  visit("intent_id", e.intent_id);
  visit("position_id", e.position_id);
  visit("strategy", e.strategy);
  visit("leg", e.leg);
  visit("attempt", e.attempt);
  visit("symbol", e.symbol);
  visit("side", e.side);
  visit("type", e.type);
  visit("time_in_force", e.time_in_force);
  visit("reduce_only", e.reduce_only);
  visit("quantity", e.quantity);
  visit("price", e.price);
  visit("filled_quantity", e.filled_quantity);
  visit("average_price", e.average_price);
  visit("venue_order_id", e.venue_order_id);
  visit("reason", e.reason);
  visit("simulated", e.simulated);
}

template <typename Entry, typename Visitor>
  requires std::same_as<std::remove_const_t<Entry>, FillEntry>
void for_each_field(Entry& f, Visitor&& visit) {
  visit("seq", f.seq);
  visit("ts_ms", f.ts_ms);
  visit("venue", f.venue);
  visit("symbol", f.symbol);
  visit("trade_id", f.trade_id);
  visit("client_order_id", f.client_order_id);
  visit("intent_id", f.intent_id);
  visit("position_id", f.position_id);
  visit("strategy", f.strategy);
  visit("leg", f.leg);
  visit("side", f.side);
  visit("quantity", f.quantity);
  visit("price", f.price);
  visit("fee", f.fee);
  visit("fee_asset", f.fee_asset);
  visit("maker", f.maker);
  visit("simulated", f.simulated);
}

inline constexpr std::array<venues::OrderType, 2> kAllOrderTypes = {venues::OrderType::limit,
                                                                     venues::OrderType::market};
inline constexpr std::array<venues::TimeInForce, 4> kAllTimesInForce = {
    venues::TimeInForce::gtc, venues::TimeInForce::ioc, venues::TimeInForce::fok, venues::TimeInForce::post_only};

template <typename Enum>
constexpr const auto& enum_values() {
  if constexpr (std::is_same_v<Enum, OrderEvent>) return kAllOrderEvents;
  else if constexpr (std::is_same_v<Enum, Leg>) return kAllLegs;
  else if constexpr (std::is_same_v<Enum, Side>) return kAllSides;
  else if constexpr (std::is_same_v<Enum, venues::OrderType>) return kAllOrderTypes;
  else {
    static_assert(std::is_same_v<Enum, venues::TimeInForce>, "not a journal enum");
    return kAllTimesInForce;
  }
}

}  // namespace propbot::exec
