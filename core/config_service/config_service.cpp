#include "core/config_service/config_service.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

#include "core/config_service/answers.hpp"
#include "core/engine/hot_config.hpp"
#include "core/bundle/scratch_directory.hpp"
#include "core/common/json_util.hpp"
#include "core/secrets/random_token.hpp"

namespace propbot::config_service {

using namespace answers;  // NOLINT: this unit's own helpers
using nlohmann::json;
namespace fs = std::filesystem;

ConfigService::ConfigService(store::Database database, const Clock& clock, control::ControlPlane* control,
                             Logger log, ConfigServiceOptions options)
    : database_(std::move(database)),
      clock_(clock),
      control_(control),
      log_(std::move(log)),
      options_(std::move(options)),
      versions_(database_, clock_),
      activations_(database_, clock_) {}

ConfigService::~ConfigService() { close(); }

void ConfigService::close() {
  calls_.close();
  if (approval_hook_) approval_hook_->store(nullptr);
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  engine_.store(nullptr);  // nothing reaches the engine after close()
  // Confirmed in the control plane but never applied: say so, loudly.
  for (const control::ApprovalRequest& request : approved_) {
    log_.error("config_approval_dropped", {{"approval_id", request.id},
                                           {"reason", "the daemon stopped before the approved config was applied; "
                                                      "file the change again"}});
  }
  approved_.clear();
}

ConfigAnswer ConfigService::stopping() {
  return answer(503, "unavailable", json{{"applied", false}, {"message", "the daemon is stopping; try again after it restarts"}});
}

Result<std::unique_ptr<ConfigService>> ConfigService::open(store::Database database, const Clock& clock,
                                                           control::ControlPlane* control, Logger log,
                                                           ConfigServiceOptions options,
                                                           const config::Config& running, Startup& startup) {
  std::unique_ptr<ConfigService> service(
      new ConfigService(std::move(database), clock, control, std::move(log), std::move(options)));
  ConfigService& self = *service;
  self.profile_file_ = "configs/" + std::string(config::to_string(running.profile)) + ".yaml";
  auto disk = disk_bundle(running);
  if (!disk) return make_error(disk.error().code, "config bundle: " + disk.error().message);
  self.disk_hash_ = disk->hash();
  self.disk_bundle_ = *disk;
  self.disk_config_ = running;

  startup.bundle = *disk;
  startup.config = running;
  startup.notice = "running the bundle on disk (" + running.scripting.bundle_dir + ")";
  // Resume an API-applied version when the disk has not changed since it was applied.
  auto last = self.activations_.latest();
  if (!last) return last.error();
  if (*last && (*last)->disk_hash == self.disk_hash_) {
    auto stored = self.versions_.get((*last)->version);
    if (stored && stored->bundle.hash() != self.disk_hash_) {
      std::vector<bundle::ValidationError> errors;
      self.running_config_ = running;
      auto config = self.load_profile(stored->bundle, errors);
      if (config && engine::restart_only_changes(running, *config).empty()) {
        startup.bundle = stored->bundle;
        startup.config = *config;
        startup.version = stored->info.version;
        startup.resumed = true;
        startup.notice = "resumed config version " + std::to_string(stored->info.version) + " (applied through the API by " +
                         (*last)->actor + "; the bundle on disk is unchanged since)";
      } else {
        startup.notice = "config version " + std::to_string((*last)->version) +
                         " was running but no longer loads here; running the bundle on disk";
      }
    }
  }
  if (startup.version == 0) {
    auto saved = self.versions_.save(startup.bundle, "startup", "bundle read from " + running.scripting.bundle_dir);
    if (!saved) return saved.error();
    startup.version = *saved;
  }
  self.running_bundle_ = startup.bundle;
  self.running_config_ = startup.config;
  self.running_version_ = startup.version;
  if (control != nullptr) {
    // The control plane keeps the hook for its life; the destructor disarms it.
    self.approval_hook_ = std::make_shared<std::atomic<ConfigService*>>(service.get());
    control->on_approved(control::ApprovalKind::config_apply_loosening,
                         [hook = self.approval_hook_](const control::ApprovalRequest& request) {
                           if (ConfigService* target = hook->load()) target->on_loosening_approved(request);
                         });
  }
  self.worker_ = std::thread([raw = service.get()] { raw->worker_loop(); });
  return service;
}

Result<ConfigService::Startup> ConfigService::disk_startup(const std::string& why) {
  std::lock_guard lock(state_mutex_);
  auto saved = versions_.save(disk_bundle_, "startup", "bundle read from " + disk_config_.scripting.bundle_dir);
  if (!saved) return saved.error();
  Startup startup;
  startup.bundle = disk_bundle_;
  startup.config = disk_config_;
  startup.version = *saved;
  startup.notice = why + "; running the bundle on disk (" + disk_config_.scripting.bundle_dir + ")";
  running_bundle_ = startup.bundle;
  running_config_ = startup.config;
  running_version_ = startup.version;
  return startup;
}

Status ConfigService::started(engine::EngineHandle& engine, const Startup& startup) {
  std::lock_guard lock(state_mutex_);
  engine_.store(&engine);
  bundle::NewActivation row;
  row.version = startup.version;
  row.source = "startup";
  row.actor = "system";
  row.message = startup.notice;
  row.disk_hash = disk_hash_;
  auto recorded = activations_.record(row);
  if (!recorded) return recorded.error();
  log_.info("config_running", {{"version", startup.version}, {"hash", startup.bundle.hash()}, {"notice", startup.notice}});
  return {};
}

Result<config::Config> ConfigService::load_profile(const bundle::Bundle& bundle,
                                                   std::vector<bundle::ValidationError>& errors,
                                                   std::vector<std::string>* env_overrides) const {
  bundle::ScratchDirectory root;
  if (root.path().empty()) return make_error(Errc::io_error, "cannot create a temporary directory");
  if (Status written = bundle.write_to(root.path()); !written) return written.error();
  auto loaded = bundle::load_profile_at(root.path(), running_config_.profile, options_.load_options, errors);
  if (!loaded) return make_error(Errc::config_invalid, "the profile does not load");
  // Where the daemon's files are is not the bundle's to change.
  loaded->scripting.bundle_dir = running_config_.scripting.bundle_dir;
  loaded->source_file = running_config_.source_file;
  if (env_overrides != nullptr) {
    // The same files without the environment: what the environment overrides wins over
    // the bundle, as at start — say so.
    std::vector<bundle::ValidationError> ignored;
    if (auto yaml_only = bundle::load_profile_at(root.path(), running_config_.profile, config::LoadOptions{}, ignored)) {
      for (const engine::ConfigChange& change : engine::hot_differences(*yaml_only, *loaded)) {
        env_overrides->push_back(change.key + ": the bundle says " + change.before +
                                 " but the daemon's environment sets " + change.after +
                                 ", which wins (unset the variable and restart to use the bundle's value)");
      }
    }
  }
  return *loaded;
}

std::vector<bundle::ValidationError> ConfigService::run_validator(const bundle::Bundle& candidate, config::Profile profile,
                                                                  const scripting::RecordedMarket* recorded) const {
  if (options_.validator) return options_.validator(candidate, profile, recorded);
  return bundle::validate(candidate, profile, recorded);
}

std::optional<ConfigService::Candidate> ConfigService::check(const bundle::Bundle& candidate, ConfigAnswer& out) {
  const auto recorded = recorded_market();
  std::vector<bundle::ValidationError> errors = run_validator(candidate, running_config_.profile, recorded.get());
  if (!errors.empty()) {
    out = answer(422, "validation_failed",
                 json{{"applied", false}, {"version", running_version_}, {"errors", errors_json(errors)},
                      {"message", "the bundle is not valid; the running version " + std::to_string(running_version_) +
                                      " is unchanged"}});
    return std::nullopt;
  }
  std::vector<std::string> env_overrides;
  auto config = load_profile(candidate, errors, &env_overrides);
  if (!config) {
    if (errors.empty()) errors.push_back({profile_file_, 0, config.error().message});
    out = answer(422, "validation_failed",
                 json{{"applied", false}, {"version", running_version_}, {"errors", errors_json(errors)},
                      {"message", "the profile does not load with this daemon's environment and flags"}});
    return std::nullopt;
  }
  for (const engine::ConfigChange& change : engine::restart_only_changes(running_config_, *config)) {
    errors.push_back({profile_file_, 0,
                      change.key + ": '" + change.before + "' → '" + change.after +
                          "' takes effect only at a restart: keep the running value in this bundle, or change it on "
                          "disk and restart the daemon"});
  }
  if (!errors.empty()) {
    out = answer(422, "restart_required",
                 json{{"applied", false}, {"version", running_version_}, {"errors", errors_json(errors)},
                      {"message", "the bundle changes keys a hot reload cannot apply"}});
    return std::nullopt;
  }
  return Candidate{candidate, std::move(*config), std::move(env_overrides)};
}

std::vector<std::string> ConfigService::loosenings(const Candidate& candidate) const {
  std::vector<std::string> out;
  for (const engine::ConfigChange& change : engine::loosened_limits(running_config_, candidate.config)) {
    out.push_back(change.key + ": " + change.before + " → " + change.after);
  }
  // A trusted strategy runs native code through the FFI: making one trusted, or changing
  // what a trusted one runs (its file or the file's text), is as loose as it gets.
  for (const config::StrategyConfig& strategy : candidate.config.strategies) {
    if (!strategy.enabled || !strategy.trusted) continue;
    const auto running = std::find_if(running_config_.strategies.begin(), running_config_.strategies.end(),
                                      [&](const config::StrategyConfig& s) {
                                        return s.name == strategy.name && s.enabled && s.trusted;
                                      });
    if (running == running_config_.strategies.end()) {
      out.push_back("strategies." + strategy.name + ".trusted: the script gets the FFI");
      continue;
    }
    const std::string* now_text = running_bundle_.find(running->file);
    const std::string* next_text = candidate.bundle.find(strategy.file);
    if (running->file != strategy.file || now_text == nullptr || next_text == nullptr || *now_text != *next_text) {
      out.push_back("strategies." + strategy.name + ": new code for a trusted (FFI) strategy");
    }
  }
  const std::string* before = running_bundle_.find(kBreakersFile);
  const std::string* after = candidate.bundle.find(kBreakersFile);
  if ((before == nullptr) != (after == nullptr) || (before != nullptr && *before != *after)) {
    out.push_back(std::string(kBreakersFile) + " changed (circuit-breaker rules are limits)");
  }
  return out;
}

std::shared_ptr<const scripting::RecordedMarket> ConfigService::recorded_market() const {
  engine::EngineHandle* engine = engine_.load();
  if (engine == nullptr) return nullptr;
  const auto snap = engine->snapshot();
  return snap ? snap->market : nullptr;
}

// The P2 `config_apply_failed` (S-4.2) through the one safety-action function.
void ConfigService::raise_apply_failed(const std::string& summary, const control::Actor& actor) {
  if (control_ == nullptr) return;
  control::SafetyEvent event;
  event.code = IncidentCode::config_apply_failed;
  event.component = "config";
  event.summary = summary;
  event.actor = actor;
  if (auto raised = control_->safety_action(event); !raised) {
    log_.error("config_incident_failed", {{"error", raised.error().message}});
  }
}

void ConfigService::audit(const control::Actor& actor, const std::string& action, json details) {
  if (control_ == nullptr) return;
  if (Status recorded = control_->record(actor, action, "config", std::move(details)); !recorded) {
    log_.error("config_audit_failed", {{"action", action}, {"error", recorded.error().message}});
  }
}

ConfigAnswer ConfigService::validate(const json& body) {
  const CallGate::Scope call(calls_);
  if (!call) return stopping();
  std::vector<bundle::ValidationError> errors;
  auto files = files_of(body, errors);
  bundle::Bundle base;
  config::Profile profile;
  {
    std::lock_guard lock(state_mutex_);
    base = running_bundle_;
    profile = running_config_.profile;
  }
  if (!files) return answer(400, "bad_request", json{{"valid", false}, {"errors", errors_json(errors)}});
  auto candidate = base.with_overrides(*files);
  if (!candidate) {
    return answer(400, "bad_request",
                  json{{"valid", false}, {"errors", errors_json({{"", 0, candidate.error().message}})}});
  }
  const MonoTime started = clock_.now();
  const auto recorded = recorded_market();
  errors = run_validator(*candidate, profile, recorded.get());
  // After the dry runs passed: the changed strategies over the recent market (issue 15).
  shadow::ShadowReport shadow;
  if (errors.empty()) shadow = run_shadow(*candidate, base, profile);
  errors.insert(errors.end(), shadow.errors.begin(), shadow.errors.end());
  const double ms = std::chrono::duration<double, std::milli>(clock_.now() - started).count();
  return answer(200, "", json{{"valid", errors.empty()},
                              {"errors", errors_json(errors)},
                              {"hash", candidate->hash()},
                              {"recorded_books", recorded ? recorded->books().size() : 0},
                              {"shadow", shadow.shadow_json()},
                              {"warnings", shadow.warnings},
                              {"validate_ms", ms}});
}

ConfigAnswer ConfigService::describe(std::size_t history_limit) {
  const CallGate::Scope call(calls_);
  if (!call) return stopping();
  std::lock_guard lock(state_mutex_);
  auto history = versions_.history(history_limit);
  if (!history) return answer(500, "internal", json{{"message", history.error().message}});
  auto recent = activations_.recent(history_limit);
  if (!recent) return answer(500, "internal", json{{"message", recent.error().message}});
  json versions = json::array();
  // Each version with the paths it changed against the version saved before it.
  std::map<std::int64_t, bundle::Bundle> loaded;
  auto bundle_of = [&](std::int64_t v) -> const bundle::Bundle* {
    if (auto it = loaded.find(v); it != loaded.end()) return &it->second;
    auto got = versions_.get(v);
    if (!got) return nullptr;
    return &loaded.emplace(v, std::move(got->bundle)).first->second;
  };
  for (const auto& info : *history) {
    json entry = version_json(info, running_version_);
    const bundle::Bundle* after = bundle_of(info.version);
    const bundle::Bundle* before = info.version > 1 ? bundle_of(info.version - 1) : nullptr;
    if (after != nullptr) entry["changes"] = changes_json(bundle::diff(before != nullptr ? *before : bundle::Bundle{}, *after));
    versions.push_back(std::move(entry));
  }
  json activations = json::array();
  for (const auto& a : *recent) activations.push_back(activation_json(a));
  json files = json::array();
  for (const auto& [path, content] : running_bundle_.files()) files.push_back(path);
  return answer(200, "", json{{"version", running_version_},
                              {"hash", running_bundle_.hash()},
                              {"profile", config::to_string(running_config_.profile)},
                              {"files", files},
                              {"history", versions},
                              {"activations", activations}});
}

ConfigAnswer ConfigService::version(std::int64_t number) {
  const CallGate::Scope call(calls_);
  if (!call) return stopping();
  std::lock_guard lock(state_mutex_);
  auto stored = versions_.get(number);
  if (!stored) {
    if (stored.error().code == Errc::not_found) {
      return answer(404, "not_found", json{{"message", "config bundle version " + std::to_string(number) +
                                                           " does not exist"}});
    }
    return answer(500, "internal", json{{"message", stored.error().message}});
  }
  json files = json::object();
  for (const auto& [path, content] : stored->bundle.files()) files[path] = content;
  json body = version_json(stored->info, running_version_);
  body["files"] = std::move(files);
  if (number > 1) {
    if (auto before = versions_.get(number - 1)) body["changes"] = changes_json(bundle::diff(before->bundle, stored->bundle));
  }
  return answer(200, "", std::move(body));
}

}  // namespace propbot::config_service
