// ConfigService: the daemon's config bundle — what runs, every version, and the
// validate / apply / rollback operations behind /api/ui/config/* (SPEC S-7.5).
//
// - At start (open): the bundle on disk (scripting.bundle_dir: configs/, strategies/,
//   policies/, with configs/<profile>.yaml replaced by the --config file when that is
//   elsewhere) is saved as a version. If the last run had an API-applied version
//   running and the disk still holds what it held then, that version is resumed —
//   an applied change survives a restart; a new release on disk takes over.
// - validate(files): the overrides over the running bundle, through bundle::validate
//   (the real YAML loader, every strategy compiled and dry-run, the policy checks), then
//   the shadow replay of the changed strategies over the engine's market tape
//   (core/shadow; apply runs it too, rollback does not).
// - apply(files): validate; load the new profile with the daemon's own environment and
//   command line; refuse keys only a restart can change (hot_config.hpp); in live, a
//   change that loosens a limit (a risk cap, scripting.risk_level, a strategy newly
//   marked trusted or new code for a trusted one, or any change to
//   policies/circuit_breakers.lua) is filed as a `config_apply_loosening` two-man
//   request and applied only when a second operator confirms it; else save the version
//   and swap it into the engine (engine::EngineHandle::reload). The answer carries a rollback_token.
// - rollback(token): returns to the version that ran before that activation, through
//   the same checks and swap; a token works once, and only while its version runs.
// - Failures never half-apply: the running version is untouched by a refused or
//   failed apply; an engine-side failure is a P2 `config_apply_failed` incident through
//   the control plane's safety_action. Every apply, refusal and rollback is audited.
//
// Threads: every public call may come from any thread (the API thread; a confirmed
// loosening runs on the service's own worker, so the control plane's lock is never
// held while the engine is waited for). One changing operation at a time: a second
// apply or rollback while one runs answers 409 `busy` instead of holding the API thread;
// reads (validate, GET) take only a short state lock. The service has its own database
// connection. It must be destroyed after the API server stopped (no confirm may reach
// its approval hook afterwards; the hook is disarmed by the destructor).
//
// Uses: core/bundle (Bundle, validate, BundleStore, ActivationStore), core/config
// (load_config), Engine, ControlPlane, hot_config.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/engine/engine_handle.hpp"
#include "core/bundle/activation_store.hpp"
#include "core/bundle/bundle.hpp"
#include "core/bundle/bundle_store.hpp"
#include "core/bundle/validator.hpp"
#include "core/common/call_gate.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/config/loader.hpp"
#include "core/control/control_plane.hpp"
#include "core/shadow/shadow_validation.hpp"
#include "core/store/database.hpp"

namespace propbot::config_service {

struct ConfigAnswer {
  int status = 200;   // HTTP status
  std::string code;   // error code for a non-2xx answer, e.g. "validation_failed"
  nlohmann::json body;
};

// How a candidate bundle is validated: bundle::validate in this process (tests, tools),
// or in a bounded child process (the daemon: bundle::validate_isolated).
using BundleValidator = std::function<std::vector<bundle::ValidationError>(
    const bundle::Bundle&, config::Profile, const scripting::RecordedMarket*)>;

// Shadow validation (core/shadow/shadow_validation.hpp): the candidate's changed
// strategies and their running versions replayed over the engine's market tape, in this
// process (tests, tools) or in a bounded child process (the daemon:
// shadow::shadow_validate_isolated).
using ShadowValidator = std::function<shadow::ShadowReport(const bundle::Bundle& candidate, const bundle::Bundle& running,
                                                           config::Profile, const engine::MarketTapeView&)>;

struct ConfigServiceOptions {
  config::LoadOptions load_options;  // how the daemon loaded its configuration (env, flags)
  std::chrono::milliseconds reload_timeout{10'000};
  BundleValidator validator;  // empty: bundle::validate in process
  // Called after every successful swap (apply, rollback, approval, reset_state) with
  // {version, from_version, source, actor, started, replaced, stopped, reset_state}; the
  // daemon publishes it as the stream's `config.applied`. May be empty.
  std::function<void(const nlohmann::json&)> on_applied;
  ShadowValidator shadow;     // empty: shadow::shadow_validate in process
};

class ConfigService {
 public:
  // What start-up decided: the bundle and configuration to start the engine with.
  struct Startup {
    bundle::Bundle bundle;
    config::Config config;
    std::int64_t version = 0;
    bool resumed = false;  // an API-applied version, not the disk bundle
    std::string notice;    // one line for the log (resumed version, or disk)
  };

  // Reads the disk bundle, saves it, decides what runs (see the header); build and
  // start the Engine with the returned Startup, then call started(). Errors: the
  // bundle cannot be read, store errors.
  static Result<std::unique_ptr<ConfigService>> open(store::Database database, const Clock& clock,
                                                     control::ControlPlane* control, Logger log,
                                                     ConfigServiceOptions options, const config::Config& running,
                                                     Startup& startup);
  ~ConfigService();

  // When the engine refused to start a resumed version: the disk bundle instead (saved
  // as a version), so a bad resume cannot keep the daemon from starting.
  Result<Startup> disk_startup(const std::string& why);

