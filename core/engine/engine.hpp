// Engine: the one decision path. Venue book update → the engine's copy of the book →
// market features → every strategy's on_book → intents → regime → policy → sizing
// (clamped to the C++ caps) → opportunities and the IntentSink, gated by the control
// mode (HOLD at start, always). Every `engine.snapshot_interval_ms` it evaluates the
// circuit-breaker rules, raises the P1s of frozen strategies and a degraded policy
// pipeline, and publishes an immutable EngineSnapshot; the snapshot's build time is
// the loop's heartbeat.
//
// The Engine is a loop object, handed its seams: the Clock (RealClock live and paper,
// SimClock in replay and tests), the venues (any `venues::Venue`: adapters, the paper
// broker, scripted venues), the snapshot slot and the sinks. It owns no thread, no
// io_context and no clock and builds no venue: whoever drives it (core/app's
// EngineThread live; a test or a replay calling SimClock::advance) decides when its
// events and timers run. Everything below runs on that one driving thread.
//
// Hot reload (SPEC S-7.5): reload() takes a new configuration and the script texts of
// a bundle, between two events (so no event is dropped or seen twice). It builds every
// changed strategy in a fresh sandbox — migrate(old ctx.state) then on_start — and the
// policy pipeline when its scripts changed; only when everything built does it swap
// them in and stop the old versions (build → verify → swap → free). Any failure leaves
// the running version untouched. Only the hot part of the configuration changes
// (hot_config.hpp, the one merge).
//
// Thread: the driving thread for every call; snapshots are read through the
// SnapshotSlot from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/bundle/bundle.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/engine/control_port.hpp"
#include "core/engine/intent_sink.hpp"
#include "core/engine/market_history_sink.hpp"
#include "core/engine/snapshot.hpp"
#include "core/exec/execution_ports.hpp"
#include "core/exec/executor_options.hpp"
#include "core/exec/journal.hpp"
#include "core/venues/venue.hpp"

namespace propbot::scripting {
class ScriptWatchdog;
}

namespace propbot::ledger {
class LedgerEntries;
}

namespace propbot::engine {

// What the engine runs: a configuration and the bundle whose scripts it names.
struct EngineBundle {
  config::Config config;
  bundle::Bundle bundle;      // strategies/*.lua and policies/*.lua are taken from here
  std::int64_t version = 0;   // the config bundle version (0: not versioned, e.g. tests)
  // Strategies rebuilt with an empty ctx.state (no migrate), even when unchanged: the
  // operator's way out when a running version's state cannot be handed over.
  std::vector<std::string> reset_state;
};

struct ReloadError {
  std::string file;  // bundle path, e.g. "strategies/x.lua"
  int line = 0;      // 0 when unknown
  std::string message;
};

struct ReloadReport {
  bool applied = false;
  std::vector<ReloadError> errors;  // why not
  std::vector<std::string> started, replaced, stopped, kept;  // strategy names
  std::vector<std::string> reset;  // rebuilt with an empty state (EngineBundle::reset_state)
  std::vector<std::string> replaced_frozen;  // replaced or stopped while frozen by their faults
  bool policies_reloaded = false;
  bool timed_out = false;  // the engine thread did not take the work in time (nothing changed)
  Nanos engine_time{};  // time the engine thread spent building and swapping
};

// What the engine trades through: with a journal, the engine runs an Executor
// (core/exec/executor.hpp) on its own clock, venues and thread — live, in tests and in
// replays alike. Ready intents (RESUME, not safe mode, the policy allows) are submitted
// to it; the venues' private streams feed it; start() runs its start-up reconciliation.
struct EngineExecution {
  exec::Journal* journal = nullptr;            // null: the engine only proposes (tools, tests)
  exec::ExecutorOptions options;
  exec::ExecutionListener* listener = nullptr;  // the ledger; may be null
  // Dry run: the paper twin of each venue (simulated trades go there). The engine feeds
  // them every book it receives (after the strategies saw it) while dry run is on or a
  // paper order rests (TwinVenues::working), starts them with start()
  // — their order updates and fills reach the executor like the venues', their
  // positions and balances reach nobody — and stops them with stop(). May be null: then
  // a trade submitted in dry run is refused.
  exec::TwinVenues* twins = nullptr;
  // The ledger's cash entries (opening balances, funding payments): the daemon passes
  // the journal database's (core/ledger/sqlite_ledger_entries.hpp); null: kept in memory.
  ledger::LedgerEntries* ledger_entries = nullptr;
};

// The largest ctx.state (as JSON text) the strategy view serves.
inline constexpr std::size_t kMaxCtxStateBytes = 64 * 1024;

// Where the engine's results and safety events go. Every member may be null.
struct EngineSinks {
  // The mode source and the safety sink: a strategy frozen by its faults and a degraded
  // policy pipeline are each a P1 `strategy_degraded` through its safety_action (once
  // per frozen version). Without it the engine stays in HOLD (tests, tools).
  ControlPort* control = nullptr;
  // Every assessed intent, in the order the strategies proposed them.
  IntentSink* intents = nullptr;
  // The venues' private streams (orders, fills, positions, balances). The engine starts
  // every venue's private stream even without a listener here, so the adapters keep
  // their connection and recovery state current; the executor and ledger plug in here.
  venues::PrivateListener* account = nullptr;
  // Bounds the CPU time of every strategy and policy call; null: the engine starts one.
  std::shared_ptr<scripting::ScriptWatchdog> watchdog;
  EngineExecution execution;
  // A MarketSample every market_history.interval_s (SPEC S-9.6; market_sampler.hpp);
  // null: none is built.
  MarketHistorySink* market_history = nullptr;
};

// What an operator may ask of the risk governor (Engine::risk_action).
enum class RiskAction { reset_budget, unfreeze_strategy, raise_limit };

class Engine {
 public:
  // `clock` and every venue must outlive the engine; `snapshots` receives what it publishes.
  Engine(config::Config config, Clock& clock, std::vector<venues::Venue*> venues, SnapshotSlot& snapshots,
         EngineSinks sinks, Logger log);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads every enabled strategy and the policy pipeline; a load error names the file
  // and line, and nothing is installed. Scripts come from `initial` when given (the
  // daemon passes the bundle it read and versioned), else from the files under
  // scripting.bundle_dir. Call once, before start().
  Status load(const bundle::Bundle* initial = nullptr, std::int64_t version = 0);
  // Starts the venues (market data and private stream), publishes the first snapshot
  // and arms the snapshot and strategy timers on the clock.
  void start();
  // Stops the venues, the strategies and the timers. Idempotent.
  void stop();
  // A clean shutdown's first step: the executor disarms the venues' dead-man switches
  // (the desk leaves on purpose); `done` runs once on the driving thread when the venues
  // answered (at once without an executor). Call stop() after it.
  void disarm_dead_man(std::function<void()> done);

