// Intent: what a strategy proposes. Scripts propose, the core disposes: an Intent is
// only a wish — risk, the control plane and the executor decide whether any order
// follows. The walking skeleton only turns intents into opportunities shown by the API.
#pragma once

#include <cstdint>
#include <string>

namespace propbot::scripting {

struct Intent {
  std::string strategy;
  std::string kind = "hedged_pair";  // "hedged_pair" | "single"
  std::string symbol;
  std::string long_venue;   // buy leg
  std::string short_venue;  // sell leg
  double notional_usdt = 0;
  double spread_bps = 0;      // gross: (short bid − long ask) / long ask
  double net_spread_bps = 0;  // after fees and expected slippage
  double long_price = 0;
  double short_price = 0;
  std::string reason;
};

}  // namespace propbot::scripting
