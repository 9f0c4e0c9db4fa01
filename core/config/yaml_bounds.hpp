// YAML bounds: how much a parsed YAML document may hold before PropBot walks it.
//
// yaml-cpp resolves an alias to the very node its anchor names, so a document of a few
// hundred bytes ("a: &a [x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, ...]", seven
// levels) parses into a handful of nodes that any walk — reading strategy params,
// converting to JSON — visits billions of times (issue 10: 1.85 GB and a 4.6 s stall).
// check_yaml_bounds() walks the document once the way a reader would, aliases
// expanded, and stops at the first bound crossed, so its own cost is bounded by the
// limits, not by the expansion.
//
// Guarantees: never throws (beyond std::bad_alloc); visits at most max_nodes + 1
// nodes; recursion at most max_depth + 1 deep. Thread: pure, any thread.
// Uses: yaml-cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

namespace propbot::config {

struct YamlBounds {
  // Nodes a reader would visit, aliases expanded. A profile has a few hundred; the
  // largest strategy params block in the shipped bundle has tens.
  std::size_t max_nodes = 100'000;
  // Nesting of maps and lists. The profile schema goes 4 deep; params a little more.
  std::size_t max_depth = 64;
};

// The largest profile file the loader reads (the same bound as one bundle file).
inline constexpr std::size_t kMaxYamlFileBytes = 1u << 20;

// nullopt when `root` stays inside `bounds`, else what was crossed, e.g. "the document
// expands to more than 100000 nodes (aliases repeat their anchor's content each time
// they are used)", or "... nests deeper than 64 levels at line 12".
std::optional<std::string> check_yaml_bounds(const YAML::Node& root, const YamlBounds& bounds = {});

}  // namespace propbot::config
