#include "core/risk/notional_caps.hpp"

#include <algorithm>

namespace propbot::risk {

NotionalCaps caps_from_config(double max_notional_per_position_usdt, double max_total_notional_usdt) {
  const auto effective = [](double cap) { return cap > 0 ? cap : kNoCap; };
  return {effective(max_notional_per_position_usdt), effective(max_total_notional_usdt)};
}

double notional_headroom(const NotionalCaps& caps, double position_open_usdt, double total_open_usdt) {
  return std::max(0.0, std::min(caps.per_position_usdt - position_open_usdt, caps.total_usdt - total_open_usdt));
}

ClampedNotional clamp_notional(double requested_usdt, double headroom_usdt) {
  if (requested_usdt > headroom_usdt) return {headroom_usdt, true};
  return {requested_usdt, false};
}

}  // namespace propbot::risk