  // Swaps `next` in (see the header comment); never throws.
  ReloadReport reload(const EngineBundle& next);

  // The kill path (SPEC S-8.5): closes the executor's intake, cancels every order and
  // flattens every position on every venue, then audits what the venues report
  // (`hedge_flatten_result`); anything left is an error log and a P0 recon_mismatch.
  // Without an executor it only logs. Driving thread.
  void flatten(const std::string& reason);

  // A manual hedged pair (POST /api/arb/preview | execute), on the driving thread,
  // through every gate a strategy's intent passes: prices walked from the current books
  // for the notional when absent, the control gate, the policy's sizing (its min edge is
  // the operator's call), the runaway breaker and every executor check. `execute` false only previews. Errors carry the refusal:
  // conflict (gate, policy, executor checks), unavailable (no executor), and the
  // runaway breaker's as Errc::budget_exceeded (HTTP 423).
  // `operator_name` (who asked, as the API knows them) goes into the audit record.
  Result<nlohmann::json> manual_trade(Intent intent, bool execute, const std::string& operator_name = {});

  // Operator: clears the standing runaway-breaker trips, every one or one strategy's
  // (POST /api/admin/runaway_breaker/reset), audited `runaway_breaker_reset`. Answers
  // {"cleared": [trip], "tripped": [trip]}. Errors: unavailable (no executor), conflict
  // (nothing was tripped there).
  Result<nlohmann::json> reset_breaker(const std::optional<std::string>& strategy, const std::string& operator_name);

  // Operator: the risk governor's actions (issue 13), audited here with who acted:
  // reset_budget {"strategy": name|"all"} (audit BUDGET_RESET), unfreeze_strategy
  // {"strategy": name|"all"} (a confirmed two-man approval; audit STRATEGY_UNFROZEN),
  // raise_limit {"limit": cap name or config key, "value": number or decimal text}
  // (a confirmed two-man approval; audit RISK_LIMIT_RAISED). Errors: invalid_argument
  // (a bad payload), not_found (an unknown strategy).
  Result<nlohmann::json> risk_action(RiskAction action, const nlohmann::json& payload, const std::string& operator_name);

  // One strategy as an operator watches it (GET /api/ui/strategies/{name}): {name,
  // version, file, state: running|frozen|stopped, params, ctx_state (its JSON, null with
  // ctx_state_error when it cannot be read or is larger than kMaxCtxStateBytes), timings
  // {on_book_p50_us, on_book_p99_us, calls, on_timer_*, on_fill_*}, counters, freeze
  // reason, first fault, faults [{ts, callback, at, message, budget_exceeded}], log [{ts,
  // level, message}]}. A configured but disabled strategy is `stopped`. Errors:
  // not_found (no such strategy in the configuration). Driving thread.
  Result<nlohmann::json> strategy_detail(const std::string& name);

  std::shared_ptr<const EngineSnapshot> snapshot() const;

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace propbot::engine
