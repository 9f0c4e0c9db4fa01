#include "core/config/yaml_bounds.hpp"

namespace propbot::config {
namespace {

class BoundedWalk {
 public:
  explicit BoundedWalk(const YamlBounds& bounds) : bounds_(bounds) {}

  // False as soon as a bound is crossed (problem() then says which).
  bool visit(const YAML::Node& node, std::size_t depth) {
    if (++visited_ > bounds_.max_nodes) {
      problem_ = "the document expands to more than " + std::to_string(bounds_.max_nodes) +
                 " nodes (an alias repeats its anchor's whole content each time it is used); "
                 "write the values out or use fewer nested aliases";
      return false;
    }
    if (!node.IsMap() && !node.IsSequence()) return true;
    if (depth >= bounds_.max_depth) {
      problem_ = "the document nests deeper than " + std::to_string(bounds_.max_depth) + " levels at line " +
                 std::to_string(node.Mark().line + 1) + "; flatten it";
      return false;
    }
    for (const auto& entry : node) {
      if (node.IsMap()) {
        if (!visit(entry.first, depth + 1) || !visit(entry.second, depth + 1)) return false;
      } else if (!visit(entry, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  const std::string& problem() const { return problem_; }

 private:
  const YamlBounds& bounds_;
  std::size_t visited_ = 0;
  std::string problem_;
};

}  // namespace

std::optional<std::string> check_yaml_bounds(const YAML::Node& root, const YamlBounds& bounds) {
  BoundedWalk walk(bounds);
  if (walk.visit(root, 0)) return std::nullopt;
  return walk.problem();
}

}  // namespace propbot::config
