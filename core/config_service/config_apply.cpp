// The change half of ConfigService: apply, rollback, the swap into the engine
// (activate) and the approval worker that applies a loosening once confirmed.
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

namespace {

// The engine's refusal of a swap, as the answers' errors.
std::vector<bundle::ValidationError> errors_of(const engine::ReloadReport& report) {
  std::vector<bundle::ValidationError> errors;
  for (const auto& e : report.errors) errors.push_back({e.file, e.line, e.message});
  return errors;
}

}  // namespace

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
  auto reset_state = reset_state_of(body);
  if (!reset_state) {
    return answer(400, "bad_request",
                  json{{"applied", false}, {"errors", errors_json({{"", 0, reset_state.error().message}})}});
  }
  std::unique_lock operation(op_mutex_, std::try_to_lock);
  if (!operation.owns_lock()) return busy();
  auto candidate_bundle = running_bundle_.with_overrides(*files);
  if (!candidate_bundle) {
    return answer(400, "bad_request",
                  json{{"applied", false}, {"errors", errors_json({{"", 0, candidate_bundle.error().message}})}});
  }
  if (candidate_bundle->hash() == running_bundle_.hash()) {
    if (!reset_state->empty()) return reset_running(*reset_state, actor, message);
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
  if (auto unknown = unknown_reset_name(*reset_state, candidate->config)) {
    return answer(400, "bad_request", json{{"applied", false}, {"errors", errors_json({{"", 0, *unknown}})}});
  }
  // The changed strategies over the recent market (issue 15): a fault refuses the apply.
  const shadow::ShadowReport shadow = run_shadow(candidate->bundle, running_bundle_, running_config_.profile);
  if (!shadow.errors.empty()) {
    refused = answer(422, "validation_failed",
                     json{{"applied", false}, {"version", running_version_}, {"errors", errors_json(shadow.errors)},
                          {"shadow", shadow.shadow_json()}, {"warnings", shadow.warnings},
                          {"message", "a changed strategy faults on the recent market; the running version " +
                                          std::to_string(running_version_) + " is unchanged"}});
    audit(actor, "config_apply", json{{"outcome", "denied"}, {"reason", refused.code}, {"errors", refused.body["errors"]}});
    return refused;
  }
  candidate->warnings.insert(candidate->warnings.end(), shadow.warnings.begin(), shadow.warnings.end());
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
    json payload{{"version", *version}, {"base_version", running_version_}, {"loosens", loosened},
                 {"reset_state", *reset_state}};
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
  ConfigAnswer result = activate(*version, std::move(*candidate), "apply", actor, message, *reset_state);
  result.body["apply_ms"] = std::chrono::duration<double, std::milli>(clock_.now() - started).count();
  result.body["shadow"] = shadow.shadow_json();
  return result;
}

ConfigAnswer ConfigService::reset_running(const std::vector<std::string>& reset_state, const control::Actor& actor,
                                          const std::string& message) {
  if (auto unknown = unknown_reset_name(reset_state, running_config_)) {
    return answer(400, "bad_request", json{{"applied", false}, {"errors", errors_json({{"", 0, *unknown}})}});
  }
  engine::EngineHandle* engine = engine_.load();
  if (engine == nullptr) {
    return answer(503, "unavailable", json{{"applied", false}, {"version", running_version_},
                                           {"message", "the engine is not running yet"}});
  }
  engine::EngineBundle next{running_config_, running_bundle_, running_version_, reset_state};
  engine::ReloadReport report = engine->reload(std::move(next), options_.reload_timeout);
  if (!report.applied) {
    const std::vector<bundle::ValidationError> errors = errors_of(report);
    audit(actor, "config_apply",
          json{{"outcome", "failed"}, {"change", "reset_state"}, {"reset_state", reset_state}, {"errors", errors_json(errors)}});
    return answer(report.timed_out ? 503 : 422, report.timed_out ? "unavailable" : "apply_failed",
                  json{{"applied", false}, {"version", running_version_}, {"errors", errors_json(errors)},
                       {"message", "the state reset did not take; version " + std::to_string(running_version_) +
                                       " keeps running as it was"}});
  }
  const std::vector<std::int64_t> closed = close_fixed(report, running_version_, actor);
  if (options_.on_applied) {
    options_.on_applied(json{{"version", running_version_}, {"from_version", running_version_}, {"source", "reset_state"},
                             {"actor", actor.name}, {"started", report.started}, {"replaced", report.replaced},
                             {"stopped", report.stopped}, {"reset_state", report.reset}});
  }
  audit(actor, "config_apply", json{{"outcome", "approved"}, {"change", "reset_state"}, {"version", running_version_},
                                    {"reset_state", report.reset}, {"message", message},
                                    {"incidents_closed", closed}});
  return answer(200, "", json{{"applied", true},
                              {"version", running_version_},
                              {"from_version", running_version_},
                              {"bundle_version", running_version_},
                              {"rollback_token", nullptr},
                              {"errors", json::array()},
                              {"replaced", report.replaced},
                              {"reset_state", report.reset},
                              {"incidents_closed", closed},
                              {"message", "version " + std::to_string(running_version_) +
                                              " keeps running; ctx.state started empty for: " + names(report.reset)}});
}

