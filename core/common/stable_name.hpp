// Stable names: the lookups shared by every enum whose values have a stable string form
// (Mode, Severity, IncidentCode, ...). Such an enum provides a
// `constexpr std::string_view to_string(Enum)` found by argument-dependent lookup and a
// `kAll…` array of its values; these helpers search and list that array, so each enum
// keeps only its own names.
//
// Threads: pure functions, safe from any thread. find_by_name never allocates.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace propbot {

// The value whose to_string() is exactly `text` (case-sensitive), or nullopt.
template <typename Enum, std::size_t N>
constexpr std::optional<Enum> find_by_name(std::string_view text, const std::array<Enum, N>& all) {
  for (Enum value : all) {
    if (to_string(value) == text) return value;
  }
  return std::nullopt;
}

// "a, b, c": the names of `all` in order, leaving out the values `skip` accepts; for
// messages that name the allowed values.
template <typename Enum, std::size_t N, typename Skip>
std::string join_names(const std::array<Enum, N>& all, Skip skip) {
  std::string joined;
  for (Enum value : all) {
    if (skip(value)) continue;
    if (!joined.empty()) joined += ", ";
    joined += to_string(value);
  }
  return joined;
}

}  // namespace propbot
