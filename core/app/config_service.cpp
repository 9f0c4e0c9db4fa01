#include "core/app/config_service.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

#include "core/engine/hot_config.hpp"
#include "core/bundle/scratch_directory.hpp"
#include "core/common/json_util.hpp"
#include "core/secrets/random_token.hpp"

namespace propbot::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kBreakersFile = "policies/circuit_breakers.lua";
// An apply's `message` is stored with the version and shown in the history; in live it
// also becomes the reason of a loosening approval ("config version N: <message>"),
// which the control plane holds to 1000 bytes.
constexpr std::size_t kMaxApplyMessageBytes = 900;
// Tokens are "pbr_" and a few dozen characters (random_token); 128 bytes is none of them.
constexpr std::size_t kMaxRollbackTokenBytes = 128;

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

}  // namespace

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

Status ConfigService::started(EngineThread& engine, const Startup& startup) {
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
  EngineThread* engine = engine_.load();
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
  const double ms = std::chrono::duration<double, std::milli>(clock_.now() - started).count();
  return answer(200, "", json{{"valid", errors.empty()},
                              {"errors", errors_json(errors)},
                              {"hash", candidate->hash()},
                              {"recorded_books", recorded ? recorded->books().size() : 0},
                              {"validate_ms", ms}});
}

ConfigAnswer ConfigService::apply(const json& body, const control::Actor& actor) {
  const CallGate::Scope call(calls_);
  if (!call) return stopping();
  const MonoTime started = clock_.now();
  std::vector<bundle::ValidationError> errors;
  auto files = files_of(body, errors);
  if (!files) {
    return answer(400, "bad_request", json{{"applied", false}, {"errors", errors_json(errors)}});
  }
  std::string message = "applied through the API";
  if (body.contains("message")) {
    if (!body["message"].is_string()) {
      return answer(400, "bad_request",
                    json{{"applied", false},
                         {"errors", errors_json({{"", 0, "field 'message' must be a string (why this change)"}})}});
    }
    message = body["message"].get<std::string>();
    if (message.size() > kMaxApplyMessageBytes) {
      return answer(400, "bad_request",
                    json{{"applied", false},
                         {"errors", errors_json({{"", 0, "field 'message': at most " + std::to_string(kMaxApplyMessageBytes) +
                                                             " bytes (got " + std::to_string(message.size()) +
                                                             "); say why in a sentence or two"}})}});
    }
  }
  std::unique_lock operation(op_mutex_, std::try_to_lock);
  if (!operation.owns_lock()) return busy();
  auto candidate_bundle = running_bundle_.with_overrides(*files);
  if (!candidate_bundle) {
    return answer(400, "bad_request",
                  json{{"applied", false}, {"errors", errors_json({{"", 0, candidate_bundle.error().message}})}});
  }
  if (candidate_bundle->hash() == running_bundle_.hash()) {
    return answer(200, "", json{{"applied", false}, {"version", running_version_}, {"rollback_token", nullptr},
                                {"errors", json::array()},
                                {"message", "no change: the bundle is identical to the running version " +
                                                std::to_string(running_version_)}});
  }
  ConfigAnswer refused;
  auto candidate = check(*candidate_bundle, refused);
  if (!candidate) {
    audit(actor, "config_apply", json{{"outcome", "denied"}, {"reason", refused.code}, {"errors", refused.body["errors"]}});
    return refused;
  }
  auto version = [&] {
    std::lock_guard lock(state_mutex_);
    return versions_.save(candidate->bundle, actor.name, message);
  }();
  if (!version) return answer(500, "internal", json{{"applied", false}, {"message", version.error().message}});

  const std::vector<std::string> loosened = loosenings(*candidate);
  if (running_config_.profile == config::Profile::live && !loosened.empty()) {
    if (control_ == nullptr) {
      return answer(409, "approval_required", json{{"applied", false}, {"version", running_version_},
                                                   {"message", "this change loosens limits in live and needs a two-man "
                                                               "approval, which this daemon cannot file"}});
    }
    json payload{{"version", *version}, {"base_version", running_version_}, {"loosens", loosened}};
    auto filed = control_->request_approval(control::ApprovalKind::config_apply_loosening,
                                            "config version " + std::to_string(*version) + ": " + message, payload, actor);
    if (!filed || !filed->ok() || !filed->approval) {
      const std::string why = !filed ? filed.error().message : filed->message;
      return answer(409, "approval_refused", json{{"applied", false}, {"version", running_version_}, {"message", why}});
    }
    return answer(202, "", json{{"applied", false},
                                {"version", running_version_},
                                {"pending_version", *version},
                                {"approval_id", filed->approval->id},
                                {"rollback_token", nullptr},
                                {"errors", json::array()},
                                {"loosens", loosened},
                                {"message", "version " + std::to_string(*version) +
                                                " loosens limits in live; it is applied when a second operator confirms "
                                                "POST /api/ui/approvals/" + std::to_string(filed->approval->id) + "/confirm"}});
  }
  ConfigAnswer result = activate(*version, std::move(*candidate), "apply", actor, message);
  result.body["apply_ms"] = std::chrono::duration<double, std::milli>(clock_.now() - started).count();
  return result;
}

