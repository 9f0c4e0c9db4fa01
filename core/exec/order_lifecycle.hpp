// The journal's order lifecycle (SPEC S-8): the events an order goes through —
// intent → new → sent → ack → partial… → filled | cancelled | rejected | expired — with
// stable names, which of them end an order, and which step may follow which. The
// journal records an event only when can_follow() allows it, so a stale or duplicated
// venue report (a partial after the fill, an ack after a cancel) is recognised as such
// instead of moving an order backwards.
//
// Pure; any thread.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace propbot::exec {

enum class OrderEvent { intent, new_order, sent, ack, partial, filled, cancelled, rejected, expired };
inline constexpr std::array<OrderEvent, 9> kAllOrderEvents = {
    OrderEvent::intent,  OrderEvent::new_order, OrderEvent::sent,     OrderEvent::ack,    OrderEvent::partial,
    OrderEvent::filled,  OrderEvent::cancelled, OrderEvent::rejected, OrderEvent::expired};

// "intent", "new", "sent", "ack", "partial", "filled", "cancelled", "rejected", "expired".
std::string_view to_string(OrderEvent event);
std::optional<OrderEvent> parse_order_event(std::string_view text);

// filled, cancelled, rejected, expired: nothing follows.
bool is_terminal(OrderEvent event);
// Whether `next` may be recorded after `last`. A venue may report a fill, cancel or
// expiry without an ack first (the ack can arrive later or not at all), and a partial
// may repeat; a refusal before sending is `rejected` after `new`. A planned order that
// is never built ends at `intent`: `cancelled` when it was not needed (a hedge leg whose
// first leg filled nothing), `rejected` when a pre-trade check refused it.
bool can_follow(OrderEvent last, OrderEvent next);

}  // namespace propbot::exec
