// The strategy test harness (scripting/strategy_test_harness.hpp): one Harness per test
// run — a SimClock, a ScriptedMarket, the strategy under test and the test's own
// LuaSandbox — and the `h` functions, which reach it through an upvalue.
#include "scripting/strategy_test_harness.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_json.hpp"
#include "scripting/lua_sandbox.hpp"
#include "scripting/scripted_market.hpp"
#include "scripting/strategy_runner.hpp"
#include "scripting/strategy_test_values.hpp"

namespace propbot::scripting {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxConsecutiveFaults = 3;  // the runner's freeze threshold in tests
constexpr std::size_t kMaxLogLines = 10'000;  // h.logs() keeps the first ones

SandboxLimits test_state_limits() {
  SandboxLimits limits;
  limits.instruction_budget = 200'000'000;  // the test's own Lua; strategies keep the shipped budget
  return limits;
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

Nanos milliseconds(double ms) {
  return std::chrono::duration_cast<Nanos>(std::chrono::duration<double, std::milli>(ms));
}

// The module `name` a strategy file declares, read in a throwaway state (its top level
// runs there, not in the test's); nullopt when it does not load or declares none.
std::optional<std::string> declared_module_name(const std::string& source, const std::string& display,
                                                const Clock& clock) {
  LuaSandbox probe(SandboxLimits{}, clock);
  ScriptFault fault;
  if (!probe.load_module(source, display, &fault)) return std::nullopt;
  lua_State* L = probe.state();
  if (!lua_istable(L, -1)) return std::nullopt;
  lua_pushstring(L, "name");
  lua_rawget(L, -2);
  if (lua_type(L, -1) != LUA_TSTRING) return std::nullopt;
  return std::string(lua_tostring(L, -1));
}

class Harness {
 public:
  explicit Harness(StrategyTestOptions options) : options_(std::move(options)), sandbox_(test_state_limits(), clock_) {}

  // Leaves the test file's table on the stack; on failure fills `error` and leaves nothing.
  bool load_test_file(const ScriptPath& file, Error& error, int* line = nullptr) {
    std::error_code ec;
    if (fs::is_directory(file.path, ec)) {
      error = Error{Errc::invalid_argument, file.display + ": is a directory; give the path of one FILE_test.lua"};
      return false;
    }
    const auto source = read_text(file.path);
    if (!source) {
      const bool exists = fs::exists(file.path, ec);
      error = Error{exists ? Errc::io_error : Errc::not_found,
                    file.display + ": cannot read the test file" + (exists ? " (permissions?)" : " (no such file)")};
      return false;
    }
    ScriptFault fault;
    if (!sandbox_.load_module(*source, file.display, &fault)) {
      error = Error{Errc::script_error, fault.located() + " (while loading the test file)"};
      if (line != nullptr) *line = fault.line;
      return false;
    }
    if (!lua_istable(sandbox_.state(), -1)) {
      lua_pop(sandbox_.state(), 1);
      error = Error{Errc::script_error, file.display +
                                            ": a Lua test file must return a table of test_* functions "
                                            "(end it with `return T` where T holds function T.test_x(h) … end)"};
      return false;
    }
    return true;
  }

  Result<std::vector<std::string>> list(const ScriptPath& file) {
    Error error;
    if (!load_test_file(file, error)) return error;
    lua_State* L = sandbox_.state();
    std::vector<std::pair<int, std::string>> found;  // {line defined, name}
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      if (lua_type(L, -2) == LUA_TSTRING && lua_isfunction(L, -1)) {
        std::string name = lua_tostring(L, -2);
        if (name.rfind("test_", 0) == 0) {
          lua_Debug info;
          lua_pushvalue(L, -1);
          const int line = lua_getinfo(L, ">S", &info) != 0 ? info.linedefined : 0;
          found.emplace_back(line, std::move(name));
        }
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (found.empty()) {
      return make_error(Errc::script_error, file.display +
                                                ": the returned table has no test_* functions (name each test "
                                                "function T.test_something(h))");
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> names;
    for (auto& entry : found) names.push_back(std::move(entry.second));
    return names;
  }

  StrategyTestResult run(const ScriptPath& file, const std::string& test) {
    StrategyTestResult result;
    result.name = test;
    lua_State* L = sandbox_.state();
    Error error;
    if (!load_test_file(file, error, &result.line)) {
      result.message = error.message;
      result.file = file.display;
      return result;
    }
    lua_getfield(L, -1, test.c_str());
    lua_remove(L, -2);
    if (!lua_isfunction(L, -1)) {
      lua_pop(L, 1);
      result.message = file.display + ": no test function '" + test + "'";
      result.file = file.display;
      return result;
    }
    ScriptFault fault;
    if (!push_api(fault)) {
      lua_pop(L, 1);
      result.message = "the harness's assertions do not install: " + fault.message;
      return result;
    }
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

 private:
  // Pushes the `h` table (API and assertions). On failure pushes nothing.
  bool push_api(ScriptFault& fault) {
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
    // The assertions chunk returns function(h), called with the table.
    if (!sandbox_.load_module(strategy_test_assertions_source(), "harness/assertions.lua", &fault)) {
      lua_pop(L, 1);
      return false;
    }
    lua_pushvalue(L, -2);
    if (!sandbox_.call(1, 0, &fault)) {
      lua_pop(L, 1);
      return false;
    }
    return true;
  }

  static Harness* self(lua_State* L) { return static_cast<Harness*>(lua_touserdata(L, lua_upvalueindex(1))); }

  StrategyRunner& runner(lua_State* L) {
    if (!runner_) luaL_error(L, "no strategy loaded: call h.load(name) first");
    return *runner_;
  }

  // The file h.load(name) means: the --strategy file, else the first strategy
  // directory holding <name>.lua. Empty `spec.path` with `error` set when none does.
  bool locate_strategy(const std::string& name, StrategySpec& spec, std::string& error) {
    spec.name = name;
    if (options_.strategy_file) {
      const ScriptPath& file = *options_.strategy_file;
      spec.path = file.path;
      spec.display_name = file.display;
      if (auto source = read_text(file.path)) {
        spec.name = declared_module_name(*source, file.display, clock_).value_or(name);
        spec.source = std::move(*source);
      }
      return true;
    }
    std::string looked;
    for (const ScriptPath& dir : options_.strategy_dirs) {
      const fs::path candidate = fs::path(dir.path) / (name + ".lua");
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) {
        spec.path = candidate.string();
        spec.display_name = dir.display + "/" + name + ".lua";
        return true;
      }
      looked += (looked.empty() ? "" : ", ") + dir.display + "/";
    }
    error = "no strategy file " + name + ".lua in " + (looked.empty() ? std::string("any strategies/ directory") : looked);
    return false;
  }

  // Loads the strategy for h.load / h.load_error / h.load_fixture (name at 1, params at
  // 2, previous state at 3). Returns the error message, empty on success.
  std::string load(lua_State* L, bool fixture) {
    const std::string name = luaL_checkstring(L, 1);
    StrategySpec spec;
    if (fixture) {
      spec.name = name;
      spec.path = (fs::path(options_.fixtures_dir.path) / (name + ".lua")).string();
      spec.display_name = options_.fixtures_dir.display + "/" + name + ".lua";
    } else if (std::string error; !locate_strategy(name, spec, error)) {
      return error;
    }
    if (lua_istable(L, 2)) {
      auto params = lua_to_json(L, 2, StateLimits{});
      if (!params) return "params: " + params.error().message;
      if (params->is_array()) return "params must be a table of name = value";
      spec.params = std::move(*params);
    }
    std::optional<nlohmann::json> previous;
    if (!lua_isnoneornil(L, 3)) {
      auto state = lua_to_json(L, 3, StateLimits{});
      if (!state) return "previous_state: " + state.error().message;
      previous = std::move(*state);
    }
    StrategyEnv env = env_;
    env.positions = &market_;
    env.log_interval = Nanos{0};  // h.logs() sees every line: no daemon-log rate limit in a test
    auto loaded = StrategyRunner::load(spec, SandboxLimits{}, clock_, market_, kMaxConsecutiveFaults,
                                       [this](const std::string&, const std::string& m) {
                                         if (logs_.size() < kMaxLogLines) logs_.push_back(m);
                                       },
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
      push_intent_table(L, last_[i]);
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
    return 1;
  }

  static int api_load(lua_State* L) {
    const std::string error = self(L)->load(L, false);
    if (!error.empty()) return luaL_error(L, "h.load: %s", error.c_str());
    return 0;
  }
  static int api_load_fixture(lua_State* L) {
    const std::string error = self(L)->load(L, true);
    if (!error.empty()) return luaL_error(L, "h.load_fixture: %s", error.c_str());
    return 0;
  }
  static int api_load_error(lua_State* L) {
    const std::string error = self(L)->load(L, false);
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
    Harness* h = self(L);
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
    h->market_.set_book(venue, symbol, tick, bids, asks, h->clock_.now() - milliseconds(age_ms));
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
    Harness* h = self(L);
    const std::string venue = luaL_checkstring(L, 1);
    const std::string symbol = luaL_checkstring(L, 2);
    const double tick = opt_field(L, 5, "tick", 0.1);
    const double age_ms = opt_field(L, 5, "age_ms", 0);
    const auto bids = levels_of(L, 3, tick);
    const auto asks = levels_of(L, 4, tick);
    h->market_.set_book(venue, symbol, tick, bids, asks, h->clock_.now() - milliseconds(age_ms));
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
    Harness* h = self(L);
    h->env_.budget = BudgetView{luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3)};
    if (h->runner_) h->runner_->set_budget(h->env_.budget);
    return 0;
  }
  static int api_now_ms(lua_State* L) {
    lua_pushnumber(L, static_cast<lua_Number>(to_unix_ms(self(L)->clock_.utc())));
    return 1;
  }
  static int api_advance(lua_State* L) {
    Harness* h = self(L);
    const double ms = luaL_checknumber(L, 1);
    if (!(ms >= 0)) return luaL_error(L, "h.advance: ms must be >= 0");
    h->clock_.advance(milliseconds(ms));
    if (!h->runner_) {
      lua_newtable(L);
      return 1;
    }
    return h->drive(L, [h](StrategyRunner& r) { r.fire_due_timers(h->clock_.now(), h->last_); });
  }
  static int api_on_book(lua_State* L) {
    Harness* h = self(L);
    BookEvent event{luaL_checkstring(L, 1), luaL_checkstring(L, 2)};
    return h->drive(L, [h, &event](StrategyRunner& r) { r.on_book(event, h->last_); });
  }
  static int api_on_fill(lua_State* L) {
    Harness* h = self(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    auto read = lua_to_json(L, 1, StateLimits{});
    if (!read) return luaL_error(L, "h.on_fill: %s", read.error().message.c_str());
    const nlohmann::json& f = *read;
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
    push_plain_json(L, *state);
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

  StrategyTestOptions options_;
  SimClock clock_;
  ScriptedMarket market_;
  StrategyEnv env_;
  std::unique_ptr<StrategyRunner> runner_;
  std::vector<Intent> last_;
  std::vector<std::string> logs_;  // what the strategy logged, the first kMaxLogLines
  bool allow_faults_ = false;
  LuaSandbox sandbox_;  // the test's own state; declared last, so destroyed first
};

}  // namespace

std::string StrategyTestResult::located() const {
  if (file.empty()) return message;
  const std::string at = file + ":" + std::to_string(line);
  if (message.rfind(at + ":", 0) == 0 || (line == 0 && message.rfind(file + ":", 0) == 0)) return message;
  return at + ": " + message;
}

Result<std::vector<std::string>> list_strategy_tests(const ScriptPath& test_file) {
  Harness harness{StrategyTestOptions{}};
  return harness.list(test_file);
}

StrategyTestResult run_strategy_test(const ScriptPath& test_file, const std::string& test,
                                     const StrategyTestOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  Harness harness{options};
  StrategyTestResult result = harness.run(test_file, test);
  result.duration = std::chrono::steady_clock::now() - started;
  return result;
}

std::string display_path(const fs::path& path, const fs::path& cwd) {
  const fs::path absolute = fs::absolute(path).lexically_normal();
  const fs::path relative = absolute.lexically_relative(fs::absolute(cwd).lexically_normal());
  if (relative.empty()) return absolute.string();
  if (relative == ".") return ".";
  const std::string first = relative.begin()->string();
  if (first == "..") return absolute.string();
  return relative.string();
}

StrategyTestOptions bundle_test_options(const fs::path& test_file, const fs::path& cwd) {
  StrategyTestOptions options;
  const fs::path test_dir = fs::absolute(test_file).lexically_normal().parent_path();
  auto add = [&](const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    for (const ScriptPath& known : options.strategy_dirs) {
      if (fs::equivalent(known.path, dir, ec)) return;
    }
    options.strategy_dirs.push_back({dir.string(), display_path(dir, cwd)});
  };
  for (fs::path dir = test_dir;; dir = dir.parent_path()) {
    add(dir / "strategies");
    if (dir == dir.parent_path()) break;
  }
  add(fs::absolute(cwd) / "strategies");
  const fs::path fixtures = test_dir / "fixtures";
  options.fixtures_dir = {fixtures.string(), display_path(fixtures, cwd)};
  return options;
}

}  // namespace propbot::scripting
