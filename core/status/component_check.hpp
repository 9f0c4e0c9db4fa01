// ComponentCheck: one row of the status registry (SPEC S-11.3) — {id, title, group
// P0..P3, status OK|WARN|ERROR|HOLD, summary, metrics{}, links[]} — with the enums'
// stable strings and the deterministic group scores.
//
// Status meaning: OK works; WARN degraded but trading is safe; ERROR broken, or the
// area is not built yet (`implemented` false, summary "not implemented"); HOLD the
// component is what holds the desk (the mode, an unresolved P0).
// Group score (documented in docs/API.md "Status"): for the components of a group,
//   score = (count(OK) + 0.5·count(WARN) + 0.5·count(HOLD)) / count(all)
// ERROR (including not implemented) counts 0; a group without components scores 1.
// Threads: plain values and pure functions.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace propbot::status {

enum class Group { P0, P1, P2, P3 };
inline constexpr std::array<Group, 4> kAllGroups = {Group::P0, Group::P1, Group::P2, Group::P3};
std::string_view to_string(Group group);

enum class ComponentStatus { OK, WARN, ERROR, HOLD };
std::string_view to_string(ComponentStatus status);

struct ComponentCheck {
  std::string id;  // stable: "recon", "exchange:BINANCE", "strategy:funding_basis"
  std::string title;
  Group group = Group::P2;
  ComponentStatus status = ComponentStatus::ERROR;
  std::string summary;
  nlohmann::json metrics = nlohmann::json::object();
  std::vector<std::string> links;  // API routes that show more
  bool implemented = true;         // false: the area is not built (ERROR, "not implemented")
};

// A built component's check (implemented = true).
ComponentCheck make_check(std::string id, std::string title, Group group, ComponentStatus status, std::string summary,
                          nlohmann::json metrics, std::vector<std::string> links = {});

// An area that is not built yet: ERROR, summary "not implemented", counted as such.
ComponentCheck not_implemented(std::string id, std::string title, Group group, std::string what_is_missing);

nlohmann::json to_json(const ComponentCheck& check);

// The score of each group, in kAllGroups order (see the header comment).
std::array<double, 4> group_scores(const std::vector<ComponentCheck>& checks);

// The worst status by ERROR > HOLD > WARN > OK.
ComponentStatus worst_of(ComponentStatus a, ComponentStatus b);

}  // namespace propbot::status
