// Intent: what a strategy proposes (S-7.2). Scripts propose, the core disposes: an
// Intent is only a wish — risk, the control plane and the executor decide whether any
// order follows. The walking skeleton only turns intents into opportunities shown by
// the API.
//
// Two kinds, validated by ctx:propose (StrategyRunner) before an Intent exists, so a
// consumer may rely on what is documented per field:
// - "hedged_pair": buy `symbol` on `long_venue`, sell it on `short_venue` (different
//   venues), `notional_usdt` per leg. `venue`, `side`, `price` and `post_only` are unset.
// - "single": one limit order on `venue`: `side`, `notional_usdt` at limit `price`,
//   maker-only when `post_only`. `long_venue`, `short_venue`, `long_price`,
//   `short_price`, `spread_bps` and `net_spread_bps` are unset.
// Both kinds may carry `max_slippage_bps` and `time_guard_ms`; absent means the core's
// policy (policies/policy_matrix.lua) decides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace propbot::scripting {

struct Intent {
  std::string strategy;
  std::string kind = "hedged_pair";  // "hedged_pair" | "single"
  std::string symbol;
  // hedged_pair
  std::string long_venue;   // buy leg
  std::string short_venue;  // sell leg
  double notional_usdt = 0;   // both kinds: > 0, per leg for a pair
  double spread_bps = 0;      // gross: (short bid − long ask) / long ask; may be negative
  double net_spread_bps = 0;  // after fees and expected slippage; may be negative
  double long_price = 0;      // expected fill prices; 0 when not given
  double short_price = 0;
  // single
  std::string venue;
  std::string side;        // "buy" | "sell"
  double price = 0;        // the limit price, > 0
  bool post_only = false;  // maker only: the venue rejects it rather than let it take
  // both kinds
  std::optional<double> max_slippage_bps;  // >= 0: worst accepted fill vs the intent's prices
  std::optional<double> time_guard_ms;     // > 0: the intent is void this long after it was proposed
  std::string reason;
};

}  // namespace propbot::scripting
