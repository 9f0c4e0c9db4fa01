// StrategyRunner: one Lua strategy in its own LuaSandbox, driven by the engine (S-7.2).
// It loads the strategy module (a table with `name`, `params` declarations and
// callbacks), merges configured params over declared defaults, builds the `ctx` table
// once, and calls the module's callbacks, collecting what the script passes to
// `ctx:propose{…}` as Intents. Every callback runs under the sandbox guarantees: CPU
// budget per call, memory limit, a failure or overrun is a counted fault with
// file:line. Two rules freeze the strategy (it is no longer called until a new version
// is loaded): `max_consecutive_faults` faults in a row (whatever callback they come
// from), and more than FaultRate::max_faults faults within FaultRate::window — a
// strategy that fails on some events only, with good calls in between, is stopped too.
//
// Watching a strategy (the API's /api/ui/strategies/{name}): stats() counts calls,
// faults and proposals and keeps the first and last fault; timings() holds the
// duration of every on_book / on_timer / on_fill call; recent_faults() and
// recent_log() keep the newest kKeptFaults faults and kKeptLogLines log lines (ctx:log
// and the runner's own notices). The LogSink (the daemon's log) is rate-limited: at
// most one fault line and kLogBurst ctx:log lines per StrategyEnv::log_interval, the
// next line that passes says how many were suppressed; a freeze is always logged.
//
// Callbacks (all optional except on_book; a missing one costs nothing):
//   migrate(old_state) → new state table  on load with a previous version's state
//   on_start(ctx)                         once, at the end of load()
//   on_book(ctx, ev)                      ev = {venue, symbol}
//   on_fill(ctx, fill)                    fill = {venue, symbol, side ("buy"|"sell"),
//                                         price, qty, fee, maker (bool), client_order_id}
//   on_timer(ctx, name, now_ms)           a timer set with ctx:set_timer fired
//   on_stop(ctx) → state table | nil      from stop(); nil means ctx.state
// `ev` and `fill`, and every table a ctx function marked "reused" returns, are created
// once and refilled in place per call (raw sets: a metatable the script put on them is
// bypassed, never run): a reused table, copy a field to keep it. Two calls for the same
// key return the same table, so `local a = ctx:book(v, s); local b = ctx:book(v, s)`
// are one table; different keys are different tables. This keeps the hot path free of
// per-call garbage (the tables live as long as the runner; the caches only grow with
// the books, feeds and venues that exist). load() = compile → params → migrate →
// on_start; a failure anywhere is a load error, so a hot reload keeps the old version.
// ctx:propose is only available in on_book, on_fill and on_timer.
//
// ctx API (Lua): ctx.params, ctx.state (a per-strategy table that persists across
// calls and, through on_stop/migrate, across versions),
// ctx:venues() → {venue id, …} (reused: one table, refilled),
// ctx:book(venue, symbol) → {bid, ask, bid_qty, ask_qty, mid, spread_bps, age_ms} | nil
//   (reused: one table per (venue, symbol)),
// ctx:fill_price(venue, symbol, "buy"|"sell", notional_usdt) → avg price | nil,
// ctx:position(venue, symbol) → signed base qty (0 without a PositionView),
// ctx:fees(venue) → {maker_bps, taker_bps} (reused per known venue),
// ctx:funding(venue, symbol) → {rate, mark_price, index_price, next_funding_ms} | nil
//   (reused per (venue, symbol)),
// ctx:regime(symbol) → {regime = "range"|"trend"|"volatile"|"liquidity_shock"|…,
//   confidence = 0..1} | nil (reused per symbol; nil when the MarketView knows none),
// ctx:budget() → {max_position_notional_usdt, max_total_notional_usdt,
//   open_notional_usdt, remaining_usdt, limited} (reused): the caps as configured (0 =
//   no cap), `limited` = max_total_notional_usdt > 0, remaining_usdt =
//   max(0, max_total − open) when limited, else math.huge (so math.min(want,
//   b.remaining_usdt) needs no special case). The C++ caps apply whatever it says.
// ctx:set_timer(name, ms, repeat?) (replaces a timer of that name),
// ctx:cancel_timer(name) → bool, ctx:now_ms(), ctx:log(message) (kept in recent_log(),
//   written to the daemon's log rate-limited),
// ctx:propose{…} (see core/common/intent.hpp), one of two kinds:
//   kind = "hedged_pair" (the default): {symbol, long_venue, short_venue (≠ long_venue),
//     notional_usdt > 0, spread_bps?, net_spread_bps? (finite, may be negative),
//     long_price? > 0, short_price? > 0, max_slippage_bps?, time_guard_ms?,
//     reduce_only? (bool), reason?}
//   kind = "single": {symbol, venue, side = "buy"|"sell", notional_usdt > 0,
//     price > 0 (the limit), post_only? (bool), max_slippage_bps?, time_guard_ms?,
//     reduce_only? (bool), reason?}
//   reduce_only = true asks for a close (intent.hpp: a pair closes an open pair, the
//   legs never flip a position, notional_usdt is an upper bound);
//   max_slippage_bps in [0, 10000], time_guard_ms in (0, 86400000]; notional_usdt and
//   the prices become exact Decimals, so they must lie in [1e-18, 1e18]. A missing or
//   malformed field, a non-finite number, or a field of the other kind is a script
//   error naming the field and what it must be, e.g.
//   `ctx:propose: field 'side' must be "buy" or "sell", got "long"`. So is a venue the
//   profile does not have (venue, long_venue, short_venue: not in the MarketView's
//   venue_ids()) or a symbol outside StrategyEnv::symbols (when that is not empty):
//   `ctx:propose: field 'long_venue' names venue "BINANACE", which this profile does
//   not have (venues: SIM-A, SIM-B)`.
//
// State across versions: state_snapshot() reads ctx.state as JSON without running any
// callback (plain data only: tables with string keys or 1..n sequences, strings,
// finite numbers, booleans; cycles, functions, userdata and anything past StateLimits
// are a clear error, never a crash). load(..., previous_state) hands it to the new
// version's migrate(); without a migrate() the previous state is dropped (logged) and
// ctx.state starts empty. A hot reload (core/engine/strategy_set.hpp) snapshots the
// running version's state, builds the new version with it, and only then calls the old
// version's stop(): on_stop runs last, and what it returns (the same JSON form) is
// logged, not migrated — the new version already runs.
//
// Timers are kept by the runner; the owner calls fire_due_timers(now) (the engine does
// every 10 ms, so that is the effective resolution).
//
// Where it lives: strategy_runner.cpp (load, callbacks, timers, stop, fault
// accounting), strategy_ctx.cpp (the ctx functions), with proposal_reader.hpp
// (ctx:propose → the core Intent), strategy_params.hpp (param declarations) and lua_json.hpp
// (ctx.state ⇄ JSON, StateLimits).
//
// Thread: engine thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/intent.hpp"
#include "core/common/latency_histogram.hpp"
#include "core/common/result.hpp"
#include "scripting/lua_json.hpp"  // StateLimits
#include "scripting/lua_sandbox.hpp"
#include "scripting/market_view.hpp"
#include "scripting/strategy_params.hpp"  // ParamsOrigin

