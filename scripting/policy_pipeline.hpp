// PolicyPipeline: hosts the regime → policy → sizing scripts and the circuit-breaker
// rules (SPEC S-7.3, S-7.4; policies/README.md) in ONE LuaSandbox, with the same
// limits as the strategies (allowlisted globals, text chunks only, CPU budget per call,
// memory limit).
// - Plain C++ structs in and out (regime_types.hpp); nothing Lua escapes this unit.
// - Every script output is validated (known regime name, finite numbers, confidence in
//   [0, 1], non-negative sizes and thresholds, booleans present and consistent). An
//   invalid output is a fault like a Lua error: counted, located (the script's
//   file:line from the error, or the returning function's definition for a bad value),
//   and replaced by the safe fallback: regime "volatile" with confidence 0, the
//   configured most conservative policy row, size 0. A breaker fault yields a
//   synthetic `policy_script_fault` verdict; a malformed verdict is kept, read as
//   `hold` / P1, so no breaker verdict is lost.
// - Sizes are clamped to PolicyCaps whatever the script says (max notional per
//   position and in total, given what is already open) by the desk's one clamp
//   (core/risk/notional_caps.hpp); every clamp is counted.
// - Nothing throws out of the hot-path calls. `max_consecutive_faults` faults in a row
//   put the pipeline in the `degraded` state: the scripts are no longer called and
//   every call returns the fallbacks (breakers: one `policy_pipeline_degraded`
//   verdict) until reset() or a reload.
// - Hot path: the argument tables (features, intent, regime, caps, metrics) are
//   created once at load and their fields set in place per call; the host allocates
//   nothing per call unless a breaker fires (its verdict strings). Outside lua_pcall
//   the host touches script-visible tables with raw access and pre-anchored key
//   strings only: a script's metamethods never run unprotected (that would be a
//   LuaJIT panic, i.e. an abort).
//
// Thread: one thread at a time (the engine thread).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "scripting/lua_sandbox.hpp"
#include "scripting/regime_types.hpp"
#include "scripting/script_fault.hpp"

namespace propbot::scripting {

struct PolicyCaps {
  double max_position_notional_usdt = 0;
  double max_total_notional_usdt = 0;
};

struct PolicyPipelineSpec {
  // Directory holding regime.lua, policy_matrix.lua, sizing.lua, circuit_breakers.lua.
  std::string directory;
  // The scripts' text by file name ("regime.lua" → source). When a file is named here
  // it is not read from `directory` (hot reload loads the bundle held in memory).
  std::map<std::string, std::string, std::less<>> sources;
  // How errors name the files: display_prefix + "regime.lua", e.g. "policies/regime.lua".
  std::string display_prefix = "policies/";
  PolicyCaps caps;
  int max_consecutive_faults = 3;
  // Returned whenever policy_matrix.lua faults or the pipeline is degraded.
  PolicyRow most_conservative{.min_edge_bps = 100,
                              .max_impact_bps = 0,
                              .allow_taker = false,
                              .maker_only = true,
                              .time_guard_ms = 250,
                              .fallback = true};
};

struct PolicyPipelineStats {
  std::uint64_t calls = 0;            // script calls attempted (not made while degraded)
  std::uint64_t faults = 0;           // Lua errors, budget overruns and invalid outputs
  std::uint64_t invalid_outputs = 0;  // of which: the script returned but the value was wrong
  std::uint64_t consecutive_faults = 0;  // the worst script's run of faults in a row
  std::uint64_t fallbacks = 0;      // outputs replaced by a fallback (faults + degraded calls)
  std::uint64_t clamped_sizes = 0;  // sizes cut down to PolicyCaps
  std::uint64_t invalid_inputs = 0;  // calls refused because the caller passed NaN/inf
  bool degraded = false;
  std::optional<ScriptFault> last_fault;
};

// classify + policy + size for one intent.
struct PolicyDecision {
  RegimeVerdict regime;
  PolicyRow policy;
  SizingResult size;
};

class PolicyPipeline {
 public:
  // Reads and compiles the four scripts into one sandbox and checks that each module
  // exports its function. Errors (missing file, syntax error, missing function) come
  // back as Errc::not_found / Errc::script_error naming file:line.
  static Result<std::unique_ptr<PolicyPipeline>> load(const PolicyPipelineSpec& spec, SandboxLimits limits,
                                                      const Clock& clock);
  ~PolicyPipeline();
  PolicyPipeline(const PolicyPipeline&) = delete;
  PolicyPipeline& operator=(const PolicyPipeline&) = delete;

  // A non-finite feature or request field is the caller's error, not the script's: the
  // call returns the fallback without entering Lua and counts invalid_inputs.
  RegimeVerdict classify(const RegimeFeatures& features);
  PolicyRow policy(const RegimeVerdict& verdict);
  SizingResult size(const SizingRequest& request, const RegimeVerdict& verdict, const RegimeFeatures& features);
  // classify → policy → size. When the regime is a fallback (the market is unknown)
  // the size is the fallback 0 and sizing.lua is not called.
  PolicyDecision decide(const RegimeFeatures& features, const SizingRequest& request);

  // Replaces the contents of `out` with the verdicts of the rules that fire on one
  // scope's metrics (reuse the vector: it keeps its capacity). The script sees every
  // number of BreakerMetrics as m.<field> and m.scope ("global" | "route"), m.symbol,
  // m.venues as strings; every verdict, the host's own included, carries the metrics'
  // scope, symbol and venues. A non-finite metric adds a `breaker_metrics_invalid`
  // verdict (degrade, P1) — a NaN compares false and would otherwise silence its rules.
  void evaluate_breakers(const BreakerMetrics& metrics, std::vector<BreakerVerdict>& out);

  const PolicyPipelineStats& stats() const { return stats_; }
  bool degraded() const { return stats_.degraded; }
  // Leaves the degraded state (operator action); counters are kept.
  void reset();
  std::size_t memory_used() const { return sandbox_.memory_used(); }

 private:
  // Faults in a row are counted per script: a broken regime.lua must degrade the
  // pipeline even while the other three keep answering.
  enum Stage { kClassify, kPolicy, kSize, kBreakers, kStages };
  struct Site {
    std::string file;
    int line = 0;
  };
  PolicyPipeline(const PolicyPipelineSpec& spec, SandboxLimits limits, const Clock& clock);
  Result<void> init();
  Result<void> load_script(const std::string& file, const char* function, int* function_ref, Site* site);
  int new_table_ref();
  void record_fault(Stage stage, ScriptFault fault);
  void record_invalid(Stage stage, const Site& site, const std::string& why);
  void record_success(Stage stage);
  bool callable();
  void evaluate_rules(const BreakerMetrics& metrics, std::vector<BreakerVerdict>& out);

  PolicyPipelineSpec spec_;
  LuaSandbox sandbox_;
  PolicyPipelineStats stats_;
  std::uint64_t consecutive_[kStages] = {};
  int classify_ref_ = -1, policy_ref_ = -1, size_ref_ = -1, evaluate_ref_ = -1;
  Site classify_site_, policy_site_, size_site_, evaluate_site_;
  int features_ref_ = -1, intent_ref_ = -1, regime_ref_ = -1, caps_ref_ = -1, metrics_ref_ = -1;
};

}  // namespace propbot::scripting
