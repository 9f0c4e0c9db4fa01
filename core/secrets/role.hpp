// Role: what the holder of an API token may do (SPEC S-6.1) — `viewer` reads status
// and the dashboard, `auditor` reads everything including reports and audit and
// changes nothing, `operator` reads and acts. The string forms are the stable names
// used in the secrets store, the CLI, the API and audit entries.
//
// Threads: pure functions. Never throw.
#pragma once

#include <optional>
#include <string_view>

namespace propbot::secrets {

enum class Role {
  viewer,
  auditor,
  operator_,  // "operator" (the trailing underscore only because `operator` is a C++ keyword)
};

std::string_view to_string(Role role);
// Exact, lower-case: "viewer" | "auditor" | "operator".
std::optional<Role> parse_role(std::string_view text);

}  // namespace propbot::secrets