namespace propbot::scripting {

// `source` comes last: the first four fields keep their positions, so a brace
// initialiser {name, path, display_name, params} still means what it says.
struct StrategySpec {
  std::string name;          // as configured; must match the module's `name`
  std::string path;          // file to read (when `source` is not set)
  std::string display_name;  // how errors name the file, e.g. "strategies/x.lua"
  nlohmann::json params = nlohmann::json::object();
  std::optional<std::string> source;  // the script text itself (hot reload: the bundle in memory)
  // Where the profile wrote `params` (file and line of each): a configured value the
  // declaration refuses is then reported there, not at the script (strategy_params.hpp).
  std::optional<ParamsOrigin> params_origin = std::nullopt;
};

struct BookEvent {
  std::string venue;
  std::string symbol;
};

struct FillEvent {
  std::string venue;
  std::string symbol;
  std::string side;  // "buy" | "sell"
  double price = 0;
  double qty = 0;
  double fee = 0;  // in quote currency
  bool maker = false;
  std::string client_order_id;
};

struct FeeSchedule {
  double maker_bps = 2.0;
  double taker_bps = 5.0;
};

// The risk budget as the strategy sees it (ctx:budget). Caps of 0 mean "no cap" (paper
// and testnet may run without one). Plain numbers, updated by the owner with
// StrategyRunner::set_budget as positions open and close.
struct BudgetView {
  double max_position_notional_usdt = 0;  // one position
  double max_total_notional_usdt = 0;     // all open legs together
  double open_notional_usdt = 0;          // what is open now
};

// The fault-rate rule: more than `max_faults` faults within `window` (on the runner's
// clock) freeze the strategy. max_faults 0 turns the rule off (the streak rule stays).
struct FaultRate {
  int max_faults = 20;
  Nanos window = std::chrono::seconds(60);
};

// What the runner is given besides the market (all optional).
struct StrategyEnv {
  const PositionView* positions = nullptr;                   // null: every position is 0
  std::map<std::string, FeeSchedule, std::less<>> fees;      // per venue id
  FeeSchedule default_fees;                                  // venues not in `fees`
  StateLimits state_limits;
  std::size_t max_timers = 64;                               // per strategy
  BudgetView budget;                                         // initial; see set_budget
  FaultRate fault_rate;
  Nanos log_interval = std::chrono::seconds(10);             // the LogSink's rate limit period; 0 = no limit (tests)
  // The profile's symbols (config.symbols): ctx:propose refuses any other. Empty: any symbol.
  std::vector<std::string> symbols = {};
};

// The newest faults and log lines a runner keeps for operators (a fixed bound each: a
// runner's memory does not grow with its age).
inline constexpr std::size_t kKeptFaults = 20;
inline constexpr std::size_t kKeptLogLines = 50;
// ctx:log lines that reach the daemon's log per StrategyEnv::log_interval.
inline constexpr int kLogBurst = 10;
// The longest message kept in a fault or log record (longer ones are cut, marked "…").
inline constexpr std::size_t kMaxRecordedMessage = 2000;

struct FaultRecord {
  std::int64_t ts_ms = 0;    // UTC, from the runner's clock
  std::string callback;      // "on_book", "on_timer", …
  std::string at;            // "strategies/x.lua:12", or "?" when unknown
  std::string message;       // without the location in front
  bool budget_exceeded = false;
};

enum class LogLevel { info, warn, error };
constexpr std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

struct LogRecord {
  std::int64_t ts_ms = 0;
  LogLevel level = LogLevel::info;
  std::string message;
};

// How long each kind of call took (wall time of the Lua call, in nanoseconds).
struct StrategyTimings {
  LatencyHistogram on_book;
  LatencyHistogram on_timer;
  LatencyHistogram on_fill;
};

struct StrategyStats {
  std::uint64_t calls = 0;
  std::uint64_t faults = 0;
  std::uint64_t consecutive_faults = 0;
  std::uint64_t intents = 0;
  bool frozen = false;
  std::string freeze_reason;  // names the rule and the last fault, its location once
  std::optional<ScriptFault> first_fault;
  std::string first_fault_callback;
  std::optional<ScriptFault> last_fault;
  std::uint64_t suppressed_log_lines = 0;  // lines the LogSink's rate limit held back
};

class StrategyRunner {
 public:
  using LogSink = std::function<void(const std::string& strategy, const std::string& message)>;

