// Unit tests of the shipped strategies, written in Lua: tests/unit/scripting/lua/
// <strategy>_test.lua each return a table of `test_*` functions. Every such function is
// one GoogleTest (suite `LuaTest_<file stem>`, discovered when the binary starts), run
// in its own sandboxed Lua state with a fresh harness `h` as its argument. The harness
// loads the REAL strategy file from strategies/ into a StrategyRunner over a scriptable
// market (books, depth, funding, regimes), positions, fees and budget, and a SimClock;
// the test drives callbacks and reads the proposed intents back as Lua tables.
//
// The test API (`h`):
//   h.load(name, params?, previous_state?)  strategies/<name>.lua; a load error raises
//   h.load_error(name, params?, previous_state?) → message | nil
//   h.load_fixture(name, params?)           tests/unit/scripting/lua/fixtures/<name>.lua
//   h.venues{…}                             the venue list (default SIM-A, SIM-B)
//   h.book(venue, symbol, bid, ask, opts?)  opts {qty = 1, levels = 10, tick = 0.1, age_ms = 0}:
//                                           `levels` levels of `qty` base each, one tick apart
//   h.depth(venue, symbol, {{price, qty}…}, {{price, qty}…}, opts?)   explicit levels
//   h.remove_book(venue, symbol)
//   h.funding(venue, symbol, rate, next_funding_ms?)   h.regime(symbol, name, confidence)
//   h.position(venue, symbol, qty)          h.fees(venue, maker_bps, taker_bps) (next load)
//   h.budget(max_position, max_total, open) now and for the next load
//   h.now_ms()   h.advance(ms) → intents of the timers that fired on the way
//   h.on_book(venue, symbol) → intents      h.on_fill{venue, symbol, side, price, qty, …} → intents
//   h.stop() → state    h.faults() → n    h.last_fault() → message | nil    h.logs() → {…}
//   h.allow_faults(bool): by default a strategy fault during a call raises in the test
//   Assertions (fail with the test file:line): h.eq(actual, expected, what?) (deep),
//   h.near(actual, expected, tolerance, what?), h.ok(value, what?), h.is_nil(value, what?),
//   h.len(list, n, what?), h.contains(text, fragment, what?), h.fail(message)
//
// A failing assertion or any Lua error fails the GoogleTest at the Lua file:line with
// the message and the Lua traceback.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_sandbox.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot::scripting {
namespace {

namespace fs = std::filesystem;

const std::string kLuaTestDir = std::string(PROPBOT_SOURCE_DIR) + "/tests/unit/scripting/lua";
const std::string kLuaTestDisplayDir = "tests/unit/scripting/lua";

// ---- the scriptable world --------------------------------------------------------

class ScriptedMarket final : public MarketView, public PositionView {
 public:
  ScriptedMarket() : venues_{"SIM-A", "SIM-B"} {}

