// InstrumentSpec: what the core needs to know about one tradable instrument on one
// venue — canonical id (SPEC S-2.6 `VENUE:TYPE:BASE-QUOTE`), tick and lot sizes, and
// the minimum order notional. Prices and sizes on the hot path are integers in ticks
// and lots of the instrument; these sizes convert them for display and for Lua.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace propbot::md {

struct InstrumentSpec {
  std::string venue;             // e.g. "SIM-A"
  std::string symbol;            // e.g. "BTC-USDT"
  std::string kind = "PERP";
  double tick_size = 0.1;        // price increment
  double lot_size = 0.001;       // quantity increment (base coin)
  double min_notional = 5.0;     // USDT

  std::string canonical_id() const { return venue + ":" + kind + ":" + symbol; }
  double price_of(std::int64_t ticks) const { return scaled(ticks, tick_size); }
  double qty_of(std::int64_t lots) const { return scaled(lots, lot_size); }

  // count × size, computed as count ÷ (1/size) when 1/size is a whole number (0.1, 0.01,
  // 0.001 …): a division of two exact integers gives the double nearest the decimal
  // value, so 599627 ticks of 0.1 print as 59962.7 rather than 59962.700000000004.
  static double scaled(std::int64_t count, double size) {
    const double inverse = 1.0 / size;
    const double whole = std::round(inverse);
    if (whole >= 1.0 && std::abs(inverse - whole) < 1e-9 * whole) return static_cast<double>(count) / whole;
    return static_cast<double>(count) * size;
  }
};

}  // namespace propbot::md