ConfigAnswer ConfigService::activate(std::int64_t version, Candidate candidate, const std::string& source,
                                     const control::Actor& actor, const std::string& message) {
  const std::vector<std::string> candidate_warnings = candidate.warnings;
  const bundle::BundleDiff changes = bundle::diff(running_bundle_, candidate.bundle);
  EngineThread* engine = engine_.load();
  if (engine == nullptr) {
    return answer(503, "unavailable", json{{"applied", false}, {"version", running_version_},
                                           {"message", "the engine is not running yet"}});
  }
  engine::EngineBundle next{candidate.config, candidate.bundle, version};
  engine::ReloadReport report = engine->reload(std::move(next), options_.reload_timeout);
  if (!report.applied) {
    std::vector<bundle::ValidationError> errors;
    for (const auto& e : report.errors) errors.push_back({e.file, e.line, e.message});
    std::string detail = "no detail";
    if (!errors.empty()) {
      const auto& first = errors.front();
      detail = first.message.find(first.file) != std::string::npos ? first.message : bundle::format(first);
    }
    const std::string summary = "config version " + std::to_string(version) + " failed to start in the engine (" +
                                detail + "); version " + std::to_string(running_version_) + " keeps running";
    raise_apply_failed(summary, actor);
    audit(actor, "config_apply", json{{"outcome", "failed"}, {"version", version}, {"errors", errors_json(errors)}});
    // The engine not taking the work in time is a server condition worth a retry.
    return answer(report.timed_out ? 503 : 422, report.timed_out ? "unavailable" : "apply_failed",
                  json{{"applied", false}, {"version", running_version_},
                                            {"rollback_token", nullptr}, {"errors", errors_json(errors)},
                                            {"message", summary}});
  }
  const std::string token(secrets::random_token("pbr_").reveal());
  bundle::NewActivation row;
  row.version = version;
  row.from_version = running_version_;
  row.source = source;
  row.actor = actor.name;
  row.message = message;
  row.disk_hash = disk_hash_;
  row.rollback_token = token;
  const std::int64_t from = running_version_;
  Result<bundle::Activation> recorded = make_error(Errc::internal, "not recorded");
  {
    std::lock_guard lock(state_mutex_);
    running_bundle_ = std::move(candidate.bundle);
    running_config_ = std::move(candidate.config);
    running_version_ = version;
    recorded = activations_.record(row);
  }
  std::vector<std::string> warnings = candidate_warnings;
  if (!recorded) {
    // The engine runs the new version but the database does not say so: a restart
    // would resume the previous one. Not silent: P2 + a warning in the answer.
    log_.error("config_activation_not_recorded", {{"version", version}, {"error", recorded.error().message}});
    warnings.push_back("the activation of version " + std::to_string(version) +
                       " could not be recorded (" + recorded.error().message +
                       "); a restart would run the previous version; no rollback token");
    raise_apply_failed("config version " + std::to_string(version) + " runs but its activation was not recorded: " +
                           recorded.error().message,
                       actor);
  }
  json details{{"outcome", "approved"},     {"source", source},
               {"version", version},        {"from_version", from},
               {"hash", running_bundle_.hash()}, {"added", changes.added},
               {"changed", changes.changed}, {"removed", changes.removed},
               {"started", report.started}, {"replaced", report.replaced},
               {"stopped", report.stopped}, {"policies_reloaded", report.policies_reloaded}};
  audit(actor, source == "rollback" ? "config_rollback" : "config_apply", details);
  log_.info("config_applied", {{"version", version}, {"from_version", from}, {"source", source}, {"actor", actor.name}});
  const double engine_ms = std::chrono::duration<double, std::milli>(report.engine_time).count();
  return answer(200, "",
                json{{"applied", true},
                     {"version", version},
                     {"from_version", from},
                     {"rollback_token", recorded ? json(token) : json(nullptr)},
                     {"errors", json::array()},
                     {"started", report.started},
                     {"replaced", report.replaced},
                     {"stopped", report.stopped},
                     {"kept", report.kept},
                     {"policies_reloaded", report.policies_reloaded},
                     {"engine_ms", engine_ms},
                     {"warnings", warnings},
                     {"message", "version " + std::to_string(version) + " is running (was " + std::to_string(from) +
                                     "); started: " + names(report.started) + "; replaced: " + names(report.replaced) +
                                     "; stopped: " + names(report.stopped)}});
}

