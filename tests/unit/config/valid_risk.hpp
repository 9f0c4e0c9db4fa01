// The risk section of a valid paper configuration (the caps of configs/paper.yaml): the
// common start of the config tests that build a Config in code.
#pragma once

#include "core/config/config.hpp"

namespace propbot::config::testing {

inline RiskConfig valid_risk() {
  RiskConfig risk;
  risk.max_total_notional_usdt = 50000;
  risk.max_open_positions = 10;
  risk.max_notional_per_position_usdt = 5000;
  risk.max_exposure_per_symbol_usdt = 20000;
  risk.max_exposure_per_venue_usdt = 30000;
  risk.max_leverage_per_venue = 3;
  risk.daily_loss_cap_usdt = 1000;
  risk.max_unrealized_loss_usdt = 500;
  risk.clock_skew_hold_ms = 1000;
  risk.max_orders_per_min = 300;
  risk.max_cancels_per_min = 600;
  return risk;
}

}  // namespace propbot::config::testing