  // After engine.start(startup): the engine future applies go to (it must outlive the
  // service), and the start-up activation is recorded.
  Status started(engine::EngineHandle& engine, const Startup& startup);

  ConfigAnswer validate(const nlohmann::json& body);
  ConfigAnswer apply(const nlohmann::json& body, const control::Actor& actor);
  ConfigAnswer rollback(const nlohmann::json& body, const control::Actor& actor);
  ConfigAnswer describe(std::size_t history_limit);
  // One saved version with its files' contents and what it changed against the
  // version before it (404 for an unknown number).
  ConfigAnswer version(std::int64_t number);

  // For the confirmed `config_apply_loosening` approval (registered on the control
  // plane by open()): queues the activation for the worker thread.
  void on_loosening_approved(const control::ApprovalRequest& request);

  // Shutdown, before the engine stops: new calls answer 503 `unavailable` ("the daemon
  // is stopping"), the calls in flight are waited for (an apply may wait for the
  // engine, which still runs), the approval worker is stopped (queued approvals are
  // logged as dropped). The routes run on the API server's blocking workers, which can
  // outlive the server's stop grace: after close() no call touches the engine or the
  // control plane. Idempotent; the destructor calls it.
  void close();
  // Waits until the worker has nothing queued (tests).
  void drain();

 private:
  ConfigService(store::Database database, const Clock& clock, control::ControlPlane* control, Logger log,
                ConfigServiceOptions options);

  struct Candidate {
    bundle::Bundle bundle;
    config::Config config;
    std::vector<std::string> warnings;  // keys the daemon's environment overrides
  };
  // Overrides → bundle → validation → configuration → restart-only check. On refusal
  // `answer` is set and nullopt returned.
  std::optional<Candidate> check(const bundle::Bundle& bundle, ConfigAnswer& answer);
  std::vector<std::string> loosenings(const Candidate& candidate) const;
  std::vector<bundle::ValidationError> run_validator(const bundle::Bundle& candidate, config::Profile profile,
                                                     const scripting::RecordedMarket* recorded) const;
  ConfigAnswer activate(std::int64_t version, Candidate candidate, const std::string& source,
                        const control::Actor& actor, const std::string& message,
                        const std::vector<std::string>& reset_state = {});
  // apply with the running bundle unchanged and `reset_state` named: those strategies are
  // rebuilt with an empty ctx.state; the version stays.
  ConfigAnswer reset_running(const std::vector<std::string>& reset_state, const control::Actor& actor,
                             const std::string& message);
  // After a swap: the strategy_degraded incidents of the frozen strategies it replaced
  // or stopped (and a degraded pipeline's, when the policies were rebuilt) are closed,
  // audited; returns their ids.
  std::vector<std::int64_t> close_fixed(const engine::ReloadReport& report, std::int64_t version,
                                        const control::Actor& actor);
  // The bundle's profile with the daemon's environment and flags; `env_overrides`, when
  // given, receives one line per hot key the environment overrides (same scratch copy).
  Result<config::Config> load_profile(const bundle::Bundle& bundle, std::vector<bundle::ValidationError>& errors,
                                      std::vector<std::string>* env_overrides = nullptr) const;
  // The engine's latest books, for the validation dry run (null before the engine runs).
  std::shared_ptr<const scripting::RecordedMarket> recorded_market() const;
  // Shadow validation of `candidate` against `running` over the engine's market tape
  // (shadow_step.cpp); an empty report when the engine has no tape yet.
  shadow::ShadowReport run_shadow(const bundle::Bundle& candidate, const bundle::Bundle& running,
                                  config::Profile profile) const;
  void raise_apply_failed(const std::string& summary, const control::Actor& actor);
  void audit(const control::Actor& actor, const std::string& action, nlohmann::json details);
  void worker_loop();

  // The answer to a call made after close().
  static ConfigAnswer stopping();

  store::Database database_;
  const Clock& clock_;
  std::atomic<engine::EngineHandle*> engine_{nullptr};  // set by started(); read by validate() without the mutex
  control::ControlPlane* control_;
  Logger log_;
  ConfigServiceOptions options_;
  bundle::BundleStore versions_;
  bundle::ActivationStore activations_;

  // op_mutex_: one apply / rollback / approved change at a time (the API's answer to a
  // second one is 409 busy; the worker waits). Only its holder changes running_*.
  // state_mutex_: short holds — running_* and every use of the database connection —
  // so reads (validate's base, GET /api/ui/config) never wait for a long operation.
  std::mutex op_mutex_;
  std::mutex state_mutex_;
  bundle::Bundle running_bundle_;
  config::Config running_config_;
  std::int64_t running_version_ = 0;
  std::string disk_hash_;
  bundle::Bundle disk_bundle_;     // what scripting.bundle_dir held at start
  config::Config disk_config_;     // the configuration the daemon loaded at start
  std::string profile_file_;  // "configs/<profile>.yaml"

  CallGate calls_;  // every API call enters it; close() closes it

  std::shared_ptr<std::atomic<ConfigService*>> approval_hook_;  // what the control plane's hook calls
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<control::ApprovalRequest> approved_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace propbot::config_service
