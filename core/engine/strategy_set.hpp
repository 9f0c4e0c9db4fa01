// StrategySet: the engine's running strategies, and the two-phase swap that replaces
// them on a hot reload (SPEC S-7.5; STYLE.md "build → verify → swap → free").
//
// prepare() builds, in fresh sandboxes, every strategy the new configuration enables
// whose fingerprint (script text, params, sandbox limits) differs from the running
// one: the new version gets the old version's ctx.state through migrate(), then runs
// on_start. It changes nothing that runs: the old versions keep their state and keep
// being called if the plan is dropped. commit() swaps a complete plan in — unchanged
// strategies are carried over as they are (same state, same counters, even frozen) —
// and only then stops the versions that left (on_stop runs; its result is logged).
//
// Guarantees: a plan with any error cannot be committed; commit() cannot fail; the
// order of strategies is the configuration's order.
//
// Thread: the engine thread (it runs Lua and reads the market).
// Uses: scripting (StrategyRunner), core/bundle (Bundle), core/config.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bundle/bundle.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/config/config.hpp"
#include "scripting/script_watchdog.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot::engine {

struct StrategyLoadError {
  std::string file;  // bundle path
  std::string message;
};

class StrategySet {
 public:
  struct Slot {
    std::unique_ptr<scripting::StrategyRunner> runner;
    std::string file;         // bundle path, e.g. "strategies/cross_exchange_arb.lua"
    std::string fingerprint;  // sha256 of the script text + params + limits
    std::int64_t version = 0; // the bundle version it was loaded from
  };
  struct Plan {
    std::vector<Slot> slots;              // in configuration order; `runner` null = carry over
    std::vector<std::size_t> carry_from;  // for each slot: index of the running slot, or npos
    std::vector<std::string> started, replaced, stopped, kept;
    std::vector<std::string> reset;  // rebuilt with an empty state (asked for)
    std::vector<std::string> replaced_frozen;  // replaced or stopped while frozen
    std::vector<StrategyLoadError> errors;
    bool ok() const { return errors.empty(); }
  };

  // `watchdog` bounds the time of every strategy call (SandboxLimits::watchdog); null:
  // each sandbox starts its own.
  StrategySet(const Clock& clock, const scripting::MarketView& market, Logger log,
              std::shared_ptr<scripting::ScriptWatchdog> watchdog = nullptr);

  // `bundle` null: scripts are read from config.scripting.bundle_dir (start-up of
  // tools and tests that do not version a bundle).
  // `reset_state`: names rebuilt with an empty ctx.state (no migrate), even when
  // unchanged; a running version's state that cannot be handed over is an error that
  // names this option.
  Plan prepare(const config::Config& config, const bundle::Bundle* bundle, std::int64_t version,
               const scripting::StrategyEnv& env, const std::vector<std::string>& reset_state = {});
  void commit(Plan plan);
  // Stops every strategy (daemon shutdown).
  void stop_all();

  std::vector<Slot>& slots() { return slots_; }
  const std::vector<Slot>& slots() const { return slots_; }

 private:
  const Clock& clock_;
  const scripting::MarketView& market_;
  Logger log_;
  std::shared_ptr<scripting::ScriptWatchdog> watchdog_;
  std::vector<Slot> slots_;
};

}  // namespace propbot::engine