std::vector<std::int64_t> ConfigService::close_fixed(const engine::ReloadReport& report, std::int64_t version,
                                                     const control::Actor& actor) {
  std::vector<std::int64_t> closed;
  if (control_ == nullptr) return closed;
  const auto close = [&](IncidentCode code, const std::string& component, const std::string& fix) {
    auto done = control_->close_fixed_incidents(code, component, fix, actor);
    if (!done) {
      log_.error("incident_close_failed", {{"component", component}, {"error", done.error().message}});
      return;
    }
    for (const auto& incident : *done) closed.push_back(incident.id);
  };
  for (const std::string& name : report.replaced_frozen) {
    const bool stopped = std::find(report.stopped.begin(), report.stopped.end(), name) != report.stopped.end();
    close(IncidentCode::strategy_degraded, "strategy:" + name,
          stopped ? "the frozen strategy was stopped by config version " + std::to_string(version)
                  : "the frozen strategy was replaced by config version " + std::to_string(version));
  }
  if (report.policies_reloaded) {
    close(IncidentCode::policy_pipeline_degraded, "policy_pipeline",
          "the policy pipeline was rebuilt by config version " + std::to_string(version));
  }
  return closed;
}

ConfigAnswer ConfigService::activate(std::int64_t version, Candidate candidate, const std::string& source,
                                     const control::Actor& actor, const std::string& message,
                                     const std::vector<std::string>& reset_state) {
  const std::vector<std::string> candidate_warnings = candidate.warnings;
  const bundle::BundleDiff changes = bundle::diff(running_bundle_, candidate.bundle);
  engine::EngineHandle* engine = engine_.load();
  if (engine == nullptr) {
    return answer(503, "unavailable", json{{"applied", false}, {"version", running_version_},
                                           {"message", "the engine is not running yet"}});
  }
  engine::EngineBundle next{candidate.config, candidate.bundle, version, reset_state};
  engine::ReloadReport report = engine->reload(std::move(next), options_.reload_timeout);
  if (!report.applied) {
    const std::vector<bundle::ValidationError> errors = errors_of(report);
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
  const std::vector<std::int64_t> closed = close_fixed(report, version, actor);
  json details{{"outcome", "approved"},     {"source", source},
               {"version", version},        {"from_version", from},
               {"hash", running_bundle_.hash()}, {"added", changes.added},
               {"changed", changes.changed}, {"removed", changes.removed},
               {"started", report.started}, {"replaced", report.replaced},
               {"stopped", report.stopped}, {"policies_reloaded", report.policies_reloaded},
               {"reset_state", report.reset}, {"incidents_closed", closed}};
  audit(actor, source == "rollback" ? "config_rollback" : "config_apply", details);
  if (options_.on_applied) {
    options_.on_applied(json{{"version", version}, {"from_version", from}, {"source", source}, {"actor", actor.name},
                             {"started", report.started}, {"replaced", report.replaced}, {"stopped", report.stopped},
                             {"reset_state", report.reset}});
  }
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
                     {"reset_state", report.reset},
                     {"incidents_closed", closed},
                     // The engine published a snapshot of this version before answering:
                     // every read (/api/ui/market, /api/opportunities) shows it already.
                     {"bundle_version", version},
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
        std::vector<std::string> reset_state;
        if (auto names = reset_state_of(payload); names) reset_state = std::move(*names);
        ConfigAnswer applied = activate(version, std::move(*candidate), "approval", actor,
                                        "approved request " + std::to_string(request.id) + " by " + request.requested_by,
                                        reset_state);
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

}  // namespace propbot::config_service