  void set_venues(std::vector<std::string> venues) { venues_ = std::move(venues); }
  void set_book(const std::string& venue, const std::string& symbol, double tick, const std::vector<md::BookLevel>& bids,
                const std::vector<md::BookLevel>& asks, MonoTime at) {
    md::InstrumentSpec spec;
    spec.venue = venue;
    spec.symbol = symbol;
    spec.tick_size = tick;
    spec.lot_size = kLot;
    auto& book = books_[key(venue, symbol)];
    if (!book || book->spec().tick_size != tick) book = std::make_unique<md::OrderBook>(spec);
    book->apply_snapshot(bids, asks, ++sequence_, at);
  }
  void remove_book(const std::string& venue, const std::string& symbol) { books_.erase(key(venue, symbol)); }
  void set_funding(const std::string& venue, const std::string& symbol, FundingView view) {
    funding_[key(venue, symbol)] = view;
  }
  void set_regime(const std::string& symbol, RegimeView view) { regimes_[symbol] = std::move(view); }
  void set_position(const std::string& venue, const std::string& symbol, double qty) {
    positions_[key(venue, symbol)] = qty;
  }

  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    const auto it = books_.find(key(venue, symbol));
    return it == books_.end() ? nullptr : it->second.get();
  }
  const std::vector<std::string>& venue_ids() const override { return venues_; }
  std::optional<FundingView> funding(std::string_view venue, std::string_view symbol) const override {
    const auto it = funding_.find(key(venue, symbol));
    if (it == funding_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<RegimeView> regime(std::string_view symbol) const override {
    const auto it = regimes_.find(std::string(symbol));
    if (it == regimes_.end()) return std::nullopt;
    return it->second;
  }
  double position(std::string_view venue, std::string_view symbol) const override {
    const auto it = positions_.find(key(venue, symbol));
    return it == positions_.end() ? 0.0 : it->second;
  }

  static constexpr double kLot = 0.0001;

 private:
  static std::string key(std::string_view venue, std::string_view symbol) {
    return std::string(venue) + '\n' + std::string(symbol);
  }

  std::vector<std::string> venues_;
  std::map<std::string, std::unique_ptr<md::OrderBook>> books_;
  std::map<std::string, FundingView> funding_;
  std::map<std::string, RegimeView> regimes_;
  std::map<std::string, double> positions_;
  std::uint64_t sequence_ = 0;
};

// ---- Lua ⇄ JSON for params, states and intents (test data only) ------------------

nlohmann::json to_json(lua_State* L, int index, int depth = 0) {
  index = index > 0 ? index : lua_gettop(L) + index + 1;
  switch (lua_type(L, index)) {
    case LUA_TBOOLEAN: return lua_toboolean(L, index) != 0;
    case LUA_TNUMBER: {
      const double v = lua_tonumber(L, index);
      if (std::floor(v) == v && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
      return v;
    }
    case LUA_TSTRING: return std::string(lua_tostring(L, index));
    case LUA_TTABLE: {
      if (depth > 32) luaL_error(L, "table nested too deep");
      const auto n = lua_objlen(L, index);
      if (n > 0) {
        nlohmann::json out = nlohmann::json::array();
        for (std::size_t i = 1; i <= n; ++i) {
          lua_rawgeti(L, index, static_cast<int>(i));
          out.push_back(to_json(L, -1, depth + 1));
          lua_pop(L, 1);
        }
        return out;
      }
      nlohmann::json out = nlohmann::json::object();
      lua_pushnil(L);
      while (lua_next(L, index) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "only string keys or 1..n lists can be converted");
        out[lua_tostring(L, -2)] = to_json(L, -1, depth + 1);
        lua_pop(L, 1);
      }
      return out;
    }
    default: return nullptr;
  }
}

void push_json(lua_State* L, const nlohmann::json& value) {
  luaL_checkstack(L, 4, "json too deep");
  if (value.is_object()) {
    lua_createtable(L, 0, static_cast<int>(value.size()));
    for (const auto& [k, v] : value.items()) {
      push_json(L, v);
      lua_setfield(L, -2, k.c_str());
    }
  } else if (value.is_array()) {
    lua_createtable(L, static_cast<int>(value.size()), 0);
    int i = 0;
    for (const auto& v : value) {
      push_json(L, v);
      lua_rawseti(L, -2, ++i);
    }
  } else if (value.is_boolean()) {
    lua_pushboolean(L, value.get<bool>() ? 1 : 0);
  } else if (value.is_number()) {
    lua_pushnumber(L, value.get<double>());
  } else if (value.is_string()) {
    lua_pushstring(L, value.get_ref<const std::string&>().c_str());
  } else {
    lua_pushnil(L);
  }
}

void set_string(lua_State* L, const char* key, std::string_view value) {
  if (value.empty()) return;
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, key);
}
void set_number(lua_State* L, const char* key, double value) {
  lua_pushnumber(L, value);
  lua_setfield(L, -2, key);
}

// An Intent as the test reads it: the fields of its kind (see core/common/intent.hpp),
// kind and side by their stable names, amounts as the doubles the script proposed,
// guards when set, `reduce_only` always (a boolean).
void push_intent(lua_State* L, const Intent& intent) {
  lua_createtable(L, 0, 16);
  set_string(L, "strategy", intent.strategy);
  set_string(L, "kind", to_string(intent.kind));
  set_string(L, "symbol", intent.symbol);
  set_number(L, "notional_usdt", intent.notional_usdt.to_double());
  if (intent.kind == IntentKind::single) {
    set_string(L, "venue", intent.venue);
    set_string(L, "side", intent.side ? to_string(*intent.side) : std::string_view());
    set_number(L, "price", intent.price.to_double());
    lua_pushboolean(L, intent.post_only ? 1 : 0);
    lua_setfield(L, -2, "post_only");
  } else {
    set_string(L, "long_venue", intent.long_venue);
    set_string(L, "short_venue", intent.short_venue);
    set_number(L, "spread_bps", intent.spread_bps);
    set_number(L, "net_spread_bps", intent.net_spread_bps);
    set_number(L, "long_price", intent.long_price.to_double());
    set_number(L, "short_price", intent.short_price.to_double());
  }
  if (intent.max_slippage_bps) set_number(L, "max_slippage_bps", *intent.max_slippage_bps);
  if (intent.time_guard_ms) set_number(L, "time_guard_ms", *intent.time_guard_ms);
  lua_pushboolean(L, intent.reduce_only ? 1 : 0);
  lua_setfield(L, -2, "reduce_only");
  set_string(L, "reason", intent.reason);
}

// Assertions, in Lua so that error(…, 2) names the test's own line.
constexpr const char* kAssertions = R"LUA(
return function(h)
  local function show(v)
    if type(v) == "string" then return string.format("%q", v) end
    if type(v) ~= "table" then return tostring(v) end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. " = " .. show(v[k]) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  local function same(a, b)
    if type(a) ~= "table" or type(b) ~= "table" then return a == b end
    for k, v in pairs(a) do if not same(v, b[k]) then return false end end
    for k in pairs(b) do if a[k] == nil then return false end end
    return true
  end
  local function label(what) return what and (what .. ": ") or "" end
  function h.fail(message) error(message, 2) end
  function h.eq(actual, expected, what)
    if not same(actual, expected) then
      error(label(what) .. "expected " .. show(expected) .. ", got " .. show(actual), 2)
    end
  end
  function h.near(actual, expected, tolerance, what)
    if type(actual) ~= "number" or math.abs(actual - expected) > tolerance then
      error(label(what) .. "expected " .. show(expected) .. " ± " .. show(tolerance) .. ", got " .. show(actual), 2)
    end
  end
  function h.ok(value, what)
    if not value then error(label(what) .. "expected a true value, got " .. show(value), 2) end
  end
  function h.is_nil(value, what)
    if value ~= nil then error(label(what) .. "expected nil, got " .. show(value), 2) end
  end
  function h.len(list, n, what)
    if type(list) ~= "table" or #list ~= n then
      error(label(what) .. "expected " .. n .. " items, got " .. show(list), 2)
    end
  end
  function h.contains(text, fragment, what)
    if type(text) ~= "string" or not string.find(text, fragment, 1, true) then
      error(label(what) .. "expected text containing " .. show(fragment) .. ", got " .. show(text), 2)
    end
  end
end
)LUA";