ConfigAnswer ConfigService::rollback(const json& body, const control::Actor& actor) {
  const CallGate::Scope call(calls_);
  if (!call) return stopping();
  if (!body.is_object() || !body.contains("rollback_token") || !body["rollback_token"].is_string() ||
      body["rollback_token"].get<std::string>().empty()) {
    return answer(400, "bad_request",
                  json{{"applied", false},
                       {"errors", errors_json({{"", 0, "field 'rollback_token' is required: the token an apply "
                                                       "answered with"}})}});
  }
  const std::string token = body["rollback_token"].get<std::string>();
  if (token.size() > kMaxRollbackTokenBytes) {
    return answer(400, "bad_request",
                  json{{"applied", false},
                       {"errors", errors_json({{"", 0, "field 'rollback_token': at most " +
                                                           std::to_string(kMaxRollbackTokenBytes) +
                                                           " bytes; send the token an apply answered with"}})}});
  }
  std::unique_lock operation(op_mutex_, std::try_to_lock);
  if (!operation.owns_lock()) return busy();
  auto found = [&] {
    std::lock_guard lock(state_mutex_);
    return activations_.find_token(token);
  }();
  if (!found) return answer(500, "internal", json{{"applied", false}, {"message", found.error().message}});
  if (!*found) {
    return answer(404, "not_found", json{{"applied", false}, {"version", running_version_},
                                         {"message", "unknown rollback_token"}});
  }
  const bundle::Activation& activation = **found;
  if (activation.rolled_back_at) {
    return answer(409, "conflict", json{{"applied", false}, {"version", running_version_},
                                        {"message", "this rollback_token was used at " + *activation.rolled_back_at}});
  }
  if (activation.version != running_version_ || !activation.from_version) {
    return answer(409, "conflict",
                  json{{"applied", false},
                       {"version", running_version_},
                       {"message", "the token undoes version " + std::to_string(activation.version) + ", but version " +
                                       std::to_string(running_version_) +
                                       " is running: use the rollback_token of the apply that started it"}});
  }
  auto target = [&] {
    std::lock_guard lock(state_mutex_);
    return versions_.get(*activation.from_version);
  }();
  if (!target) return answer(500, "internal", json{{"applied", false}, {"message", target.error().message}});
  ConfigAnswer refused;
  auto candidate = check(target->bundle, refused);
  if (!candidate) {
    audit(actor, "config_rollback", json{{"outcome", "denied"}, {"reason", refused.code}});
    return refused;
  }
  const std::vector<std::string> loosened = loosenings(*candidate);
  if (running_config_.profile == config::Profile::live && !loosened.empty()) {
    return answer(409, "approval_required",
                  json{{"applied", false},
                       {"version", running_version_},
                       {"loosens", loosened},
                       {"message", "rolling back to version " + std::to_string(*activation.from_version) +
                                       " loosens limits in live: apply its files through POST /api/ui/config/apply, "
                                       "which files the two-man request"}});
  }
  ConfigAnswer result = activate(*activation.from_version, std::move(*candidate), "rollback", actor,
                                 "rollback of version " + std::to_string(activation.version));
  if (result.status == 200) {
    std::lock_guard lock(state_mutex_);
    if (Status marked = activations_.mark_rolled_back(activation.id); !marked) {
      log_.error("config_rollback_not_marked", {{"activation", activation.id}, {"error", marked.error().message}});
    }
  }
  return result;
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

void ConfigService::on_loosening_approved(const control::ApprovalRequest& request) {
  {
    std::lock_guard lock(queue_mutex_);
    approved_.push_back(request);
  }
  queue_cv_.notify_all();
}

void ConfigService::drain() {
  std::unique_lock lock(queue_mutex_);
  queue_cv_.wait(lock, [&] { return approved_.empty() && !busy_; });
}

void ConfigService::worker_loop() {
  for (;;) {
    control::ApprovalRequest request;
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return stopping_ || !approved_.empty(); });
      if (stopping_) return;
      request = std::move(approved_.front());
      approved_.pop_front();
      busy_ = true;
    }
    const json payload = parse_json_or_discarded(request.payload_json);
    const control::Actor actor{request.confirmed_by.value_or("unknown"), "operator", "approval"};
    try {
      std::lock_guard operation(op_mutex_);  // waits for an apply in flight; never the API thread
      const std::int64_t version = payload.is_object() ? payload.value("version", std::int64_t{0}) : 0;
      const std::int64_t base = payload.is_object() ? payload.value("base_version", std::int64_t{0}) : 0;
      auto stored = [&] {
        std::lock_guard lock(state_mutex_);
        return versions_.get(version);
      }();
      ConfigAnswer refused;
      std::optional<Candidate> candidate;
      std::string why;
      if (!stored) {
        why = stored.error().message;
      } else if (base != running_version_) {
        why = "version " + std::to_string(running_version_) + " replaced version " + std::to_string(base) +
              " since the request was filed; file the change again";
      } else if (candidate = check(stored->bundle, refused); !candidate) {
        why = refused.body.value("message", std::string("the bundle no longer passes the checks"));
      }
      if (!why.empty()) {
        audit(actor, "config_apply", json{{"outcome", "denied"}, {"approval_id", request.id}, {"reason", why}});
        log_.warn("config_approval_not_applied", {{"approval_id", request.id}, {"reason", why}});
      } else {
        ConfigAnswer applied = activate(version, std::move(*candidate), "approval", actor,
                                        "approved request " + std::to_string(request.id) + " by " + request.requested_by);
        log_.info("config_approval_applied", {{"approval_id", request.id}, {"status", applied.status}});
      }
    } catch (const std::exception& e) {
      log_.error("config_worker_failed", {{"error", e.what()}});
    } catch (...) {
      log_.error("config_worker_failed", {{"error", "unknown exception"}});
    }
    {
      std::lock_guard lock(queue_mutex_);
      busy_ = false;
    }
    queue_cv_.notify_all();
  }
}

}  // namespace propbot::app
