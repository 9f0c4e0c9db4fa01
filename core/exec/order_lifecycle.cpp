#include "core/exec/order_lifecycle.hpp"

#include "core/common/stable_name.hpp"

namespace propbot::exec {

std::string_view to_string(OrderEvent event) {
  switch (event) {
    case OrderEvent::intent: return "intent";
    case OrderEvent::new_order: return "new";
    case OrderEvent::sent: return "sent";
    case OrderEvent::ack: return "ack";
    case OrderEvent::partial: return "partial";
    case OrderEvent::filled: return "filled";
    case OrderEvent::cancelled: return "cancelled";
    case OrderEvent::rejected: return "rejected";
    case OrderEvent::expired: return "expired";
  }
  return "intent";
}

std::optional<OrderEvent> parse_order_event(std::string_view text) { return find_by_name(text, kAllOrderEvents); }

bool is_terminal(OrderEvent event) {
  return event == OrderEvent::filled || event == OrderEvent::cancelled || event == OrderEvent::rejected ||
         event == OrderEvent::expired;
}

bool can_follow(OrderEvent last, OrderEvent next) {
  using E = OrderEvent;
  switch (last) {
    case E::intent: return next == E::new_order || next == E::cancelled || next == E::rejected;
    case E::new_order: return next == E::sent || next == E::rejected;
    case E::sent:
      return next == E::ack || next == E::partial || next == E::filled || next == E::cancelled ||
             next == E::rejected || next == E::expired;
    case E::ack:
    case E::partial:
      return next == E::partial || next == E::filled || next == E::cancelled || next == E::expired;
    case E::filled:
    case E::cancelled:
    case E::rejected:
    case E::expired: return false;
  }
  return false;
}

}  // namespace propbot::exec