// ---- the harness ------------------------------------------------------------------

struct LuaTestResult {
  bool passed = false;
  std::string message;
  std::string file;  // of the failure (the Lua test file when an assertion failed)
  int line = 0;
  std::string traceback;
};

SandboxLimits test_state_limits() {
  SandboxLimits limits;
  limits.instruction_budget = 200'000'000;  // the test's own Lua; strategies keep the shipped budget
  return limits;
}

class LuaStrategyHarness {
 public:
  LuaStrategyHarness() : sandbox_(test_state_limits(), clock_) {}

  // Runs `test` of the Lua test file at `path` (errors named by `display`).
  LuaTestResult run(const std::string& path, const std::string& display, const std::string& test) {
    LuaTestResult result;
    lua_State* L = sandbox_.state();
    if (!load_test_file(path, display, result)) return result;
    lua_getfield(L, -1, test.c_str());
    lua_remove(L, -2);
    if (!lua_isfunction(L, -1)) {
      lua_pop(L, 1);
      result.message = display + ": no test function '" + test + "'";
      result.file = display;
      return result;
    }
    push_api();
    ScriptFault fault;
    if (!sandbox_.call(1, 0, &fault)) {
      result.message = fault.message;
      result.file = fault.file;
      result.line = fault.line;
      result.traceback = fault.traceback;
      return result;
    }
    result.passed = true;
    return result;
  }

