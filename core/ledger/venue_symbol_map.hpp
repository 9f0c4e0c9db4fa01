// VenueSymbolMap: a value per (venue, symbol) — marks, lots, net exposure — looked up
// with string_views and without allocating (only the first sight of a pair allocates),
// since marks arrive with every book update. Iteration is ordered by venue, then
// symbol, so every view built from it is deterministic.
//
// Bound: one entry per (venue, symbol) ever seen; the instruments the desk may trade
// are an allowlist (SPEC S-2.6), so this stays as small as the universe.
//
// Threads: a plain container; its owner's thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace propbot::ledger {

template <typename T>
class VenueSymbolMap {
 public:
  const T* find(std::string_view venue, std::string_view symbol) const {
    const auto by_venue = rows_.find(venue);
    if (by_venue == rows_.end()) return nullptr;
    const auto row = by_venue->second.find(symbol);
    return row == by_venue->second.end() ? nullptr : &row->second;
  }

  T& operator()(std::string_view venue, std::string_view symbol) {
    auto by_venue = rows_.find(venue);
    if (by_venue == rows_.end()) by_venue = rows_.emplace(std::string(venue), Row{}).first;
    auto row = by_venue->second.find(symbol);
    if (row == by_venue->second.end()) row = by_venue->second.emplace(std::string(symbol), T{}).first;
    return row->second;
  }

  // fn(venue, symbol, value) in (venue, symbol) order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const auto& [venue, row] : rows_) {
      for (const auto& [symbol, value] : row) fn(venue, symbol, value);
    }
  }

 private:
  using Row = std::map<std::string, T, std::less<>>;
  std::map<std::string, Row, std::less<>> rows_;
};

}  // namespace propbot::ledger