  // Load errors (unreadable file, syntax error, a module that is not a table, missing
  // on_book, name mismatch, bad param, a failing migrate/on_start, a previous_state
  // that cannot become a Lua table) come back as Errc::script_error with file:line.
  static Result<std::unique_ptr<StrategyRunner>> load(const StrategySpec& spec, SandboxLimits limits,
                                                      const Clock& clock, const MarketView& market,
                                                      int max_consecutive_faults, LogSink log = {},
                                                      StrategyEnv env = {},
                                                      std::optional<nlohmann::json> previous_state = std::nullopt);
  ~StrategyRunner();
  StrategyRunner(const StrategyRunner&) = delete;
  StrategyRunner& operator=(const StrategyRunner&) = delete;

  const std::string& name() const { return name_; }
  const nlohmann::json& params() const { return params_; }
  // Each declared param: {type, default?, min?, max?, doc?, value} (for the API / UI).
  const nlohmann::json& param_specs() const { return param_specs_; }
  const StrategyStats& stats() const { return stats_; }
  const StrategyTimings& timings() const { return *timings_; }
  const std::deque<FaultRecord>& recent_faults() const { return recent_faults_; }
  const std::deque<LogRecord>& recent_log() const { return recent_log_; }
  // Bytes the strategy's Lua state holds now (garbage not yet collected included).
  std::size_t memory_used() const { return sandbox_.memory_used(); }
  // What ctx:budget() reports from the next call on (engine thread, between calls).
  void set_budget(const BudgetView& budget) { env_.budget = budget; }
  // What ctx:position reads from now on (null: every position is 0); must outlive the runner's use.
  void set_positions(const PositionView* positions) { env_.positions = positions; }

  // Appends the intents proposed during this call to `out`. A faulting call proposes
  // nothing (intents from a failed call are discarded: half a decision is no decision).
  void on_book(const BookEvent& event, std::vector<Intent>& out);
  void on_fill(const FillEvent& fill, std::vector<Intent>& out);
  // Calls on_timer for every timer due at `now` (earliest first; each at most once per
  // call; a repeating timer that fell behind skips the missed periods). Returns how
  // many fired.
  std::size_t fire_due_timers(MonoTime now, std::vector<Intent>& out);
  std::optional<MonoTime> next_timer_deadline() const;
  std::size_t timer_count() const { return timers_.size(); }

