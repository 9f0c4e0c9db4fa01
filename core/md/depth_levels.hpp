// Internal to core/md: the level-array walk shared by the venue depth parsers —
// `[["px","sz",...],...]` read string by string with JsonScanner and converted with
// LevelGrid. Failures describe themselves into `problem` (allocates only on failure).
//
// Thread: stateless helpers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/md/json_scanner.hpp"
#include "core/md/level_grid.hpp"
#include "core/md/order_book.hpp"

namespace propbot::md::detail {

// Walks an array of levels, each an array whose first two elements are the price and
// size strings; up to `max_extra` further elements are skipped (OKX sends 4). Calls
// on_level(index, price_text, size_text) → bool for each level.
template <typename OnLevel>
bool read_level_array(JsonScanner& scanner, std::size_t max_extra, std::string& problem, OnLevel&& on_level) {
  std::size_t level_index = 0;
  const bool ok = scanner.read_array([&](std::size_t index) {
    level_index = index;
    std::string_view price;
    std::string_view size;
    std::size_t count = 0;
    const bool level_ok = scanner.read_array([&](std::size_t element) {
      count = element + 1;
      if (element == 0) return scanner.read_string(price);
      if (element == 1) return scanner.read_string(size);
      return element < 2 + max_extra && scanner.skip_value();
    });
    if (!level_ok || count < 2) {
      if (problem.empty()) {
        problem = "level " + std::to_string(index) + " is not [\"price\",\"size\"" +
                  (max_extra > 0 ? ",...]" : "]") + " (byte " + std::to_string(scanner.position()) + ")";
      }
      return false;
    }
    return on_level(index, price, size);
  });
  if (!ok && problem.empty()) {
    problem = "is not an array of levels (level " + std::to_string(level_index) + ", byte " +
              std::to_string(scanner.position()) + ")";
  }
  return ok;
}

inline bool convert_level(const LevelGrid& grid, std::size_t index, std::string_view price_text,
                          std::string_view size_text, BookLevel& level, std::string& problem) {
  GridStatus status = grid.to_ticks(price_text, level.price_ticks);
  if (status != GridStatus::ok) {
    problem = "level " + std::to_string(index) + " price '" + std::string(price_text) + "' is " +
              std::string(to_string(status)) + " (tick " + grid.tick().to_string() + ")";
    return false;
  }
  status = grid.to_lots(size_text, level.qty_lots);
  if (status != GridStatus::ok) {
    problem = "level " + std::to_string(index) + " size '" + std::string(size_text) + "' is " +
              std::string(to_string(status)) + " (lot " + grid.lot().to_string() + ")";
    return false;
  }
  return true;
}

}  // namespace propbot::md::detail
