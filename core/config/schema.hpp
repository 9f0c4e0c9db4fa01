// The configuration schema: every scalar key the YAML file and the environment may
// set (its dotted key, its type, where it lands in Config, its allowed range, its
// environment variable names) kept as one table of data, plus validate(), which checks
// a typed Config against every rule and returns all problems at once.
//
// Guarantees: the table is the single source of truth for key names; the loader, the
// env-override mapping, the "known keys" lists in error messages and the docs in
// configs/README.md all follow it. validate() never throws and never stops at the
// first problem; it reports at most one issue per key. It reads the filesystem
// (scripting.bundle_dir and the strategy files must exist) but writes nothing.
//
// Rules that depend on the profile: in paper/testnet a risk cap of 0 means "guard
// disabled"; live refuses 0 and refuses placeholder strings (TODO, change-me,
// CHANGEME, <...>) anywhere; venue endpoints follow venue_endpoints.hpp.
//
// Uses: config.hpp, issue.hpp, venue_endpoints.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config/config.hpp"
#include "core/config/issue.hpp"

namespace propbot::config {

// Where a scalar value lands in Config. The member's type decides how its text is
// parsed: int/int64 -> integer, uint64 -> unsigned integer, double -> number,
// bool -> boolean, string -> text.
template <typename T>
using FieldAccess = T& (*)(Config&);
using FieldTarget = std::variant<FieldAccess<int>, FieldAccess<std::int64_t>, FieldAccess<std::uint64_t>,
                                 FieldAccess<double>, FieldAccess<bool>, FieldAccess<std::string>>;

// Allowed numeric range. zero_disables: a risk cap where 0 means "guard off" in
// paper/testnet; in live the low end becomes open (0 refused).
struct Bounds {
  bool checked = false;
  double low = 0;
  double high = 0;
  bool low_open = false;
  bool zero_disables = false;
};

// Extra rule for a text value: returns what is wrong, or nullopt when it is fine.
using TextRule = std::optional<std::string> (*)(std::string_view value);

struct ScalarField {
  std::string key;          // dotted path: "risk.max_orders_per_min", "data_dir"
  std::string env;          // generic override: "PROPBOT_RISK__MAX_ORDERS_PER_MIN"
  std::string seed_env;     // the seeds' name, e.g. "MAX_ORDERS_PER_MIN", or empty
  FieldTarget target;
  Bounds bounds;
  TextRule text_rule = nullptr;
  bool required = false;    // no built-in default: the file or the environment must set it
};

// Every scalar key, in the order of configs/paper.yaml.
std::span<const ScalarField> scalar_fields();
const ScalarField* find_field(std::string_view key);
// The env var to tell the operator about: the seed name if there is one, else the generic one.
std::string_view preferred_env(const ScalarField& field);

// Keys accepted inside a section: "" (top level), "api", "sim", "risk", "scripting",
// "engine", "execution", "forensics", "logging", "venues[]" (one venue entry), "strategies[]" (one strategy).
std::vector<std::string> known_keys(std::string_view section);
bool is_section(std::string_view name);

// Parses text by the field's type and stores it in config. Returns the type error
// ("expected an integer, got 'abc'") or nullopt. Ranges are validate()'s job.
std::optional<std::string> assign_field(const ScalarField& field, std::string_view text, Config& config);

// The field's current value in config, formatted as an operator would type it.
std::string read_field(const ScalarField& field, const Config& config);

// "an integer in [1, 100000]", "a number in (0, 125]" (profile-aware for zero_disables).
std::string describe_range(const ScalarField& field, Profile profile);

// Text parsers shared by the loader (YAML scalars, env values) and validate().
std::optional<std::int64_t> parse_integer(std::string_view text);
std::optional<std::uint64_t> parse_unsigned(std::string_view text);
std::optional<double> parse_number(std::string_view text);  // finite only
std::optional<bool> parse_boolean(std::string_view text);   // true/false, yes/no, on/off, 1/0

bool is_placeholder(std::string_view text);  // TODO, change-me, CHANGEME, <...>

// What the loader knows that a bare Config does not: where each key was set, so an
// issue can say where to fix it, and which keys already have an issue (type errors)
// so they are not reported twice.
struct ValidationContext {
  // key -> "set it in /path/configs/paper.yaml:57 or MAX_ORDERS_PER_MIN". Looked up
  // by the exact issue key, then by its parents ("venues[1].kind" -> "venues[1]" -> "venues").
  std::map<std::string, std::string, std::less<>> fix_hints;
  std::set<std::string, std::less<>> already_reported;
};

// Checks ranges, enums, formats, cross-field rules, strategy files and live-profile
// rules. Returns every issue found (empty = valid).
std::vector<ConfigIssue> validate(const Config& config, const ValidationContext& context = {});

}  // namespace propbot::config
