#include "core/config/loader.hpp"

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include "core/config/schema.hpp"
#include "core/config/venue_endpoints.hpp"
#include "core/config/yaml_bounds.hpp"

namespace propbot::config {

namespace {

namespace fs = std::filesystem;

// Where a raw value came from, so an issue can tell the operator where to fix it.
struct Source {
  enum class Layer { file, environment, command_line };
  Layer layer;
  std::string where;  // "path:line", the env var name, or "--port"
};

struct RawValue {
  std::string text;
  Source source;
};

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'x'?)" for a close known name, or "".
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t best = std::max<std::size_t>(2, word.size() / 4) + 1;
  std::string best_name;
  for (const std::string& candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best) {
      best = distance;
      best_name = candidate;
    }
  }
  return best_name.empty() ? std::string() : " (did you mean '" + best_name + "'?)";
}

std::string shape_of(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "an empty value";
  return "'" + node.Scalar() + "'";
}

// The node's text as it would be shown in an issue.
std::string text_of(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsMap()) return "{...}";
  if (node.IsSequence()) return "[...]";
  return "";
}

// A plain YAML scalar becomes a JSON number, boolean or string; a quoted one stays a
// string ("4" is text, 4 is a number), as the YAML author meant.
nlohmann::json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) object[entry.first.Scalar()] = to_json(entry.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) array.push_back(to_json(item));
      return array;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "!") return text;
      if (auto integer = parse_integer(text)) return *integer;
      if (auto number = parse_number(text)) return *number;
      if (text == "true" || text == "True" || text == "TRUE") return true;
      if (text == "false" || text == "False" || text == "FALSE") return false;
      return text;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return nullptr;
}

// Stores one endpoint key of a venue from its text; false for a key that is not an
// endpoint key, or a demo value that is not a boolean.
bool set_endpoint_key(VenueConfig& venue, std::string_view key, const std::string& text) {
  if (key == kVenueRestUrl) {
    venue.rest_url = text;
  } else if (key == kVenueWsUrl) {
    venue.ws_url = text;
  } else if (key == kVenueWsPrivateUrl) {
    venue.ws_private_url = text;
  } else if (key == kVenueDemo) {
    const auto flag = parse_boolean(text);
    if (!flag) return false;
    venue.demo = *flag;
  } else {
    return false;
  }
  return true;
}

class Loader {
 public:
  explicit Loader(const LoadOptions& options) : options_(options) { config_.profile = options.profile; }

  LoadOutcome run() {
    try {
      if (auto file = resolve_file()) {
        file_ = file->string();
        config_.source_file = file_;
        // A file that does not parse is the one problem to fix first: reporting every
        // key as missing on top of it would bury the real line.
        if (auto root = parse_file(*file)) {
          read_root(*root);
          read_environment();
          read_command_line();
          apply_layers();
          resolve_bundle_dir(*file);
          std::vector<ConfigIssue> rule_issues = validate(config_, context_);
          issues_.insert(issues_.end(), rule_issues.begin(), rule_issues.end());
          resolve_working_dir_paths();
        }
      }
    } catch (const std::exception& error) {
      // Nothing above should throw on bad input; this keeps the promise if something does.
      issue("config_file", file_, std::string("internal error while loading the configuration: ") + error.what());
    }
    LoadOutcome outcome;
    outcome.issues = std::move(issues_);
    if (outcome.issues.empty()) outcome.config = std::move(config_);
    return outcome;
  }

 private:
  // ---- the file -----------------------------------------------------------------------