  // The test names of a file, sorted; empty with `error` set when it does not load.
  std::vector<std::string> list(const std::string& path, const std::string& display, std::string& error) {
    std::vector<std::string> names;
    LuaTestResult result;
    lua_State* L = sandbox_.state();
    if (!load_test_file(path, display, result)) {
      error = result.message;
      return names;
    }
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      if (lua_type(L, -2) == LUA_TSTRING && lua_isfunction(L, -1)) {
        std::string name = lua_tostring(L, -2);
        if (name.rfind("test_", 0) == 0) names.push_back(std::move(name));
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    std::sort(names.begin(), names.end());
    if (names.empty()) error = display + ": the module has no test_* functions";
    return names;
  }

 private:
  bool load_test_file(const std::string& path, const std::string& display, LuaTestResult& result) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream source;
    source << in.rdbuf();
    ScriptFault fault;
    if (!in || !sandbox_.load_module(source.str(), display, &fault)) {
      result.message = in ? fault.message : display + ": cannot read " + path;
      result.file = display;
      result.line = fault.line;
      return false;
    }
    if (!lua_istable(sandbox_.state(), -1)) {
      lua_pop(sandbox_.state(), 1);
      result.message = display + ": a Lua test file must return a table of test functions";
      result.file = display;
      return false;
    }
    return true;
  }

  void push_api() {
    lua_State* L = sandbox_.state();
    lua_newtable(L);
    const std::pair<const char*, lua_CFunction> api[] = {
        {"load", &api_load},         {"load_error", &api_load_error}, {"load_fixture", &api_load_fixture},
        {"venues", &api_venues},
        {"book", &api_book},         {"depth", &api_depth},           {"remove_book", &api_remove_book},
        {"funding", &api_funding},   {"regime", &api_regime},         {"position", &api_position},
        {"fees", &api_fees},         {"budget", &api_budget},         {"now_ms", &api_now_ms},
        {"advance", &api_advance},   {"on_book", &api_on_book},       {"on_fill", &api_on_fill},
        {"stop", &api_stop},         {"faults", &api_faults},         {"last_fault", &api_last_fault},
        {"logs", &api_logs},         {"allow_faults", &api_allow_faults},
    };
    for (const auto& [name, fn] : api) {
      lua_pushlightuserdata(L, this);
      lua_pushcclosure(L, fn, 1);
      lua_setfield(L, -2, name);
    }
    // Install the assertions: kAssertions returns function(h).
    ScriptFault fault;
    if (!sandbox_.load_module(kAssertions, "harness/assertions.lua", &fault)) {
      ADD_FAILURE() << "assertions do not load: " << fault.message;
      return;
    }
    lua_pushvalue(L, -2);
    if (!sandbox_.call(1, 0, &fault)) ADD_FAILURE() << "assertions do not install: " << fault.message;
  }

  static LuaStrategyHarness* self(lua_State* L) {
    return static_cast<LuaStrategyHarness*>(lua_touserdata(L, lua_upvalueindex(1)));
  }
  StrategyRunner& runner(lua_State* L) {
    if (!runner_) luaL_error(L, "no strategy loaded: call h.load(name) first");
    return *runner_;
  }

  // Loads <dir>/<name>.lua (dir relative to the source tree). Returns the error
  // message, empty on success.
  std::string load(lua_State* L, const std::string& dir = "strategies") {
    const std::string name = luaL_checkstring(L, 1);
    StrategySpec spec;
    spec.name = name;
    spec.path = std::string(PROPBOT_SOURCE_DIR) + "/" + dir + "/" + name + ".lua";
    spec.display_name = dir + "/" + name + ".lua";
    spec.params = lua_istable(L, 2) ? to_json(L, 2) : nlohmann::json::object();
    if (spec.params.is_array()) return "params must be a table of name = value";
    std::optional<nlohmann::json> previous;
    if (!lua_isnoneornil(L, 3)) previous = to_json(L, 3);
    StrategyEnv env = env_;
    env.positions = &market_;
    auto loaded = StrategyRunner::load(spec, SandboxLimits{}, clock_, market_, 3,
                                       [this](const std::string&, const std::string& m) { logs_.push_back(m); },
                                       std::move(env), std::move(previous));
    if (!loaded) return loaded.error().message;
    runner_ = std::move(*loaded);
    return {};
  }

