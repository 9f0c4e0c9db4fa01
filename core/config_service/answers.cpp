#include "core/config_service/answers.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/common/json_util.hpp"

namespace propbot::config_service::answers {

namespace fs = std::filesystem;

json errors_json(const std::vector<bundle::ValidationError>& errors) {
  json out = json::array();
  for (const auto& error : errors) out.push_back({{"file", error.file}, {"line", error.line}, {"message", error.message}});
  return out;
}

ConfigAnswer answer(int status, std::string code, json body) { return ConfigAnswer{status, std::move(code), std::move(body)}; }

ConfigAnswer busy() {
  return answer(409, "busy", json{{"applied", false},
                                  {"errors", json::array()},
                                  {"message", "another config apply, rollback or approved change is in progress; try again "
                                              "in a moment"}});
}

// {"files": {"strategies/x.lua": "…", …}} → the overrides, or an answer naming the field.
std::optional<bundle::Bundle::Files> files_of(const json& body, std::vector<bundle::ValidationError>& errors) {
  if (!body.is_object()) {
    errors.push_back({"", 0, "the body must be a JSON object {\"files\": {\"<bundle path>\": \"<content>\"}}"});
    return std::nullopt;
  }
  bundle::Bundle::Files files;
  if (!body.contains("files") || body["files"].is_null()) {
    errors.push_back({"", 0, "field 'files' is required: an object mapping bundle paths (e.g. strategies/my.lua) to "
                             "their content as a string ({} checks the running bundle as it is)"});
    return std::nullopt;
  }
  if (!body["files"].is_object()) {
    errors.push_back({"", 0, "field 'files' must be an object mapping bundle paths (e.g. strategies/my.lua) to their "
                             "content as a string"});
    return std::nullopt;
  }
  for (const auto& [path, content] : body["files"].items()) {
    if (!content.is_string()) {
      errors.push_back({path, 0, "field 'files." + path + "' must be a string (the file's whole content)"});
      continue;
    }
    files.emplace(path, content.get<std::string>());
  }
  if (!errors.empty()) return std::nullopt;
  return files;
}

std::string text_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The bundle the daemon runs from disk: scripting.bundle_dir, with the profile file
// replaced by the --config file when that lives elsewhere.
Result<bundle::Bundle> disk_bundle(const config::Config& running) {
  auto read = bundle::read_bundle(running.scripting.bundle_dir);
  if (!read) return read.error();
  const std::string profile_file = "configs/" + std::string(config::to_string(running.profile)) + ".yaml";
  std::error_code error;
  const fs::path in_bundle = fs::path(running.scripting.bundle_dir) / profile_file;
  if (!running.source_file.empty() && !fs::equivalent(in_bundle, running.source_file, error)) {
    bundle::Bundle::Files files = read->files();
    files[profile_file] = text_of_file(running.source_file);
    return bundle::Bundle::from_files(std::move(files));
  }
  return read;
}

json version_json(const bundle::BundleVersionInfo& info, std::int64_t running) {
  return json{{"version", info.version}, {"created_at", info.created_at}, {"author", info.author},
              {"hash", info.hash},       {"message", info.message},       {"running", info.version == running}};
}

json changes_json(const bundle::BundleDiff& d) {
  return json{{"added", d.added}, {"changed", d.changed}, {"removed", d.removed}};
}

json activation_json(const bundle::Activation& a) {
  return json{{"id", a.id},
              {"created_at", a.created_at},
              {"version", a.version},
              {"from_version", a.from_version ? json(*a.from_version) : json(nullptr)},
              {"source", a.source},
              {"actor", a.actor},
              {"message", a.message},
              {"rolled_back_at", a.rolled_back_at ? json(*a.rolled_back_at) : json(nullptr)}};
}

std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& name : list) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

Result<std::vector<std::string>> reset_state_of(const json& body) {
  std::vector<std::string> names;
  if (!body.is_object() || !body.contains("reset_state")) return names;
  const json& list = body["reset_state"];
  const std::string expected = "field 'reset_state' must be a list of at most " + std::to_string(kMaxResetStateNames) +
                               " strategy names (strategies[].name) whose ctx.state starts empty";
  if (!list.is_array() || list.size() > kMaxResetStateNames) return make_error(Errc::invalid_argument, expected);
  for (const json& name : list) {
    if (!name.is_string() || name.get<std::string>().empty()) return make_error(Errc::invalid_argument, expected);
    if (std::find(names.begin(), names.end(), name.get<std::string>()) == names.end()) names.push_back(name);
  }
  return names;
}

std::optional<std::string> unknown_reset_name(const std::vector<std::string>& names, const config::Config& config) {
  for (const std::string& name : names) {
    const auto found = std::find_if(config.strategies.begin(), config.strategies.end(),
                                    [&](const config::StrategyConfig& s) { return s.name == name && s.enabled; });
    if (found == config.strategies.end()) {
      return "field 'reset_state': '" + name + "' is not an enabled strategy of the profile; name one of strategies[].name";
    }
  }
  return std::nullopt;
}

}  // namespace propbot::config_service::answers
