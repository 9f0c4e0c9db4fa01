// The one clamp of a proposed size to the desk's notional caps (SPEC S-3.1: max
// notional per position and in total). Policies and scripts may only make a size
// smaller: whatever sizing.lua answers, and when there is no policy at all, the size
// that leaves the policy stage went through clamp_notional(). The risk governor
// (risk issue) grows from here.
//
// Pure functions; any thread.
#pragma once

namespace propbot::risk {

// What a cap of 0 ("guard off", paper and testnet only) stands for in arithmetic.
inline constexpr double kNoCap = 1e15;

struct NotionalCaps {
  double per_position_usdt = kNoCap;
  double total_usdt = kNoCap;
};

// The caps as configured (risk.max_notional_per_position_usdt, risk.max_total_notional_usdt),
// where 0 switches a guard off.
NotionalCaps caps_from_config(double max_notional_per_position_usdt, double max_total_notional_usdt);

// Room left under both caps given what is open already; never negative.
double notional_headroom(const NotionalCaps& caps, double position_open_usdt, double total_open_usdt);

struct ClampedNotional {
  double notional_usdt = 0;
  bool clamped = false;  // the request was cut down
};
ClampedNotional clamp_notional(double requested_usdt, double headroom_usdt);

}  // namespace propbot::risk