  // Ends the strategy: runs on_stop (unless frozen) and returns the state to hand to
  // the next version's migrate(). Afterwards no callback runs and timers are gone.
  // Errors: on_stop failed (a counted fault), or the state is not plain data / too big.
  Result<nlohmann::json> stop();
  bool stopped() const { return stopped_; }

  // ctx.state as JSON, as it is now, without running any callback and without ending
  // the strategy (hot reload: the next version's migrate() gets this, and the old
  // version keeps running untouched if the swap is refused). Same plain-data rules and
  // limits as stop(); a state that cannot be saved is an error, not a crash.
  Result<nlohmann::json> state_snapshot();

 private:
  struct Timer {
    MonoTime deadline{};
    Nanos period{};
    bool repeat = false;
    std::uint64_t generation = 0;
  };
  struct DueTimer {
    MonoTime deadline{};
    std::string name;
    std::uint64_t generation = 0;
  };

  static constexpr int kNoRef = -1;  // a registry ref not taken (an absent callback)

  StrategyRunner(std::string name, SandboxLimits limits, const Clock& clock, const MarketView& market,
                 int max_consecutive_faults, LogSink log, StrategyEnv env);
  Result<void> init(const StrategySpec& spec, std::optional<nlohmann::json> previous_state);
  // Builds the ctx table (params = the table at `params_table`, the methods, an empty
  // state) and the caches of the reused result tables (strategy_ctx.cpp).
  void build_ctx(int params_table);
  Result<void> migrate_state(const nlohmann::json& previous, const std::string& where);
  // Runs the function + `nargs` arguments on the stack; `out` null = ctx:propose refused.
  bool run_callback(const char* callback, int nargs, std::vector<Intent>* out);
  void record_fault(const char* callback, ScriptFault fault);
  void freeze(std::string reason);
  // A line for recent_log() and, within the rate limit, the LogSink.
  void note(LogLevel level, std::string message, bool is_fault);
  LatencyHistogram* timing_of(const char* callback);
  // ctx.state (read raw: a script metatable never runs here) as JSON.
  Result<nlohmann::json> ctx_state_json();

  // Lua C functions reach the runner through an upvalue.
  static int lua_venues(struct lua_State* L);
  static int lua_book(struct lua_State* L);
  static int lua_fill_price(struct lua_State* L);
  static int lua_now_ms(struct lua_State* L);
  static int lua_log(struct lua_State* L);
  static int lua_propose(struct lua_State* L);
  static int lua_position(struct lua_State* L);
  static int lua_fees(struct lua_State* L);
  static int lua_funding(struct lua_State* L);
  static int lua_set_timer(struct lua_State* L);
  static int lua_cancel_timer(struct lua_State* L);
  static int lua_regime(struct lua_State* L);
  static int lua_budget(struct lua_State* L);

  std::string name_;
  const Clock& clock_;
  const MarketView& market_;
  int max_consecutive_faults_;
  LogSink log_;
  StrategyEnv env_;
  LuaSandbox sandbox_;
  nlohmann::json params_;
  nlohmann::json param_specs_;
  int module_ref_ = kNoRef;
  int ctx_ref_ = kNoRef;
  int on_book_ref_ = kNoRef;
  int on_fill_ref_ = kNoRef;
  int on_timer_ref_ = kNoRef;
  int on_stop_ref_ = kNoRef;
  int event_ref_ = kNoRef;
  int fill_ref_ = kNoRef;
  int venues_ref_ = kNoRef;   // reused result tables and their caches (see the top comment)
  int books_ref_ = kNoRef;    // venue → symbol → book table
  int funding_ref_ = kNoRef;  // venue → symbol → funding table
  int fees_ref_ = kNoRef;     // venue → fees table
  int regimes_ref_ = kNoRef;  // symbol → regime table
  int budget_ref_ = kNoRef;
  std::vector<Intent>* pending_ = nullptr;
  std::vector<Intent> proposed_;  // reused per call
  std::map<std::string, Timer, std::less<>> timers_;
  std::vector<DueTimer> due_;     // reused by fire_due_timers
  std::uint64_t timer_generation_ = 0;
  bool stopped_ = false;
  StrategyStats stats_;
  std::unique_ptr<StrategyTimings> timings_ = std::make_unique<StrategyTimings>();  // ~110 KB: on the heap
  std::deque<MonoTime> fault_times_;  // within the fault-rate window; at most max_faults + 1
  std::deque<FaultRecord> recent_faults_;
  std::deque<LogRecord> recent_log_;
  // The LogSink's rate limit: the current period's start and what it let through.
  MonoTime log_period_start_{};
  int log_lines_in_period_ = 0;
  bool fault_logged_in_period_ = false;
  std::uint64_t suppressed_since_logged_ = 0;
};

}  // namespace propbot::scripting