  // Runs a strategy call and returns its intents as a Lua list; a new fault raises
  // unless faults are allowed.
  template <typename Call>
  int drive(lua_State* L, Call call) {
    StrategyRunner& r = runner(L);
    const auto faults = r.stats().faults;
    last_.clear();
    call(r);
    if (r.stats().faults != faults && !allow_faults_ && r.stats().last_fault) {
      const std::string message = "the strategy faulted: " + r.stats().last_fault->message;
      return luaL_error(L, "%s", message.c_str());
    }
    lua_createtable(L, static_cast<int>(last_.size()), 0);
    for (std::size_t i = 0; i < last_.size(); ++i) {
      push_intent(L, last_[i]);
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
    return 1;
  }

  static int api_load(lua_State* L) {
    const std::string error = self(L)->load(L);
    if (!error.empty()) return luaL_error(L, "h.load: %s", error.c_str());
    return 0;
  }
  static int api_load_fixture(lua_State* L) {
    const std::string error = self(L)->load(L, kLuaTestDisplayDir + "/fixtures");
    if (!error.empty()) return luaL_error(L, "h.load_fixture: %s", error.c_str());
    return 0;
  }
  static int api_load_error(lua_State* L) {
    const std::string error = self(L)->load(L);
    if (error.empty()) {
      lua_pushnil(L);
    } else {
      lua_pushstring(L, error.c_str());
    }
    return 1;
  }
  static int api_venues(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    std::vector<std::string> venues;
    for (int i = 1;; ++i) {
      lua_rawgeti(L, 1, i);
      if (lua_isnil(L, -1)) break;
      venues.emplace_back(luaL_checkstring(L, -1));
      lua_pop(L, 1);
    }
    self(L)->market_.set_venues(std::move(venues));
    return 0;
  }
  static double opt_field(lua_State* L, int table, const char* field, double fallback) {
    if (!lua_istable(L, table)) return fallback;
    lua_getfield(L, table, field);
    const double v = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : fallback;
    lua_pop(L, 1);
    return v;
  }
  static std::int64_t ticks(double price, double tick) { return std::llround(price / tick); }
  static std::int64_t lots(double qty) { return std::max<std::int64_t>(1, std::llround(qty / ScriptedMarket::kLot)); }
  static int api_book(lua_State* L) {
    LuaStrategyHarness* h = self(L);
    const std::string venue = luaL_checkstring(L, 1);
    const std::string symbol = luaL_checkstring(L, 2);
    const double bid = luaL_checknumber(L, 3);
    const double ask = luaL_checknumber(L, 4);
    const double qty = opt_field(L, 5, "qty", 1);
    const int levels = static_cast<int>(opt_field(L, 5, "levels", 10));
    const double tick = opt_field(L, 5, "tick", 0.1);
    const double age_ms = opt_field(L, 5, "age_ms", 0);
    if (!(bid > 0 && ask > bid)) return luaL_error(L, "h.book: need 0 < bid < ask");
    std::vector<md::BookLevel> bids, asks;
    for (int i = 0; i < levels; ++i) {
      bids.push_back({ticks(bid, tick) - i, lots(qty)});
      asks.push_back({ticks(ask, tick) + i, lots(qty)});
    }
    const auto at = h->clock_.now() - std::chrono::duration_cast<Nanos>(std::chrono::duration<double, std::milli>(age_ms));
    h->market_.set_book(venue, symbol, tick, bids, asks, at);
    return 0;
  }
  static std::vector<md::BookLevel> levels_of(lua_State* L, int table, double tick) {
    luaL_checktype(L, table, LUA_TTABLE);
    std::vector<md::BookLevel> out;
    for (int i = 1;; ++i) {
      lua_rawgeti(L, table, i);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        break;
      }
      luaL_checktype(L, -1, LUA_TTABLE);
      lua_rawgeti(L, -1, 1);
      lua_rawgeti(L, -2, 2);
      out.push_back({ticks(luaL_checknumber(L, -2), tick), lots(luaL_checknumber(L, -1))});
      lua_pop(L, 3);
    }
    return out;
  }
  static int api_depth(lua_State* L) {
    LuaStrategyHarness* h = self(L);
    const std::string venue = luaL_checkstring(L, 1);
    const std::string symbol = luaL_checkstring(L, 2);
    const double tick = opt_field(L, 5, "tick", 0.1);
    const double age_ms = opt_field(L, 5, "age_ms", 0);
    const auto bids = levels_of(L, 3, tick);
    const auto asks = levels_of(L, 4, tick);
    const auto at = h->clock_.now() - std::chrono::duration_cast<Nanos>(std::chrono::duration<double, std::milli>(age_ms));
    h->market_.set_book(venue, symbol, tick, bids, asks, at);
    return 0;
  }
  static int api_remove_book(lua_State* L) {
    self(L)->market_.remove_book(luaL_checkstring(L, 1), luaL_checkstring(L, 2));
    return 0;
  }
  static int api_funding(lua_State* L) {
    FundingView view;
    view.rate = luaL_checknumber(L, 3);
    view.next_funding_ms = static_cast<std::int64_t>(luaL_optnumber(L, 4, 0));
    self(L)->market_.set_funding(luaL_checkstring(L, 1), luaL_checkstring(L, 2), view);
    return 0;
  }
  static int api_regime(lua_State* L) {
    self(L)->market_.set_regime(luaL_checkstring(L, 1), RegimeView{luaL_checkstring(L, 2), luaL_checknumber(L, 3)});
    return 0;
  }
  static int api_position(lua_State* L) {
    self(L)->market_.set_position(luaL_checkstring(L, 1), luaL_checkstring(L, 2), luaL_checknumber(L, 3));
    return 0;
  }
  static int api_fees(lua_State* L) {
    self(L)->env_.fees[luaL_checkstring(L, 1)] = FeeSchedule{luaL_checknumber(L, 2), luaL_checknumber(L, 3)};
    return 0;
  }
  static int api_budget(lua_State* L) {
    LuaStrategyHarness* h = self(L);
    h->env_.budget = BudgetView{luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3)};
    if (h->runner_) h->runner_->set_budget(h->env_.budget);
    return 0;
  }
  static int api_now_ms(lua_State* L) {
    lua_pushnumber(L, static_cast<lua_Number>(to_unix_ms(self(L)->clock_.utc())));
    return 1;
  }
  static int api_advance(lua_State* L) {
    LuaStrategyHarness* h = self(L);
    const double ms = luaL_checknumber(L, 1);
    if (!(ms >= 0)) return luaL_error(L, "h.advance: ms must be >= 0");
    h->clock_.advance(std::chrono::duration_cast<Nanos>(std::chrono::duration<double, std::milli>(ms)));
    if (!h->runner_) {
      lua_newtable(L);
      return 1;
    }
    return h->drive(L, [h](StrategyRunner& r) { r.fire_due_timers(h->clock_.now(), h->last_); });
  }
  static int api_on_book(lua_State* L) {
    LuaStrategyHarness* h = self(L);
    BookEvent event{luaL_checkstring(L, 1), luaL_checkstring(L, 2)};
    return h->drive(L, [h, &event](StrategyRunner& r) { r.on_book(event, h->last_); });
  }
  static int api_on_fill(lua_State* L) {
    LuaStrategyHarness* h = self(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    const nlohmann::json f = to_json(L, 1);
    FillEvent fill;
    fill.venue = f.value("venue", "");
    fill.symbol = f.value("symbol", "");
    fill.side = f.value("side", "buy");
    fill.price = f.value("price", 0.0);
    fill.qty = f.value("qty", 0.0);
    fill.fee = f.value("fee", 0.0);
    fill.maker = f.value("maker", false);
    fill.client_order_id = f.value("client_order_id", "");
    return h->drive(L, [h, &fill](StrategyRunner& r) { r.on_fill(fill, h->last_); });
  }
  static int api_stop(lua_State* L) {
    auto state = self(L)->runner(L).stop();
    if (!state) return luaL_error(L, "h.stop: %s", state.error().message.c_str());
    push_json(L, *state);
    return 1;
  }
  static int api_faults(lua_State* L) {
    lua_pushnumber(L, static_cast<lua_Number>(self(L)->runner(L).stats().faults));
    return 1;
  }
  static int api_last_fault(lua_State* L) {
    const auto& fault = self(L)->runner(L).stats().last_fault;
    if (fault) {
      lua_pushstring(L, fault->message.c_str());
    } else {
      lua_pushnil(L);
    }
    return 1;
  }
  static int api_logs(lua_State* L) {
    const auto& logs = self(L)->logs_;
    lua_createtable(L, static_cast<int>(logs.size()), 0);
    for (std::size_t i = 0; i < logs.size(); ++i) {
      lua_pushstring(L, logs[i].c_str());
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
    return 1;
  }
  static int api_allow_faults(lua_State* L) {
    self(L)->allow_faults_ = lua_toboolean(L, 1) != 0;
    return 0;
  }

  SimClock clock_;
  ScriptedMarket market_;
  StrategyEnv env_;
  std::unique_ptr<StrategyRunner> runner_;
  std::vector<Intent> last_;
  std::vector<std::string> logs_;
  bool allow_faults_ = false;
  LuaSandbox sandbox_;  // the test's own state; declared last, so destroyed first
};

LuaTestResult run_lua_test(const std::string& file, const std::string& test) {
  LuaStrategyHarness harness;
  return harness.run(kLuaTestDir + "/" + file, kLuaTestDisplayDir + "/" + file, test);
}

void report(const LuaTestResult& result) {
  if (result.passed) return;
  const std::string file = result.file.empty() ? kLuaTestDisplayDir : result.file;
  // The traceback repeats the message as its first line when the sandbox captured one.
  const bool repeated = result.traceback.rfind(result.message, 0) == 0;
  ADD_FAILURE_AT(file.c_str(), result.line) << (repeated ? result.traceback : result.message + "\n" + result.traceback);
}

// ---- discovery: one GoogleTest per test_* function of each lua/*_test.lua ---------

class LuaTest : public ::testing::Test {
 public:
  LuaTest(std::string file, std::string test) : file_(std::move(file)), test_(std::move(test)) {}
  void TestBody() override { report(run_lua_test(file_, test_)); }

 private:
  std::string file_;
  std::string test_;
};

class LoadFailure : public ::testing::Test {
 public:
  explicit LoadFailure(std::string message) : message_(std::move(message)) {}
  void TestBody() override { ADD_FAILURE() << message_; }

 private:
  std::string message_;
};

const bool kRegistered = [] {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kLuaTestDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 9 && name.compare(name.size() - 9, 9, "_test.lua") == 0) files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    ::testing::RegisterTest("LuaTest", "FilesFound", nullptr, nullptr, __FILE__, __LINE__,
                            [] { return new LoadFailure("no *_test.lua in " + kLuaTestDir); });
  }
  for (const std::string& file : files) {
    const std::string suite = "LuaTest_" + file.substr(0, file.size() - 9);
    std::string error;
    LuaStrategyHarness lister;
    const auto tests = lister.list(kLuaTestDir + "/" + file, kLuaTestDisplayDir + "/" + file, error);
    if (!error.empty()) {
      ::testing::RegisterTest(suite.c_str(), "Loads", nullptr, nullptr, __FILE__, __LINE__,
                              [error]() -> ::testing::Test* { return new LoadFailure(error); });
    }
    for (const std::string& test : tests) {
      ::testing::RegisterTest(suite.c_str(), test.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                              [file, test]() -> ::testing::Test* { return new LuaTest(file, test); });
    }
  }
  return true;
}();

