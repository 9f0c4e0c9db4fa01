#include "core/status/component_check.hpp"

namespace propbot::status {

std::string_view to_string(Group group) {
  switch (group) {
    case Group::P0:
      return "P0";
    case Group::P1:
      return "P1";
    case Group::P2:
      return "P2";
    case Group::P3:
      return "P3";
  }
  return "P0";
}

std::string_view to_string(ComponentStatus status) {
  switch (status) {
    case ComponentStatus::OK:
      return "OK";
    case ComponentStatus::WARN:
      return "WARN";
    case ComponentStatus::ERROR:
      return "ERROR";
    case ComponentStatus::HOLD:
      return "HOLD";
  }
  return "ERROR";
}

ComponentCheck make_check(std::string id, std::string title, Group group, ComponentStatus status, std::string summary,
                          nlohmann::json metrics, std::vector<std::string> links) {
  ComponentCheck check;
  check.id = std::move(id);
  check.title = std::move(title);
  check.group = group;
  check.status = status;
  check.summary = std::move(summary);
  check.metrics = std::move(metrics);
  check.links = std::move(links);
  return check;
}

ComponentCheck not_implemented(std::string id, std::string title, Group group, std::string what_is_missing) {
  ComponentCheck check;
  check.id = std::move(id);
  check.title = std::move(title);
  check.group = group;
  check.status = ComponentStatus::ERROR;
  check.summary = "not implemented";
  check.metrics = {{"missing", std::move(what_is_missing)}};
  check.implemented = false;
  return check;
}

nlohmann::json to_json(const ComponentCheck& check) {
  return {{"id", check.id},
          {"title", check.title},
          {"group", std::string(to_string(check.group))},
          {"status", std::string(to_string(check.status))},
          {"summary", check.summary},
          {"metrics", check.metrics},
          {"links", check.links},
          {"implemented", check.implemented}};
}

std::array<double, 4> group_scores(const std::vector<ComponentCheck>& checks) {
  std::array<double, 4> points{};
  std::array<int, 4> counts{};
  for (const auto& check : checks) {
    const auto index = static_cast<std::size_t>(check.group);
    counts[index] += 1;
    if (check.status == ComponentStatus::OK) points[index] += 1.0;
    if (check.status == ComponentStatus::WARN || check.status == ComponentStatus::HOLD) points[index] += 0.5;
  }
  std::array<double, 4> scores{};
  for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = counts[i] == 0 ? 1.0 : points[i] / counts[i];
  return scores;
}

namespace {
int rank(ComponentStatus status) {
  switch (status) {
    case ComponentStatus::OK:
      return 0;
    case ComponentStatus::WARN:
      return 1;
    case ComponentStatus::HOLD:
      return 2;
    case ComponentStatus::ERROR:
      return 3;
  }
  return 3;
}
}  // namespace

ComponentStatus worst_of(ComponentStatus a, ComponentStatus b) { return rank(a) >= rank(b) ? a : b; }

}  // namespace propbot::status