  std::optional<fs::path> resolve_file() {
    std::error_code ec;
    if (options_.config_file) {
      fs::path path = fs::absolute(*options_.config_file, ec).lexically_normal();
      if (ec || !fs::is_regular_file(path, ec)) {
        issue("config_file", *options_.config_file,
              "file not found: " + path.string() + "; pass an existing YAML file or omit it to use configs/" +
                  std::string(to_string(options_.profile)) + ".yaml");
        return std::nullopt;
      }
      return path;
    }
    std::string relative = "configs/" + std::string(to_string(options_.profile)) + ".yaml";
    std::vector<std::string> tried;
    for (const std::string& root : options_.search_roots) {
      if (root.empty()) continue;
      fs::path candidate = (fs::absolute(root, ec) / relative).lexically_normal();
      if (ec) continue;
      if (fs::is_regular_file(candidate, ec)) return candidate;
      tried.push_back(candidate.string());
    }
    issue("config_file", relative,
          "not found; tried: " + (tried.empty() ? std::string("(no search roots)") : join(tried, ", ")) +
              "; set PROPBOT_HOME to the directory that holds configs/, or pass the file explicitly");
    return std::nullopt;
  }

  std::optional<YAML::Node> parse_file(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    std::ostringstream text;
    if (stream) text << stream.rdbuf();
    if (!stream || stream.bad()) {
      issue("config_file", path.string(), std::string("cannot read the file: ") + std::strerror(errno));
      return std::nullopt;
    }
    if (text.tellp() > static_cast<std::streamoff>(kMaxYamlFileBytes)) {
      issue("config_file", path.string(),
            "the file is larger than " + std::to_string(kMaxYamlFileBytes) + " bytes; a profile is a few KB: fix the file");
      return std::nullopt;
    }
    try {
      YAML::Node root = YAML::Load(text.str());
      // Before anything walks it: aliases can make a small file an enormous tree.
      if (auto crossed = check_yaml_bounds(root)) {
        issue("config_file", path.string(), *crossed);
        return std::nullopt;
      }
      if (root.IsNull()) {
        issue("config_file", path.string(), "the file is empty; it must be a mapping that starts with 'profile: " +
                                                std::string(to_string(options_.profile)) + "'");
        return std::nullopt;
      }
      if (!root.IsMap()) {
        issue("config_file", path.string(), "the top level must be a mapping of keys (profile:, api:, risk:, ...), got " +
                                                shape_of(root));
        return std::nullopt;
      }
      return root;
    } catch (const YAML::Exception& error) {
      std::string where = path.string() + ":" + std::to_string(error.mark.line + 1) + ":" +
                          std::to_string(error.mark.column + 1);
      issue("config_file", where,
            "YAML syntax error at line " + std::to_string(error.mark.line + 1) + ", column " +
                std::to_string(error.mark.column + 1) + ": " + error.msg + "; fix the file");
      return std::nullopt;
    }
  }

