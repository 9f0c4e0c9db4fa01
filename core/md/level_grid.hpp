// LevelGrid: converts a venue's decimal price/size text straight into integer ticks
// and lots of one instrument, without going through double or allocating — the step
// every depth parser takes for every level.
//
// Guarantees: exact. A price that is not a whole number of ticks (or a size that is
// not a whole number of lots) is refused as off_grid, never rounded. Accepts plain
// non-negative decimals ("65000.10", "0.001", "7", ".5"); refuses signs, exponents,
// whitespace and more than 18 significant digits. Trailing fractional zeros are
// insignificant ("0.10" == "0.1"). Uses Decimal for the grid sizes.
//
// Thread: immutable after create(); safe to share.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"

namespace propbot::md {

enum class GridStatus {
  ok,
  malformed,     // not a plain non-negative decimal
  off_grid,      // not a whole number of ticks / lots
  out_of_range,  // too many digits, or the count does not fit int64
};

std::string_view to_string(GridStatus status);

class LevelGrid {
 public:
  // Errors: invalid_argument when tick or lot is not positive.
  static Result<LevelGrid> create(Decimal tick, Decimal lot);

  Decimal tick() const { return tick_; }
  Decimal lot() const { return lot_; }

  GridStatus to_ticks(std::string_view price_text, std::int64_t& ticks) const {
    return to_units(price_text, tick_, ticks);
  }
  GridStatus to_lots(std::string_view size_text, std::int64_t& lots) const {
    return to_units(size_text, lot_, lots);
  }

  // Number of whole `unit`s in `text` (unit must be normalized and positive).
  static GridStatus to_units(std::string_view text, Decimal unit, std::int64_t& count);

 private:
  LevelGrid(Decimal tick, Decimal lot) : tick_(tick), lot_(lot) {}

  Decimal tick_;  // normalized (no trailing zeros)
  Decimal lot_;
};

}  // namespace propbot::md
