// PolicyStage: the engine's regime → policy → sizing step and its circuit-breaker
// evaluation (SPEC S-7.3, S-7.4), between a strategy's intent and an opportunity.
// - Market features: every book update is recorded (mid, quoted spread, top-10 depth
//   in USDT on both sides) in a FeatureTracker series per (venue, symbol); funding is
//   passed through.
// - assess(intent): features of the intent's venue(s) (a hedged pair takes the worse
//   of its two legs: the higher vol and spread std, the lower depth) → the pipeline's
//   decide() → a PolicyVerdict (core/common/policy_verdict.hpp): `ok`, `below_min_edge` (net edge under the policy's entry
//   threshold), `size_zero`, `warming_up` (no features in the window yet) or
//   `no_policies` (the bundle has no policies/: the intent's size, clamped to the caps).
//   Whatever the scripts answer, the size is clamped to the C++ caps (risk.*; a cap of
//   0 means that guard is off) through the one clamp, core/risk/notional_caps.hpp: the
//   pipeline applies it to sizing.lua's answer, this stage to the intent without one.
// - Sizing's risk level is scripting.risk_level, halved while safe_mode is on (S-1.2:
//   strategies scaled down).
// - evaluate_breakers(): the circuit-breaker rules once per scope snapshot (global and
//   one per route, built by BreakerInputs, core/engine/breaker_inputs.hpp); the
//   verdicts of all scopes are concatenated, each tagged with its scope, symbol and
//   venues. They are published; acting on them is the risk governor's job.
//
// Thread: the engine thread. assess() does not allocate once the series exist.
// Uses: the core Intent and PolicyVerdict (core/common), scripting (PolicyPipeline,
// FeatureTracker), core/md (OrderBook), core/config.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/bundle/bundle.hpp"
#include "core/common/clock.hpp"
#include "core/common/intent.hpp"
#include "core/common/policy_verdict.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/md/order_book.hpp"
#include "scripting/policy_pipeline.hpp"
#include "scripting/regime_features.hpp"
#include "scripting/script_watchdog.hpp"

namespace propbot::engine {

struct PolicyOutcome {
  PolicyVerdict verdict = PolicyVerdict::no_policies;
  std::string_view regime;  // empty without a pipeline or features
  double confidence = 0;
  double min_edge_bps = 0;
  double sized_notional_usdt = 0;
  bool clamped = false;
};

struct LoadedPipeline {
  std::unique_ptr<scripting::PolicyPipeline> pipeline;  // null: the bundle has no policies
  std::string fingerprint;                              // empty without policies
};

class PolicyStage {
 public:
  explicit PolicyStage(scripting::FeatureTrackerConfig features = {});

  // Builds the pipeline a configuration and bundle call for (bundle null: the files
  // under config.scripting.bundle_dir/policies, when that directory exists). Errors
  // name the script file:line. Does not touch the running pipeline. `watchdog` bounds
  // the time of every policy call (SandboxLimits::watchdog); null: the pipeline's
  // sandbox starts its own.
  static Result<LoadedPipeline> build(const config::Config& config, const bundle::Bundle* bundle, const Clock& clock,
                                      std::shared_ptr<scripting::ScriptWatchdog> watchdog = nullptr);
  // The fingerprint build() would give, without compiling anything.
  static std::string fingerprint(const config::Config& config, const bundle::Bundle* bundle);
  void install(LoadedPipeline loaded);
  const std::string& fingerprint() const { return loaded_.fingerprint; }
  bool has_pipeline() const { return loaded_.pipeline != nullptr; }
  const scripting::PolicyPipeline* pipeline() const { return loaded_.pipeline.get(); }

  void on_book(const md::OrderBook& book, MonoTime now);
  void on_funding(std::string_view venue, std::string_view symbol, double funding_rate);

  PolicyOutcome assess(const Intent& intent, const config::Config& config, bool safe_mode, MonoTime now);
  // Regime of a symbol over all its venues (the worst leg), for ctx:regime and the API.
  std::optional<scripting::RegimeVerdict> regime(std::string_view symbol, MonoTime now);

  // The features of one (venue, symbol) series over the window ending `now`; false when
  // the series is unknown or has no observation in the window. Never allocates.
  bool features_of(std::string_view venue, std::string_view symbol, MonoTime now, scripting::RegimeFeatures& out);

  // The rules on each snapshot in turn; breaker_verdicts() then holds every verdict, in
  // the snapshots' order. A degraded pipeline answers once (its one
  // `policy_pipeline_degraded` verdict, on the first snapshot), not once per scope.
  // Allocates only for verdicts that fire.
  void evaluate_breakers(const std::vector<scripting::BreakerMetrics>& snapshots);
  const std::vector<scripting::BreakerVerdict>& breaker_verdicts() const { return verdicts_; }

 private:
  struct SeriesKey {
    std::string venue;
    std::string symbol;
    scripting::FeatureTracker::SeriesId id;
  };
  const SeriesKey* find(std::string_view venue, std::string_view symbol) const;

  scripting::FeatureTracker tracker_;
  std::vector<SeriesKey> series_;
  LoadedPipeline loaded_;
  std::vector<scripting::BreakerVerdict> verdicts_;
  std::vector<scripting::BreakerVerdict> scope_verdicts_;  // one scope's, reused
};

}  // namespace propbot::engine