  std::string at(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.line < 0) return file_;
    return file_ + ":" + std::to_string(mark.line + 1);
  }

  std::string fix_at(const YAML::Node& node) const { return "fix it at " + at(node); }

  // Reports keys that appear twice in one mapping (YAML would silently keep one).
  bool first_time(std::set<std::string>& seen, const std::string& key, const YAML::Node& key_node) {
    if (seen.insert(key).second) return true;
    issue(key, "", "duplicate key; keep only one; " + fix_at(key_node));
    return false;
  }

  void read_root(const YAML::Node& root) {
    // Where to add the lists if the file lacks them; replaced by their line when present.
    for (const char* key : {"symbols", "venues", "strategies", "sim.start_prices"}) {
      context_.fix_hints[key] = "add it to " + file_;
    }
    std::set<std::string> seen;
    bool has_profile = false;
    for (const auto& entry : root) {
      const std::string name = entry.first.Scalar();
      const YAML::Node& value = entry.second;
      if (!first_time(seen, name, entry.first)) continue;
      if (name == "profile") {
        has_profile = true;
        read_profile(value, entry.first);
      } else if (is_section(name)) {
        read_section(name, value, entry.first);
      } else if (name == "symbols") {
        read_symbols(value, entry.first);
      } else if (name == "venues") {
        read_venues(value, entry.first);
      } else if (name == "strategies") {
        read_strategies(value, entry.first);
      } else if (const ScalarField* field = find_field(name)) {
        read_scalar(*field, value, entry.first);
      } else {
        unknown_key(name, "", name, value, entry.first);
      }
    }
    if (!has_profile) {
      issue("profile", "", "missing: the file must say which profile it is for; add 'profile: " +
                               std::string(to_string(options_.profile)) + "' at the top of " + file_);
    }
  }

  void read_profile(const YAML::Node& value, const YAML::Node& key_node) {
    std::string text = text_of(value);
    auto profile = parse_profile(text);
    if (!value.IsScalar() || !profile.ok()) {
      issue("profile", text, "must be one of paper, testnet, live; " + fix_at(key_node));
    } else if (*profile != options_.profile) {
      std::string requested(to_string(options_.profile));
      issue("profile", text,
            "this file is for the '" + text + "' profile but '" + requested + "' was requested; start with --profile " +
                text + " or load configs/" + requested + ".yaml (" + at(key_node) + ")");
    }
  }

  void unknown_key(const std::string& key, std::string_view section, const std::string& name, const YAML::Node& value,
                   const YAML::Node& key_node) {
    std::vector<std::string> known = known_keys(section);
    std::string where = section.empty() ? std::string("at the top level") : "in '" + std::string(section) + "'";
    issue(key, text_of(value),
          "unknown key" + suggestion(name, known) + "; known keys " + where + ": " + join(known, ", ") + "; " +
              fix_at(key_node));
  }

  void read_section(const std::string& section, const YAML::Node& node, const YAML::Node& key_node) {
    if (node.IsNull()) return;  // an empty section keeps its defaults
    if (!node.IsMap()) {
      issue(section, text_of(node), "expected a mapping of keys, got " + shape_of(node) + "; " + fix_at(key_node));
      return;
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const std::string name = entry.first.Scalar();
      const std::string key = section + "." + name;
      if (!first_time(seen, key, entry.first)) continue;
      if (key == "sim.start_prices") {
        read_start_prices(entry.second, entry.first);
      } else if (key == "risk.maintenance") {
        read_maintenance(entry.second, entry.first);
      } else if (const ScalarField* field = find_field(key)) {
        read_scalar(*field, entry.second, entry.first);
      } else {
        unknown_key(key, section, name, entry.second, entry.first);
      }
    }
  }

  void read_scalar(const ScalarField& field, const YAML::Node& value, const YAML::Node& key_node) {
    if (value.IsMap() || value.IsSequence()) {
      issue(field.key, text_of(value),
            "expected " + describe_range(field, options_.profile) + ", got " + shape_of(value) + "; " +
                file_hint(field, key_node));
      return;
    }
    layers_[field.key].push_back(RawValue{value.IsNull() ? std::string() : value.Scalar(),
                                          Source{Source::Layer::file, at(key_node)}});
  }

  // Reads one scalar of a list or map entry as text; reports and returns nullopt otherwise.
  std::optional<std::string> scalar_text(const std::string& key, const YAML::Node& value, const YAML::Node& where) {
    if (value.IsScalar()) return value.Scalar();
    if (value.IsNull()) return std::string();
    issue(key, text_of(value), "expected text, got " + shape_of(value) + "; " + fix_at(where));
    return std::nullopt;
  }

  void read_symbols(const YAML::Node& node, const YAML::Node& key_node) {
    context_.fix_hints["symbols"] = fix_at(key_node);
    if (node.IsNull()) return;  // validate() says a symbol is needed
    if (!node.IsSequence()) {
      issue("symbols", text_of(node), "expected a list such as [BTC-USDT, ETH-USDT], got " + shape_of(node) + "; " +
                                          fix_at(key_node));
      return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      std::string key = "symbols[" + std::to_string(i) + "]";
      context_.fix_hints[key] = fix_at(node[i]);
      if (auto text = scalar_text(key, node[i], node[i])) config_.symbols.push_back(*text);
    }
  }

  // risk.maintenance: a list of {venue, start, end}, times ISO-8601 UTC.
  void read_maintenance(const YAML::Node& node, const YAML::Node& key_node) {
    context_.fix_hints["risk.maintenance"] = fix_at(key_node);
    if (node.IsNull()) return;
    if (!node.IsSequence()) {
      issue("risk.maintenance", text_of(node),
            "expected a list of {venue, start, end} entries (times like 2026-12-08T02:00:00Z), got " + shape_of(node) +
                "; " + fix_at(key_node));
      return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      MaintenanceWindow window;
      bool complete = true;
      const std::string base = "risk.maintenance[" + std::to_string(i) + "]";
      std::set<std::string> given;
      read_entry(base, "risk.maintenance[]", node[i],
                 [&](const std::string& name, const std::string& key, const YAML::Node& value, const YAML::Node& where) {
                   auto text = scalar_text(key, value, where);
                   if (!text) {
                     complete = false;
                     return;
                   }
                   given.insert(name);
                   if (name == "venue") {
                     window.venue = *text;
                     return;
                   }
                   auto time = parse_iso8601_utc(*text);
                   if (!time) {
                     issue(key, *text, "expected an ISO-8601 UTC time such as 2026-12-08T02:00:00Z; " + fix_at(where));
                     complete = false;
                     return;
                   }
                   (name == "start" ? window.start : window.end) = *time;
                 });
      for (const char* name : {"venue", "start", "end"}) {
        if (node[i].IsMap() && !given.count(name) && complete) {
          issue(base + "." + name, "", std::string("missing: every maintenance window needs venue, start and end; ") +
                                           fix_at(node[i]));
          complete = false;
        }
      }
      if (complete) config_.risk.maintenance.push_back(std::move(window));
    }
  }

  void read_start_prices(const YAML::Node& node, const YAML::Node& key_node) {
    context_.fix_hints["sim.start_prices"] = fix_at(key_node);
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      issue("sim.start_prices", text_of(node),
            "expected a mapping of symbol to price (BTC-USDT: 60000), got " + shape_of(node) + "; " + fix_at(key_node));
      return;
    }
    for (const auto& entry : node) {
      const std::string symbol = entry.first.Scalar();
      const std::string key = "sim.start_prices." + symbol;
      context_.fix_hints[key] = fix_at(entry.first);
      auto price = entry.second.IsScalar() ? parse_number(entry.second.Scalar()) : std::nullopt;
      if (!price) {
        issue(key, text_of(entry.second), "expected a number > 0, got " + shape_of(entry.second) + "; " +
                                              fix_at(entry.first));
        continue;
      }
      config_.sim.start_prices[symbol] = *price;
    }
  }

  // Venues and strategies are lists of mappings; this walks one entry's keys.
  template <typename Handle>
  void read_entry(const std::string& base, std::string_view section, const YAML::Node& entry, Handle handle) {
    context_.fix_hints[base] = fix_at(entry);
    if (!entry.IsMap()) {
      issue(base, text_of(entry), "expected a mapping (" + join(known_keys(section), ", ") + "), got " +
                                      shape_of(entry) + "; " + fix_at(entry));
      return;
    }
    std::set<std::string> seen;
    std::vector<std::string> known = known_keys(section);
    for (const auto& field : entry) {
      const std::string name = field.first.Scalar();
      const std::string key = base + "." + name;
      if (!first_time(seen, key, field.first)) continue;
      context_.fix_hints[key] = fix_at(field.first);
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        unknown_key(key, section, name, field.second, field.first);
        continue;
      }
      handle(name, key, field.second, field.first);
    }
  }

  void read_venues(const YAML::Node& node, const YAML::Node& key_node) {
    context_.fix_hints["venues"] = fix_at(key_node);
    if (node.IsNull()) return;
    if (!node.IsSequence()) {
      issue("venues", text_of(node), "expected a list of {id, kind, maker_fee_bps?, taker_fee_bps?, rest_url?, ws_url?, "
                                     "ws_private_url?, demo?, stp_mode?} entries, got " + shape_of(node) + "; " + fix_at(key_node));
      return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      VenueConfig venue;
      read_entry("venues[" + std::to_string(i) + "]", "venues[]", node[i],
                 [&](const std::string& name, const std::string& key, const YAML::Node& value, const YAML::Node& where) {
                   auto text = scalar_text(key, value, where);
                   if (!text) return;
                   if (set_endpoint_key(venue, name, *text)) return;
                   if (name == kVenueDemo) {
                     issue(key, *text, "expected a boolean (true or false); " + fix_at(where));
                     return;
                   }
                   if (name == "maker_fee_bps" || name == "taker_fee_bps") {
                     const bool maker = name == "maker_fee_bps";
                     const double low = maker ? -10 : 0;
                     const auto number = parse_number(*text);
                     if (!number || *number < low || *number > 100) {
                       issue(key, *text, std::string("expected a number of bps in [") + (maker ? "-10" : "0") +
                                             ", 100] (" + (maker ? "negative = a rebate" : "a fee") + "); " +
                                             fix_at(where));
                       return;
                     }
                     (maker ? venue.maker_fee_bps : venue.taker_fee_bps) = *number;
                     return;
                   }
                   if (name == "stp_mode") {
                     venue.stp_mode = *text;
                     return;
                   }
                   (name == "id" ? venue.id : venue.kind) = *text;
                 });
      config_.venues.push_back(std::move(venue));
    }
  }

  void read_strategies(const YAML::Node& node, const YAML::Node& key_node) {
    context_.fix_hints["strategies"] = fix_at(key_node);
    if (node.IsNull()) return;  // no strategies: the daemon runs, nothing trades
    if (!node.IsSequence()) {
      issue("strategies", text_of(node), "expected a list of {name, file, enabled, params, trusted} entries, got " +
                                             shape_of(node) + "; " + fix_at(key_node));
      return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      StrategyConfig strategy;
      read_entry("strategies[" + std::to_string(i) + "]", "strategies[]", node[i],
                 [&](const std::string& name, const std::string& key, const YAML::Node& value, const YAML::Node& where) {
                   if (name == "params") {
                     if (value.IsNull()) return;
                     if (!value.IsMap()) {
                       issue(key, text_of(value), "expected a mapping of parameter names to values, got " +
                                                      shape_of(value) + "; " + fix_at(where));
                       return;
                     }
                     strategy.params = to_json(value);
                     for (const auto& param : value) {
                       const YAML::Mark mark = param.first.Mark();
                       if (!mark.is_null() && mark.line >= 0) strategy.param_lines[param.first.Scalar()] = mark.line + 1;
                     }
                   } else if (name == "enabled" || name == "trusted") {
                     auto flag = value.IsScalar() ? parse_boolean(value.Scalar()) : std::nullopt;
                     if (!flag) {
                       issue(key, text_of(value), "expected a boolean (true or false), got " + shape_of(value) + "; " +
                                                      fix_at(where));
                       return;
                     }
                     (name == "enabled" ? strategy.enabled : strategy.trusted) = *flag;
                   } else if (name == "budget") {
                     read_budget(key, value, where, strategy.budget);
                   } else if (name == "safe_mode") {
                     if (auto text = scalar_text(key, value, where)) strategy.safe_mode = *text;
                   } else if (auto text = scalar_text(key, value, where)) {
                     (name == "name" ? strategy.name : strategy.file) = *text;
                   }
                 });
      config_.strategies.push_back(std::move(strategy));
    }
  }

  // strategies[i].budget: {max_notional_usdt, max_open_positions, daily_loss_usdt,
  // max_drawdown_usdt, max_consecutive_failures}, each >= 0 (0 = that limit off).
  void read_budget(const std::string& base, const YAML::Node& node, const YAML::Node& where,
                   StrategyConfig::Budget& budget) {
    if (node.IsNull()) return;
    read_entry(base, "strategies[].budget", node,
               [&](const std::string& name, const std::string& key, const YAML::Node& value, const YAML::Node& at) {
                 auto text = scalar_text(key, value, at);
                 if (!text) return;
                 const bool whole = name == "max_open_positions" || name == "max_consecutive_failures";
                 const auto number = parse_number(*text);
                 if (!number || *number < 0 || *number > 1e9 || (whole && *number != std::floor(*number))) {
                   issue(key, *text, std::string("expected ") + (whole ? "a whole number" : "a number") +
                                         " in [0, 1000000000] (0 = that limit off); " + fix_at(at));
                   return;
                 }
                 if (name == "max_notional_usdt") budget.max_notional_usdt = *number;
                 if (name == "max_open_positions") budget.max_open_positions = static_cast<int>(*number);
                 if (name == "daily_loss_usdt") budget.daily_loss_usdt = *number;
                 if (name == "max_drawdown_usdt") budget.max_drawdown_usdt = *number;
                 if (name == "max_consecutive_failures") budget.max_consecutive_failures = static_cast<int>(*number);
               });
    (void)where;
  }

  // ---- environment and command line ---------------------------------------------------

  // PROPBOT_VENUES__<ID>__<KEY>: one venue's endpoint key (venue_endpoints.hpp). The
  // venues come from the file, so this runs after it was read.
  void read_venue_variable(const std::string& name, const std::string& value) {
    std::vector<std::string> known;
    for (std::size_t i = 0; i < config_.venues.size(); ++i) {
      VenueConfig& venue = config_.venues[i];
      for (std::string_view endpoint_key : venue_endpoint_keys()) {
        const std::string candidate = venue_env_name(venue.id, endpoint_key);
        known.push_back(candidate);
        if (candidate != name) continue;
        const std::string key = "venues[" + std::to_string(i) + "]." + std::string(endpoint_key);
        const std::string fix = "it comes from environment variable " + name + ": fix or unset it";
        context_.fix_hints[key] = fix;
        if (!set_endpoint_key(venue, endpoint_key, value)) {
          issue(key, value, "expected a boolean (true or false); " + fix);
        }
        return;
      }
    }
    issue(name, "",
          "no venue endpoint matches this variable (value not shown)" + suggestion(name, known) +
              "; the names are PROPBOT_VENUES__<venue id, '-' as '_'>__<REST_URL|WS_URL|WS_PRIVATE_URL|DEMO> for the "
              "venues listed in the file, e.g. PROPBOT_VENUES__BINANCE__REST_URL; unset it or fix its name");
  }

  void read_environment() {
    std::map<std::string, const ScalarField*> by_env;
    std::vector<std::string> env_names;
    for (const ScalarField& field : scalar_fields()) {
      by_env[field.env] = &field;
      env_names.push_back(field.env);
      if (!field.seed_env.empty()) by_env[field.seed_env] = &field;
    }
    for (const auto& [name, value] : options_.env) {
      if (auto it = by_env.find(name); it != by_env.end()) {
        layers_[it->second->key].push_back(RawValue{value, Source{Source::Layer::environment, name}});
      } else if (name.rfind(kVenueEnvPrefix, 0) == 0) {
        read_venue_variable(name, value);
      } else if (name.rfind("PROPBOT_", 0) == 0 && name.find("__") != std::string::npos) {
        // The value is not echoed: a mistyped variable may hold a secret.
        issue(name, "",
              "unknown configuration variable (value not shown)" + suggestion(name, env_names) +
                  "; config keys map to PROPBOT_<SECTION>__<KEY>, e.g. PROPBOT_RISK__MAX_ORDERS_PER_MIN; "
                  "lists (symbols, venues, strategies, sim.start_prices) can only be set in the file, except the "
                  "venues' endpoints (PROPBOT_VENUES__<ID>__REST_URL, ...); unset it or fix its name");
      }
    }
    // The seeds' name and the generic name of one key must not disagree.
    for (auto& [key, values] : layers_) {
      std::vector<const RawValue*> from_env;
      for (const RawValue& raw : values) {
        if (raw.source.layer == Source::Layer::environment) from_env.push_back(&raw);
      }
      for (std::size_t i = 1; i < from_env.size(); ++i) {
        if (from_env[i]->text != from_env[0]->text) {
          issue(key, from_env[i]->text,
                "set by both " + from_env[0]->source.where + "='" + from_env[0]->text + "' and " + from_env[i]->source.where +
                    "='" + from_env[i]->text + "'; unset one of them");
          break;
        }
      }
    }
  }

  void read_command_line() {
    if (options_.bind) layers_["api.bind"].push_back(RawValue{*options_.bind, {Source::Layer::command_line, "--bind"}});
    if (options_.port) {
      layers_["api.port"].push_back(RawValue{std::to_string(*options_.port), {Source::Layer::command_line, "--port"}});
    }
    if (options_.data_dir) {
      layers_["data_dir"].push_back(RawValue{*options_.data_dir, {Source::Layer::command_line, "--data-dir"}});
    }
  }

  // ---- typed values ---------------------------------------------------------------------

  std::string file_hint(const ScalarField& field, const YAML::Node& key_node) const {
    return "set it in " + at(key_node) + " or " + std::string(preferred_env(field));
  }

  std::string hint(const ScalarField& field, const RawValue* raw) const {
    if (raw == nullptr) return "set it in " + file_ + " or " + std::string(preferred_env(field));
    switch (raw->source.layer) {
      case Source::Layer::file:
        return "set it in " + raw->source.where + " or " + std::string(preferred_env(field));
      case Source::Layer::environment:
        return "it comes from environment variable " + raw->source.where + ": fix or unset it";
      case Source::Layer::command_line:
        return "it comes from the command-line option " + raw->source.where + ": fix that option";
    }
    return {};
  }

  // Parses every layer (a bad value is reported even when a higher layer overrides it);
  // the last layer wins.
  void apply_layers() {
    for (const ScalarField& field : scalar_fields()) {
      auto it = layers_.find(field.key);
      if (it == layers_.end() || it->second.empty()) {
        context_.fix_hints[field.key] = hint(field, nullptr);
        if (field.required) {
          issue(field.key, "", "required and has no default; " + hint(field, nullptr));
        }
        continue;
      }
      for (const RawValue& raw : it->second) {
        if (auto problem = assign_field(field, raw.text, config_)) issue(field.key, raw.text, *problem + "; " + hint(field, &raw));
      }
      context_.fix_hints[field.key] = hint(field, &it->second.back());
    }
  }

  // bundle_dir defaults to the directory that holds configs/; a relative one is taken
  // against that directory. Done before validate(), which looks for strategy files there.
  void resolve_bundle_dir(const fs::path& file) {
    fs::path bundle_root = file.parent_path().parent_path();
    if (config_.scripting.bundle_dir.empty()) {
      config_.scripting.bundle_dir = bundle_root.lexically_normal().string();
    } else if (fs::path(config_.scripting.bundle_dir).is_relative()) {
      config_.scripting.bundle_dir = (bundle_root / config_.scripting.bundle_dir).lexically_normal().string();
    }
  }

  // data_dir and logging.file are taken against the working directory. Done after
  // validate() so that issues show these values as the operator wrote them.
  void resolve_working_dir_paths() {
    std::error_code ec;
    auto absolute = [&](const std::string& path) {
      fs::path result = fs::absolute(path, ec).lexically_normal();
      return ec ? path : result.string();
    };
    if (!config_.data_dir.empty()) config_.data_dir = absolute(config_.data_dir);
    if (!config_.logging.file.empty()) config_.logging.file = absolute(config_.logging.file);
  }

  void issue(std::string key, std::string value, std::string message) {
    context_.already_reported.insert(key);
    issues_.push_back(ConfigIssue{std::move(key), std::move(value), std::move(message)});
  }

  const LoadOptions& options_;
  Config config_;
  std::string file_;
  std::map<std::string, std::vector<RawValue>, std::less<>> layers_;
  ValidationContext context_;
  std::vector<ConfigIssue> issues_;
};

}  // namespace

LoadOutcome load_config(const LoadOptions& options) {
  try {
    return Loader(options).run();
  } catch (const std::exception& error) {  // e.g. std::bad_alloc while building messages
    LoadOutcome outcome;
    outcome.issues.push_back(
        ConfigIssue{"config_file", options.config_file.value_or(""), std::string("cannot load: ") + error.what()});
    return outcome;
  }
}

std::map<std::string, std::string> environment_from(char** envp) {
  std::map<std::string, std::string> env;
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

}  // namespace propbot::config