// ---- the harness itself -----------------------------------------------------------
// lua/harness_selftest.lua is not a *_test.lua: its deliberate failures are run here
// and EXPECTED, so they do not fail the build.

TEST(LuaStrategyHarness, APassingLuaTestPasses) {
  const auto result = run_lua_test("harness_selftest.lua", "test_passes");
  EXPECT_TRUE(result.passed) << result.message;
}

TEST(LuaStrategyHarness, AFailingLuaAssertionIsReportedWithItsFileLineAndMessage) {
  const auto result = run_lua_test("harness_selftest.lua", "test_fails_on_purpose");
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.file, "tests/unit/scripting/lua/harness_selftest.lua");
  EXPECT_EQ(result.line, 12) << "the line of the failing h.eq, not of the harness";
  EXPECT_NE(result.message.find("intents: expected 2, got 0"), std::string::npos) << result.message;
}

TEST(LuaStrategyHarness, AStrategyFaultFailsTheTestUnlessAllowed) {
  const auto result = run_lua_test("harness_selftest.lua", "test_strategy_fault_on_purpose");
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.line, 17);
  EXPECT_NE(result.message.find("the strategy faulted"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("field 'notional_usdt'"), std::string::npos) << result.message;
}

TEST(LuaStrategyHarness, ALoadErrorAndAMissingTestAreFailures) {
  const auto load = run_lua_test("harness_selftest.lua", "test_load_error_on_purpose");
  EXPECT_FALSE(load.passed);
  EXPECT_NE(load.message.find("h.load:"), std::string::npos) << load.message;
  EXPECT_NE(load.message.find("no_such_strategy"), std::string::npos) << load.message;
  const auto missing = run_lua_test("harness_selftest.lua", "test_that_does_not_exist");
  EXPECT_FALSE(missing.passed);
  EXPECT_NE(missing.message.find("no test function 'test_that_does_not_exist'"), std::string::npos);
  const auto file = run_lua_test("no_such_file.lua", "test_x");
  EXPECT_FALSE(file.passed);
}

}  // namespace
}  // namespace propbot::scripting
