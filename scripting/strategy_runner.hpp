// StrategyRunner: one Lua strategy in its own LuaSandbox, driven by the engine.
// It loads the strategy module (a table with `name`, `params` declarations and
// callbacks), merges configured params over declared defaults, builds the `ctx` object
// once, and calls `on_book(ctx, ev)` per book event, collecting what the script passes
// to `ctx:propose{…}` as Intents. A failing or overrunning callback is a counted fault
// with file:line; `max_consecutive_errors` faults in a row freeze the strategy (it is
// no longer called) until it is reloaded.
//
// ctx API (Lua): ctx.params, ctx:venues(), ctx:book(venue, symbol) →
// {bid, ask, bid_qty, ask_qty, mid, spread_bps, age_ms} | nil,
// ctx:fill_price(venue, symbol, "buy"|"sell", notional_usdt) → avg price | nil,
// ctx:now_ms(), ctx:log(message), ctx:propose{symbol, long_venue, short_venue,
// notional_usdt, spread_bps?, net_spread_bps?, long_price?, short_price?, reason?}.
//
// Thread: engine thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "scripting/intent.hpp"
#include "scripting/lua_sandbox.hpp"
#include "scripting/market_view.hpp"

namespace propbot::scripting {

struct StrategySpec {
  std::string name;          // as configured; must match the module's `name`
  std::string path;          // file to read
  std::string display_name;  // how errors name the file, e.g. "strategies/x.lua"
  nlohmann::json params = nlohmann::json::object();
};

struct BookEvent {
  std::string venue;
  std::string symbol;
};

struct StrategyStats {
  std::uint64_t calls = 0;
  std::uint64_t faults = 0;
  std::uint64_t consecutive_faults = 0;
  std::uint64_t intents = 0;
  bool frozen = false;
  std::string freeze_reason;
  std::optional<ScriptFault> last_fault;
};

class StrategyRunner {
 public:
  using LogSink = std::function<void(const std::string& strategy, const std::string& message)>;

  // Load errors (unreadable file, syntax error, a module that is not a table, missing
  // on_book, name mismatch, bad param) come back as Errc::script_error with file:line.
  static Result<std::unique_ptr<StrategyRunner>> load(const StrategySpec& spec, SandboxLimits limits,
                                                      const Clock& clock, const MarketView& market,
                                                      int max_consecutive_faults, LogSink log = {});
  ~StrategyRunner();
  StrategyRunner(const StrategyRunner&) = delete;
  StrategyRunner& operator=(const StrategyRunner&) = delete;

  const std::string& name() const { return name_; }
  const nlohmann::json& params() const { return params_; }
  const StrategyStats& stats() const { return stats_; }

  // Appends the intents proposed during this call to `out`. A faulting call proposes
  // nothing (intents from a failed call are discarded: half a decision is no decision).
  void on_book(const BookEvent& event, std::vector<Intent>& out);

 private:
  StrategyRunner(std::string name, SandboxLimits limits, const Clock& clock, const MarketView& market,
                 int max_consecutive_faults, LogSink log);
  Result<void> init(const StrategySpec& spec);
  void record_fault(ScriptFault fault);

  // Lua C functions reach the runner through an upvalue.
  static int lua_venues(struct lua_State* L);
  static int lua_book(struct lua_State* L);
  static int lua_fill_price(struct lua_State* L);
  static int lua_now_ms(struct lua_State* L);
  static int lua_log(struct lua_State* L);
  static int lua_propose(struct lua_State* L);

  std::string name_;
  const Clock& clock_;
  const MarketView& market_;
  int max_consecutive_faults_;
  LogSink log_;
  LuaSandbox sandbox_;
  nlohmann::json params_;
  int module_ref_ = -1;
  int ctx_ref_ = -1;
  int on_book_ref_ = -1;
  int event_ref_ = -1;
  std::vector<Intent>* pending_ = nullptr;
  StrategyStats stats_;
};

}  // namespace propbot::scripting
