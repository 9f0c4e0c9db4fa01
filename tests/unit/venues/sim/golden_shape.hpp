// Golden-shape checks for the venue simulators: a fixture in
// tests/fixtures/venues/golden/<venue>/<endpoint>.json holds the field set of the
// venue's documented response (field names and JSON types, written from the venue's
// documentation), and check_golden_shape() lists every documented field a simulator's
// answer lacks or types differently. Extra fields are allowed (a client ignores them).
//
// Fixture format: {"endpoint", "source", "conditional": {name: why}, "may_be_empty":
// [names], "shape": S} where S is "string" | "number" | "bool" | {field: S} | [S] (every
// element) | [] (any array) | {"$by": key, "$shapes": {value: S}} (an array of objects
// shaped by their `key`, every documented value present at least once). A field named
// in `conditional` is documented for a feature the simulator does not have and may be
// absent — by name at any depth, or by path when the name starts with "$"
// ("$.arg.instId", array indices written "[]"); an array named in `may_be_empty` may be
// empty — any other empty array is a problem, since nothing in it could be checked.
#pragma once

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace propbot::venues::sim::golden {

using nlohmann::json;

inline json load_fixture(const std::string& venue, const std::string& name) {
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/tests/fixtures/venues/golden/" + venue + "/" + name + ".json");
  std::stringstream text;
  text << in.rdbuf();
  json parsed = json::parse(text.str(), nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "fixture " << venue << "/" << name << " missing or malformed";
  return parsed;
}

namespace detail {

inline bool type_matches(const std::string& expected, const json& value) {
  if (expected == "string") return value.is_string();
  if (expected == "number") return value.is_number();
  if (expected == "bool") return value.is_boolean();
  if (expected == "null") return value.is_null();
  return false;
}

// "$.data[3].x" → "$.data[].x"
inline std::string without_indices(const std::string& path) {
  std::string out;
  bool in_index = false;
  for (char c : path) {
    if (c == '[') in_index = true;
    if (in_index && c != '[' && c != ']') continue;
    if (c == ']') in_index = false;
    out.push_back(c);
  }
  return out;
}

inline void check(const json& shape, const json& value, const std::string& path, const json& fixture,
                  std::vector<std::string>& problems) {
  const json& conditional = fixture.value("conditional", json::object());
  const json& may_be_empty = fixture.value("may_be_empty", json::array());
  if (shape.is_string()) {
    if (!type_matches(shape.get<std::string>(), value)) {
      problems.push_back(path + ": expected " + shape.get<std::string>() + ", got " + value.dump());
    }
    return;
  }
  if (shape.is_object() && shape.contains("$by")) {
    if (!value.is_array()) {
      problems.push_back(path + ": expected an array");
      return;
    }
    const std::string key = shape["$by"].get<std::string>();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string kind = value[i].value(key, "");
      seen.insert(kind);
      if (!shape["$shapes"].contains(kind)) {
        problems.push_back(path + "[" + std::to_string(i) + "]: undocumented " + key + " '" + kind + "'");
        continue;
      }
      check(shape["$shapes"][kind], value[i], path + "[" + kind + "]", fixture, problems);
    }
    for (const auto& [kind, unused] : shape["$shapes"].items()) {
      if (!seen.count(kind)) problems.push_back(path + ": no element with " + key + " '" + kind + "'");
    }
    return;
  }
  if (shape.is_object()) {
    if (!value.is_object()) {
      problems.push_back(path + ": expected an object, got " + value.dump().substr(0, 80));
      return;
    }
    for (const auto& [name, field_shape] : shape.items()) {
      if (!value.contains(name)) {
        const bool excused = conditional.contains(name) || conditional.contains(without_indices(path + "." + name));
        if (!excused) problems.push_back(path + "." + name + ": missing");
        continue;
      }
      check(field_shape, value[name], path + "." + name, fixture, problems);
    }
    return;
  }
  if (shape.is_array()) {
    if (!value.is_array()) {
      problems.push_back(path + ": expected an array, got " + value.dump().substr(0, 80));
      return;
    }
    if (shape.empty()) return;
    const std::string name = path.substr(path.find_last_of('.') + 1);
    if (value.empty()) {
      bool allowed = false;
      for (const auto& n : may_be_empty) allowed = allowed || n == name;
      if (!allowed) problems.push_back(path + ": empty, so nothing in it could be checked");
      return;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      check(shape[0], value[i], path + "[" + std::to_string(i) + "]", fixture, problems);
    }
  }
}

}  // namespace detail

// Every documented field `value` lacks or types differently, as "path: problem".
inline std::vector<std::string> check_golden_shape(const json& fixture, const json& value) {
  std::vector<std::string> problems;
  detail::check(fixture.at("shape"), value, "$", fixture, problems);
  return problems;
}

inline std::string describe(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += "\n  " + p;
  return out;
}

}  // namespace propbot::venues::sim::golden

// Asserts that `value` carries every field of fixture <venue>/<name> with its type.
#define EXPECT_GOLDEN_SHAPE(venue, name, value)                                                       \
  do {                                                                                                \
    const auto golden_problems_ = ::propbot::venues::sim::golden::check_golden_shape(                 \
        ::propbot::venues::sim::golden::load_fixture(venue, name), value);                            \
    EXPECT_TRUE(golden_problems_.empty()) << venue << "/" << name << " lacks documented fields:"      \
                                          << ::propbot::venues::sim::golden::describe(golden_problems_); \
  } while (0)
