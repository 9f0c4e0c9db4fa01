#include "scripting/strategy_runner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <fstream>
#include <sstream>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {

namespace {
// t[key] = value, with the value on top of the stack and the table below it, without
// metamethods: the event and fill tables are visible to the script, and a metamethod
// that raises here would be outside any protected call (a LuaJIT panic aborts).
void raw_set_field(lua_State* L, const char* key) {
  lua_pushstring(L, key);
  lua_insert(L, -2);
  lua_rawset(L, -3);
}

// Pushes t[key] for the table at `index` without metamethods. Every read of a
// script-owned table that happens outside a protected call (loading the module, its
// params declarations, migrate/on_start lookups) must be raw: an __index that raises,
// or the budget error in it, would escape as a foreign exception and end the daemon.
void raw_get_field(lua_State* L, int index, const char* key) {
  if (index < 0 && index > LUA_REGISTRYINDEX) index = lua_gettop(L) + index + 1;
  lua_pushstring(L, key);
  lua_rawget(L, index);
}

// t[key] = value for the table on top of the stack (key first: no lua_insert).
void raw_set_number(lua_State* L, const char* key, lua_Number value) {
  lua_pushstring(L, key);
  lua_pushnumber(L, value);
  lua_rawset(L, -3);
}

// Pushes the reused table cache[k1] (k2 == 0) or cache[k1][k2], creating what is
// missing on first use. k1/k2 are absolute stack indices of the (string) keys. Raw gets
// and sets only: these tables are visible to the script, and the ones that hold the
// results must be filled the same way whatever metatable the script put on them.
void push_reused_table(lua_State* L, int cache_ref, int k1, int k2, int fields) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, cache_ref);
  for (const int key : {k1, k2}) {
    if (key == 0) break;
    lua_pushvalue(L, key);
    lua_rawget(L, -2);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_createtable(L, 0, key == k2 || k2 == 0 ? fields : 0);
      lua_pushvalue(L, key);
      lua_pushvalue(L, -2);
      lua_rawset(L, -4);
    }
    lua_remove(L, -2);  // the level above
  }
}
}  // namespace
namespace {

constexpr int kNoRef = -1;

int lua_absindex_compat(lua_State* L, int index) {
  return index > 0 || index <= LUA_REGISTRYINDEX ? index : lua_gettop(L) + index + 1;
}

StrategyRunner* runner_from(lua_State* L) {
  return static_cast<StrategyRunner*>(lua_touserdata(L, lua_upvalueindex(1)));
}

std::string_view check_string_view(lua_State* L, int index) {
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, index, &len);
  return {s, len};
}

// ---- ctx:propose: every field read and checked, a refusal names the field ----
//
// The reader runs inside the script's protected call (ctx:propose is called from Lua),
// so reading the table through its metamethods is allowed. It never raises itself: the
// first problem is kept in `error` and lua_propose raises once, after the C++ objects
// it built are gone.
class ProposalReader {
 public:
  enum class Sign { any, non_negative, positive };

  ProposalReader(lua_State* L, int table) : L_(L), table_(table) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  // A string; absent = empty. `required` also refuses the empty string.
  std::string text(const char* field, bool required) {
    std::string out;
    if (failed()) return out;
    lua_getfield(L_, table_, field);
    if (lua_type(L_, -1) == LUA_TSTRING) {
      std::size_t len = 0;
      const char* s = lua_tolstring(L_, -1, &len);
      out.assign(s, len);
      if (required && out.empty()) fail(field, "must be a non-empty string");
    } else if (!lua_isnil(L_, -1)) {
      fail(field, required ? "must be a non-empty string" : "must be a string", got());
    } else if (required) {
      fail(field, "is required (a non-empty string)");
    }
    lua_pop(L_, 1);
    return out;
  }

  // A finite number of the given sign, at most `max`; absent = nullopt.
  std::optional<double> number(const char* field, Sign sign, bool required, double max = HUGE_VAL) {
    std::optional<double> out;
    if (failed()) return out;
    lua_getfield(L_, table_, field);
    // The expectation text is built on a refusal only: this runs for every field of
    // every proposal, and formatting it (an ostringstream) cost more than the read.
    if (lua_type(L_, -1) == LUA_TNUMBER) {
      const double v = lua_tonumber(L_, -1);
      const bool ok = std::isfinite(v) && v <= max &&
                      (sign == Sign::any || (sign == Sign::non_negative ? v >= 0 : v > 0));
      if (ok) {
        out = v;
      } else {
        fail(field, "must be " + expectation(sign, max), got());
      }
    } else if (!lua_isnil(L_, -1)) {
      fail(field, "must be " + expectation(sign, max), got());
    } else if (required) {
      fail(field, "is required (" + expectation(sign, max) + ")");
    }
    lua_pop(L_, 1);
    return out;
  }

  bool boolean(const char* field) {
    bool out = false;
    if (failed()) return out;
    lua_getfield(L_, table_, field);
    if (lua_type(L_, -1) == LUA_TBOOLEAN) {
      out = lua_toboolean(L_, -1) != 0;
    } else if (!lua_isnil(L_, -1)) {
      fail(field, "must be a boolean", got());
    }
    lua_pop(L_, 1);
    return out;
  }

  // One of `choices`; absent = `fallback` (empty: required).
  std::string choice(const char* field, std::initializer_list<const char*> choices, const char* fallback) {
    std::string out;
    if (failed()) return out;
    lua_getfield(L_, table_, field);
    const bool is_string = lua_type(L_, -1) == LUA_TSTRING;
    if (is_string) out = lua_tostring(L_, -1);
    if (lua_isnil(L_, -1) && *fallback != '\0') {
      out = fallback;
    } else if (std::none_of(choices.begin(), choices.end(), [&](const char* c) { return out == c; })) {
      std::string expected;  // built on a refusal only (hot path)
      for (const char* c : choices) expected += (expected.empty() ? "\"" : " or \"") + std::string(c) + "\"";
      fail(field, "must be " + expected, lua_isnil(L_, -1) ? std::string() : got());
    }
    lua_pop(L_, 1);
    return out;
  }

  // A field that belongs to the other kind: refused, so a mix-up is caught, not ignored.
  void absent(const char* field, const char* kind, const char* instead) {
    if (failed()) return;
    lua_getfield(L_, table_, field);
    if (!lua_isnil(L_, -1)) fail(field, std::string("is not used by kind \"") + kind + "\" (" + instead + ")");
    lua_pop(L_, 1);
  }

  void fail(const char* field, const std::string& what, const std::string& got = {}) {
    if (failed()) return;
    error_ = std::string("ctx:propose: field '") + field + "' " + what;
    if (!got.empty()) error_ += ", got " + got;
  }

  void fail(const std::string& message) {
    if (!failed()) error_ = "ctx:propose: " + message;
  }

 private:
  static std::string expectation(Sign sign, double max) {
    std::string out = "a finite number";
    if (sign == Sign::non_negative) out += " >= 0";
    if (sign == Sign::positive) out += " > 0";
    if (max != HUGE_VAL) {
      std::ostringstream bound;
      bound << max;
      out += (sign == Sign::any ? " <= " : " and <= ") + bound.str();
    }
    return out;
  }

  // The value on top of the stack, for the message: numbers and strings as themselves.
  std::string got() const {
    switch (lua_type(L_, -1)) {
      case LUA_TNUMBER: {
        std::ostringstream out;
        out << lua_tonumber(L_, -1);
        return out.str();
      }
      case LUA_TSTRING: {
        std::string s = lua_tostring(L_, -1);
        if (s.size() > 40) s = s.substr(0, 40) + "...";
        return "\"" + s + "\"";
      }
      default: return std::string("a ") + lua_typename(L_, lua_type(L_, -1));
    }
  }

  lua_State* L_;
  int table_;
  std::string error_;
};

// Limits of the optional guards (anything beyond is a mistake, not a wish).
constexpr double kMaxSlippageBps = 10'000;         // 100 %
constexpr double kMaxTimeGuardMs = 86'400'000;     // one day

// Reads a ctx:propose table into `intent` (strategy already set). See intent.hpp.
void read_intent(ProposalReader& in, Intent& intent) {
  using Sign = ProposalReader::Sign;
  intent.kind = in.choice("kind", {"hedged_pair", "single"}, "hedged_pair");
  if (in.failed()) return;
  intent.symbol = in.text("symbol", true);
  if (intent.kind == "single") {
    for (const char* field : {"long_venue", "short_venue", "long_price", "short_price", "spread_bps", "net_spread_bps"}) {
      in.absent(field, "single", "a single order has venue, side and price");
    }
    intent.venue = in.text("venue", true);
    intent.side = in.choice("side", {"buy", "sell"}, "");
    intent.notional_usdt = in.number("notional_usdt", Sign::positive, true).value_or(0);
    intent.price = in.number("price", Sign::positive, true).value_or(0);
    intent.post_only = in.boolean("post_only");
  } else {
    for (const char* field : {"venue", "side", "price", "post_only"}) {
      in.absent(field, "hedged_pair", "a pair has long_venue, short_venue, long_price and short_price");
    }
    intent.long_venue = in.text("long_venue", true);
    intent.short_venue = in.text("short_venue", true);
    if (!in.failed() && intent.long_venue == intent.short_venue) in.fail("long_venue and short_venue must differ");
    intent.notional_usdt = in.number("notional_usdt", Sign::positive, true).value_or(0);
    intent.spread_bps = in.number("spread_bps", Sign::any, false).value_or(0);
    intent.net_spread_bps = in.number("net_spread_bps", Sign::any, false).value_or(0);
    intent.long_price = in.number("long_price", Sign::positive, false).value_or(0);
    intent.short_price = in.number("short_price", Sign::positive, false).value_or(0);
  }
  intent.max_slippage_bps = in.number("max_slippage_bps", Sign::non_negative, false, kMaxSlippageBps);
  intent.time_guard_ms = in.number("time_guard_ms", Sign::positive, false, kMaxTimeGuardMs);
  intent.reason = in.text("reason", false);
}

// A param's declaration as data for operators (the API and the dashboard show it):
// {type, default, min, max, doc} as declared (absent fields omitted) and the value in use.
nlohmann::json declaration_of(lua_State* L, int decl, const nlohmann::json& value) {
  nlohmann::json out = nlohmann::json::object();
  for (const char* field : {"type", "default", "min", "max", "doc"}) {
    raw_get_field(L, decl, field);
    switch (lua_type(L, -1)) {
      case LUA_TNUMBER: out[field] = lua_tonumber(L, -1); break;
      case LUA_TBOOLEAN: out[field] = lua_toboolean(L, -1) != 0; break;
      case LUA_TSTRING: out[field] = lua_tostring(L, -1); break;
      default: break;
    }
    lua_pop(L, 1);
  }
  if (!out.contains("type")) out["type"] = "number";
  out["value"] = value;
  return out;
}

void push_json_scalar(lua_State* L, const nlohmann::json& value) {
  if (value.is_boolean()) {
    lua_pushboolean(L, value.get<bool>() ? 1 : 0);
  } else if (value.is_number()) {
    lua_pushnumber(L, value.get<double>());
  } else if (value.is_string()) {
    lua_pushstring(L, value.get<std::string>().c_str());
  } else {
    lua_pushnil(L);
  }
}

// Validates one configured (or default) value against its Lua declaration
// `{type = "number"|"integer"|"boolean"|"string", default = …, min = …, max = …}`.
Result<nlohmann::json> resolve_param(lua_State* L, int decl, const std::string& key,
                                     const nlohmann::json* configured, const std::string& where) {
  raw_get_field(L, decl, "type");
  const std::string type = lua_isstring(L, -1) ? lua_tostring(L, -1) : "number";
  lua_pop(L, 1);
  nlohmann::json value;
  if (configured != nullptr) {
    value = *configured;
  } else {
    raw_get_field(L, decl, "default");
    switch (lua_type(L, -1)) {
      case LUA_TNUMBER: value = lua_tonumber(L, -1); break;
      case LUA_TBOOLEAN: value = lua_toboolean(L, -1) != 0; break;
      case LUA_TSTRING: value = lua_tostring(L, -1); break;
      default: break;
    }
    lua_pop(L, 1);
    if (value.is_null()) {
      return make_error(Errc::script_error, where + ": param '" + key + "' has no default and is not configured");
    }
  }
  const bool numeric = type == "number" || type == "integer";
  if ((numeric && !value.is_number()) || (type == "boolean" && !value.is_boolean()) ||
      (type == "string" && !value.is_string())) {
    return make_error(Errc::script_error, where + ": param '" + key + "' must be a " + type + ", got " + value.dump());
  }
  if (type == "integer" && std::floor(value.get<double>()) != value.get<double>()) {
    return make_error(Errc::script_error, where + ": param '" + key + "' must be an integer, got " + value.dump());
  }
  if (numeric) {
    const double v = value.get<double>();
    for (const char* bound : {"min", "max"}) {
      raw_get_field(L, decl, bound);
      if (lua_type(L, -1) == LUA_TNUMBER) {
        const double b = lua_tonumber(L, -1);
        const bool bad = bound[1] == 'i' ? v < b : v > b;
        if (bad) {
          lua_pop(L, 1);
          std::ostringstream msg;
          msg << where << ": param '" << key << "' = " << v << " is " << (bound[1] == 'i' ? "below" : "above")
              << " its " << bound << " " << b;
          return make_error(Errc::script_error, msg.str());
        }
      }
      lua_pop(L, 1);
    }
  }
  return value;
}


// ---- Lua state ⇄ JSON (plain data only, bounded) ----

struct ToJson {
  lua_State* L;
  const StateLimits& limits;
  std::size_t values = 0;
  std::size_t bytes = 0;
  std::vector<const void*> open;  // tables on the current path: a repeat is a cycle
  std::string error;

  bool fail(const std::string& path, const std::string& why) {
    if (error.empty()) error = path + ": " + why;
    return false;
  }

  bool count(const std::string& path, std::size_t more_bytes) {
    ++values;
    bytes += more_bytes;
    if (values > limits.max_values) {
      return fail(path, "state has more than " + std::to_string(limits.max_values) + " values");
    }
    if (bytes > limits.max_bytes) {
      return fail(path, "state is larger than " + std::to_string(limits.max_bytes) + " bytes of keys and strings");
    }
    return true;
  }

  // Converts the value at absolute stack index `index`.
  bool convert(int index, const std::string& path, int depth, nlohmann::json& out) {
    switch (lua_type(L, index)) {
      case LUA_TNIL: out = nullptr; return count(path, 0);
      case LUA_TBOOLEAN: out = lua_toboolean(L, index) != 0; return count(path, 0);
      case LUA_TNUMBER: {
        const double v = lua_tonumber(L, index);
        if (!std::isfinite(v)) return fail(path, "a non-finite number cannot be saved");
        if (std::floor(v) == v && std::fabs(v) < 9007199254740992.0) {
          out = static_cast<std::int64_t>(v);
        } else {
          out = v;
        }
        return count(path, 0);
      }
      case LUA_TSTRING: {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, index, &len);
        out = std::string(s, len);
        return count(path, len);
      }
      case LUA_TTABLE: return convert_table(index, path, depth, out);
      default:
        return fail(path, std::string("a ") + lua_typename(L, lua_type(L, index)) +
                              " cannot be saved (state must be plain data: tables, strings, numbers, booleans)");
    }
  }

  bool convert_table(int index, const std::string& path, int depth, nlohmann::json& out) {
    if (depth >= limits.max_depth) {
      return fail(path, "state is nested deeper than " + std::to_string(limits.max_depth) + " tables");
    }
    const void* self = lua_topointer(L, index);
    if (std::find(open.begin(), open.end(), self) != open.end()) {
      return fail(path, "state contains a cycle (a table that contains itself)");
    }
    if (!count(path, 0)) return false;
    if (lua_checkstack(L, 4) == 0) return fail(path, "Lua stack exhausted");
    // Shape: a 1..n sequence becomes an array, string keys an object, anything else is
    // refused (a JSON round trip could not give it back).
    std::size_t keys = 0, strings = 0;
    double max_index = 0;
    bool other = false;
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
      ++keys;
      if (lua_type(L, -2) == LUA_TSTRING) {
        ++strings;
      } else if (lua_type(L, -2) == LUA_TNUMBER) {
        const double k = lua_tonumber(L, -2);
        if (k >= 1 && std::floor(k) == k) {
          max_index = std::max(max_index, k);
        } else {
          other = true;
        }
      } else {
        other = true;
      }
      lua_pop(L, 1);
    }
    open.push_back(self);
    bool ok = true;
    if (keys == 0 || strings == keys) {
      out = nlohmann::json::object();
      lua_pushnil(L);
      while (ok && lua_next(L, index) != 0) {
        std::size_t len = 0;
        const char* k = lua_tolstring(L, -2, &len);  // a string key: no in-place conversion
        std::string key(k, len);
        ok = count(path, len) && convert(lua_gettop(L), path + "." + key, depth + 1, out[key]);
        lua_pop(L, ok ? 1 : 2);
      }
    } else if (!other && strings == 0 && max_index == static_cast<double>(keys)) {
      out = nlohmann::json::array();
      for (std::size_t i = 1; ok && i <= keys; ++i) {
        lua_rawgeti(L, index, static_cast<int>(i));
        nlohmann::json item;
        ok = convert(lua_gettop(L), path + "[" + std::to_string(i) + "]", depth + 1, item);
        lua_pop(L, 1);
        if (ok) out.push_back(std::move(item));
      }
    } else {
      ok = fail(path, "a table must have only string keys or be a 1..n sequence to be saved");
    }
    open.pop_back();
    return ok;
  }
};

Result<nlohmann::json> lua_to_json(lua_State* L, int index, const StateLimits& limits) {
  ToJson conv{L, limits, 0, 0, {}, {}};
  const int top = lua_gettop(L);
  nlohmann::json out;
  const bool ok = conv.convert(lua_absindex_compat(L, index), "state", 0, out);
  lua_settop(L, top);
  if (!ok) return make_error(Errc::script_error, conv.error);
  if (out.is_null()) out = nlohmann::json::object();
  return out;
}

struct FromJson {
  const nlohmann::json* value;
  const StateLimits* limits;
};

void push_json(lua_State* L, const nlohmann::json& value, int depth, const StateLimits& limits) {
  if (depth > limits.max_depth) luaL_error(L, "previous state is nested deeper than %d tables", limits.max_depth);
  if (lua_checkstack(L, 3) == 0) luaL_error(L, "Lua stack exhausted");
  if (value.is_object()) {
    lua_createtable(L, 0, static_cast<int>(value.size()));
    for (const auto& [key, item] : value.items()) {
      if (item.is_null()) continue;
      lua_pushlstring(L, key.data(), key.size());
      push_json(L, item, depth + 1, limits);
      lua_rawset(L, -3);
    }
  } else if (value.is_array()) {
    lua_createtable(L, static_cast<int>(value.size()), 0);
    int i = 0;
    for (const auto& item : value) {
      push_json(L, item, depth + 1, limits);
      lua_rawseti(L, -2, ++i);
    }
  } else if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    lua_pushlstring(L, s.data(), s.size());
  } else {
    push_json_scalar(L, value);
  }
}

// A C function run through LuaSandbox::call, so that running out of Lua memory while
// building the table is a fault, not a panic.
int push_json_protected(lua_State* L) {
  const auto* in = static_cast<const FromJson*>(lua_touserdata(L, lua_upvalueindex(1)));
  push_json(L, *in->value, 0, *in->limits);
  return 1;
}

}  // namespace

StrategyRunner::StrategyRunner(std::string name, SandboxLimits limits, const Clock& clock,
                               const MarketView& market, int max_consecutive_faults, LogSink log,
                               StrategyEnv env)
    : name_(std::move(name)),
      clock_(clock),
      market_(market),
      max_consecutive_faults_(max_consecutive_faults),
      log_(std::move(log)),
      env_(std::move(env)),
      sandbox_(limits, clock) {}

StrategyRunner::~StrategyRunner() = default;

Result<std::unique_ptr<StrategyRunner>> StrategyRunner::load(const StrategySpec& spec, SandboxLimits limits,
                                                             const Clock& clock, const MarketView& market,
                                                             int max_consecutive_faults, LogSink log, StrategyEnv env,
                                                             std::optional<nlohmann::json> previous_state) {
  std::unique_ptr<StrategyRunner> runner(new StrategyRunner(spec.name, limits, clock, market, max_consecutive_faults,
                                                            std::move(log), std::move(env)));
  if (auto ok = runner->init(spec, std::move(previous_state)); !ok) return ok.error();
  return runner;
}

Result<void> StrategyRunner::init(const StrategySpec& spec, std::optional<nlohmann::json> previous_state) {
  std::string source;
  if (spec.source) {
    source = *spec.source;
  } else {
    std::ifstream in(spec.path, std::ios::binary);
    if (!in) return make_error(Errc::not_found, spec.display_name + ": cannot read strategy file " + spec.path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    source = std::move(buffer).str();
  }

  lua_State* L = sandbox_.state();
  ScriptFault fault;
  if (auto loaded = sandbox_.load_module(source, spec.display_name, &fault); !loaded) {
    return make_error(Errc::script_error, fault.message);
  }
  const std::string where = spec.display_name;
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return make_error(Errc::script_error, where + ": the strategy must return a table (its module)");
  }
  const int module = lua_gettop(L);

  raw_get_field(L, module, "name");
  const std::string declared = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  if (declared != spec.name) {
    lua_settop(L, module - 1);
    return make_error(Errc::script_error, where + ": module name '" + declared + "' does not match the configured strategy '" +
                                              spec.name + "'");
  }
  raw_get_field(L, module, "on_book");
  if (!lua_isfunction(L, -1)) {
    lua_settop(L, module - 1);
    return make_error(Errc::script_error, where + ": the module has no on_book(ctx, ev) function");
  }
  on_book_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  // Optional callbacks: absent (nil) is fine, anything else but a function is a mistake.
  for (auto [field, ref] : {std::pair{"on_fill", &on_fill_ref_}, std::pair{"on_timer", &on_timer_ref_},
                            std::pair{"on_stop", &on_stop_ref_}, std::pair{"on_start", static_cast<int*>(nullptr)},
                            std::pair{"migrate", static_cast<int*>(nullptr)}}) {
    raw_get_field(L, module, field);
    const bool absent = lua_isnil(L, -1);
    if (!absent && !lua_isfunction(L, -1)) {
      lua_settop(L, module - 1);
      return make_error(Errc::script_error, where + ": module field '" + field + "' must be a function");
    }
    if (ref != nullptr && !absent) {
      *ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
      lua_pop(L, 1);
    }
  }

  // ctx.params: declared params, configured values over defaults, each validated.
  params_ = nlohmann::json::object();
  param_specs_ = nlohmann::json::object();
  lua_newtable(L);
  const int params_table = lua_gettop(L);
  raw_get_field(L, module, "params");
  const int decls = lua_gettop(L);
  if (lua_istable(L, decls)) {
    lua_pushnil(L);
    while (lua_next(L, decls) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
        lua_settop(L, module - 1);
        return make_error(Errc::script_error, where + ": params must map names to declarations {type, default, min, max}");
      }
      const std::string key = lua_tostring(L, -2);
      const nlohmann::json* configured = spec.params.contains(key) ? &spec.params.at(key) : nullptr;
      auto value = resolve_param(L, lua_gettop(L), key, configured, where);
      if (!value) {
        lua_settop(L, module - 1);
        return value.error();
      }
      params_[key] = *value;
      param_specs_[key] = declaration_of(L, lua_gettop(L), *value);
      push_json_scalar(L, *value);
      lua_setfield(L, params_table, key.c_str());
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);  // declarations
  for (const auto& [key, value] : spec.params.items()) {
    if (!params_.contains(key)) {
      lua_settop(L, module - 1);
      return make_error(Errc::script_error, where + ": configured param '" + key + "' is not declared by the strategy");
    }
  }

  // ctx: built once; its methods reach this runner through an upvalue.
  lua_newtable(L);
  const int ctx = lua_gettop(L);
  lua_pushvalue(L, params_table);
  lua_setfield(L, ctx, "params");
  const std::pair<const char*, lua_CFunction> methods[] = {
      {"venues", &StrategyRunner::lua_venues}, {"book", &StrategyRunner::lua_book},
      {"fill_price", &StrategyRunner::lua_fill_price}, {"now_ms", &StrategyRunner::lua_now_ms},
      {"log", &StrategyRunner::lua_log}, {"propose", &StrategyRunner::lua_propose},
      {"position", &StrategyRunner::lua_position}, {"fees", &StrategyRunner::lua_fees},
      {"funding", &StrategyRunner::lua_funding}, {"set_timer", &StrategyRunner::lua_set_timer},
      {"cancel_timer", &StrategyRunner::lua_cancel_timer}, {"regime", &StrategyRunner::lua_regime},
      {"budget", &StrategyRunner::lua_budget},
  };
  for (const auto& [method, fn] : methods) {
    lua_pushlightuserdata(L, this);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, ctx, method);
  }
  lua_newtable(L);
  lua_setfield(L, ctx, "state");
  ctx_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);  // params table
  lua_createtable(L, 0, 2);
  event_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 8);
  fill_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  // The caches of the reused result tables (ctx:book, ctx:regime, …), filled on first use.
  for (int* ref : {&books_ref_, &funding_ref_, &fees_ref_, &regimes_ref_}) {
    lua_newtable(L);
    *ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  lua_createtable(L, static_cast<int>(market_.venue_ids().size()), 0);
  venues_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 5);
  budget_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  module_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);

  if (previous_state) {
    if (auto migrated = migrate_state(*previous_state, where); !migrated) return migrated.error();
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, module_ref_);
  raw_get_field(L, -1, "on_start");
  lua_remove(L, -2);
  if (lua_isfunction(L, -1)) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
    if (!run_callback("on_start", 1, nullptr)) {
      return make_error(Errc::script_error, "on_start failed at " + stats_.last_fault->located());
    }
  } else {
    lua_pop(L, 1);
  }
  return {};
}

Result<void> StrategyRunner::migrate_state(const nlohmann::json& previous, const std::string& where) {
  lua_State* L = sandbox_.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, module_ref_);
  raw_get_field(L, -1, "migrate");
  lua_remove(L, -2);
  if (!lua_isfunction(L, -1)) {
    lua_pop(L, 1);
    if (log_) log_(name_, "previous state dropped: the new version has no migrate(old_state)");
    return {};
  }
  FromJson in{&previous, &env_.state_limits};
  lua_pushlightuserdata(L, &in);
  lua_pushcclosure(L, &push_json_protected, 1);
  ScriptFault fault;
  if (!sandbox_.call(0, 1, &fault)) {
    lua_pop(L, 1);  // migrate
    return make_error(Errc::script_error, where + ": previous state cannot be loaded: " + fault.message);
  }
  if (!sandbox_.call(1, 1, &fault)) {
    return make_error(Errc::script_error, "migrate failed at " + fault.located());
  }
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
  } else if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return make_error(Errc::script_error, where + ": migrate(old_state) must return a table (the new ctx.state) or nil");
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
  lua_insert(L, -2);
  raw_set_field(L, "state");
  lua_pop(L, 1);
  return {};
}

bool StrategyRunner::run_callback(const char* callback, int nargs, std::vector<Intent>* out) {
  proposed_.clear();
  pending_ = out != nullptr ? &proposed_ : nullptr;
  ++stats_.calls;
  ScriptFault fault;
  const bool ok = sandbox_.call(nargs, 0, &fault);
  pending_ = nullptr;
  if (!ok) {
    proposed_.clear();  // half a decision is no decision
    record_fault(callback, std::move(fault));
    return false;
  }
  stats_.consecutive_faults = 0;
  if (out != nullptr && !proposed_.empty()) {
    stats_.intents += proposed_.size();
    for (auto& intent : proposed_) out->push_back(std::move(intent));
    proposed_.clear();
  }
  return true;
}

void StrategyRunner::on_book(const BookEvent& event, std::vector<Intent>& out) {
  if (stats_.frozen || stopped_) return;
  lua_State* L = sandbox_.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, on_book_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, event_ref_);
  lua_pushlstring(L, event.venue.data(), event.venue.size());
  raw_set_field(L, "venue");
  lua_pushlstring(L, event.symbol.data(), event.symbol.size());
  raw_set_field(L, "symbol");
  run_callback("on_book", 2, &out);
}

void StrategyRunner::on_fill(const FillEvent& fill, std::vector<Intent>& out) {
  if (stats_.frozen || stopped_ || on_fill_ref_ == kNoRef) return;
  lua_State* L = sandbox_.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, on_fill_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, fill_ref_);
  lua_pushlstring(L, fill.venue.data(), fill.venue.size());
  raw_set_field(L, "venue");
  lua_pushlstring(L, fill.symbol.data(), fill.symbol.size());
  raw_set_field(L, "symbol");
  lua_pushlstring(L, fill.side.data(), fill.side.size());
  raw_set_field(L, "side");
  lua_pushnumber(L, fill.price);
  raw_set_field(L, "price");
  lua_pushnumber(L, fill.qty);
  raw_set_field(L, "qty");
  lua_pushnumber(L, fill.fee);
  raw_set_field(L, "fee");
  lua_pushboolean(L, fill.maker ? 1 : 0);
  raw_set_field(L, "maker");
  lua_pushlstring(L, fill.client_order_id.data(), fill.client_order_id.size());
  raw_set_field(L, "client_order_id");
  run_callback("on_fill", 2, &out);
}

std::size_t StrategyRunner::fire_due_timers(MonoTime now, std::vector<Intent>& out) {
  if (stats_.frozen || stopped_ || timers_.empty()) return 0;
  due_.clear();
  for (const auto& [name, timer] : timers_) {
    if (timer.deadline <= now) due_.push_back({timer.deadline, name, timer.generation});
  }
  if (due_.empty()) return 0;
  std::sort(due_.begin(), due_.end(), [](const DueTimer& a, const DueTimer& b) { return a.deadline < b.deadline; });
  lua_State* L = sandbox_.state();
  const auto now_ms = static_cast<lua_Number>(to_unix_ms(clock_.utc()));
  std::size_t fired = 0;
  for (const auto& due : due_) {
    if (stats_.frozen) break;
    // An earlier callback of this round may have cancelled or replaced this timer.
    const auto it = timers_.find(due.name);
    if (it == timers_.end() || it->second.generation != due.generation) continue;
    if (it->second.repeat) {
      it->second.deadline += it->second.period;
      if (it->second.deadline <= now) it->second.deadline = now + it->second.period;  // skip missed periods
    } else {
      timers_.erase(it);
    }
    ++fired;
    lua_rawgeti(L, LUA_REGISTRYINDEX, on_timer_ref_);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
    lua_pushlstring(L, due.name.data(), due.name.size());
    lua_pushnumber(L, now_ms);
    run_callback("on_timer", 3, &out);
  }
  return fired;
}

std::optional<MonoTime> StrategyRunner::next_timer_deadline() const {
  std::optional<MonoTime> next;
  for (const auto& [name, timer] : timers_) {
    if (!next || timer.deadline < *next) next = timer.deadline;
  }
  return next;
}

Result<nlohmann::json> StrategyRunner::stop() {
  if (stopped_) return make_error(Errc::conflict, "strategy '" + name_ + "' is already stopped");
  stopped_ = true;
  timers_.clear();
  lua_State* L = sandbox_.state();
  const int top = lua_gettop(L);
  if (on_stop_ref_ != kNoRef && !stats_.frozen) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, on_stop_ref_);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
    ++stats_.calls;
    ScriptFault fault;
    if (!sandbox_.call(1, 1, &fault)) {
      std::string message = "on_stop failed at " + fault.located();
      record_fault("on_stop", std::move(fault));
      return make_error(Errc::script_error, message);
    }
    stats_.consecutive_faults = 0;
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
    } else if (!lua_istable(L, -1)) {
      lua_settop(L, top);
      return make_error(Errc::script_error, "on_stop must return a table (the state to migrate) or nil");
    }
  }
  if (lua_gettop(L) == top) return ctx_state_json();  // no on_stop, frozen, or it returned nil
  auto state = lua_to_json(L, -1, env_.state_limits);
  lua_settop(L, top);
  return state;
}

Result<nlohmann::json> StrategyRunner::state_snapshot() {
  if (stopped_) return make_error(Errc::conflict, "strategy '" + name_ + "' is stopped");
  return ctx_state_json();
}

Result<nlohmann::json> StrategyRunner::ctx_state_json() {
  lua_State* L = sandbox_.state();
  const int top = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
  lua_pushstring(L, "state");
  lua_rawget(L, -2);  // raw: a metatable the script put on ctx must not run here
  lua_remove(L, -2);
  if (!lua_istable(L, -1) && !lua_isnil(L, -1)) {
    lua_settop(L, top);
    return make_error(Errc::script_error, "ctx.state must be a table to be saved");
  }
  auto state = lua_to_json(L, -1, env_.state_limits);
  lua_settop(L, top);
  return state;
}

void StrategyRunner::record_fault(const char* callback, ScriptFault fault) {
  ++stats_.faults;
  ++stats_.consecutive_faults;
  if (log_) log_(name_, std::string(callback) + " failed at " + fault.located());
  if (static_cast<int>(stats_.consecutive_faults) >= max_consecutive_faults_) {
    stats_.frozen = true;
    stats_.freeze_reason = std::to_string(stats_.consecutive_faults) + " consecutive script faults, last in " +
                           callback + " at " + fault.where() + ": " + fault.message;
    if (log_) log_(name_, "frozen: " + stats_.freeze_reason);
  }
  stats_.last_fault = std::move(fault);
}

int StrategyRunner::lua_venues(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto& ids = self->market_.venue_ids();
  lua_rawgeti(L, LUA_REGISTRYINDEX, self->venues_ref_);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    lua_pushlstring(L, ids[i].data(), ids[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
  // Whatever the script appended last time goes: the list is exactly the venues.
  for (int i = static_cast<int>(ids.size()) + 1;; ++i) {
    lua_rawgeti(L, -1, i);
    const bool more = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!more) break;
    lua_pushnil(L);
    lua_rawseti(L, -2, i);
  }
  return 1;
}

int StrategyRunner::lua_book(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto venue = check_string_view(L, 2);
  const auto symbol = check_string_view(L, 3);
  const md::OrderBook* book = self->market_.book(venue, symbol);
  if (book == nullptr || !book->valid()) {
    lua_pushnil(L);
    return 1;
  }
  const auto bid = book->best_bid();
  const auto ask = book->best_ask();
  if (!bid || !ask) {
    lua_pushnil(L);
    return 1;
  }
  const auto& spec = book->spec();
  const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(self->clock_.now() - book->last_update());
  push_reused_table(L, self->books_ref_, 2, 3, 7);
  raw_set_number(L, "bid", spec.price_of(bid->price_ticks));
  raw_set_number(L, "ask", spec.price_of(ask->price_ticks));
  raw_set_number(L, "bid_qty", spec.qty_of(bid->qty_lots));
  raw_set_number(L, "ask_qty", spec.qty_of(ask->qty_lots));
  raw_set_number(L, "mid", book->mid_price().value_or(0));
  raw_set_number(L, "spread_bps", book->spread_bps().value_or(0));
  raw_set_number(L, "age_ms", static_cast<lua_Number>(age.count()));
  return 1;
}

int StrategyRunner::lua_fill_price(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto venue = check_string_view(L, 2);
  const auto symbol = check_string_view(L, 3);
  const auto side = check_string_view(L, 4);
  const double notional = luaL_checknumber(L, 5);
  if (side != "buy" && side != "sell") return luaL_error(L, "ctx:fill_price: side must be \"buy\" or \"sell\"");
  if (!(notional > 0)) return luaL_error(L, "ctx:fill_price: notional must be a positive number");
  const md::OrderBook* book = self->market_.book(venue, symbol);
  if (book == nullptr || !book->valid()) {
    lua_pushnil(L);
    return 1;
  }
  const auto fill = book->fill_for_notional(side == "buy" ? md::Side::ask : md::Side::bid, notional);
  if (!fill.complete) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushnumber(L, fill.avg_price);
  return 1;
}

int StrategyRunner::lua_now_ms(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  lua_pushnumber(L, static_cast<lua_Number>(to_unix_ms(self->clock_.utc())));
  return 1;
}

int StrategyRunner::lua_log(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto message = check_string_view(L, 2);
  if (self->log_) self->log_(self->name_, std::string(message));
  return 0;
}

int StrategyRunner::lua_propose(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  if (self->pending_ == nullptr) {
    return luaL_error(L, "ctx:propose may only be called from on_book, on_fill or on_timer");
  }
  char message[256];
  {
    ProposalReader in(L, 2);
    Intent intent;
    intent.strategy = self->name_;
    read_intent(in, intent);
    if (!in.failed()) {
      self->pending_->push_back(std::move(intent));
      return 0;
    }
    std::snprintf(message, sizeof message, "%s", in.error().c_str());
  }
  return luaL_error(L, "%s", message);  // raised with no C++ object alive on this frame
}

int StrategyRunner::lua_position(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto venue = check_string_view(L, 2);
  const auto symbol = check_string_view(L, 3);
  const double qty = self->env_.positions != nullptr ? self->env_.positions->position(venue, symbol) : 0.0;
  lua_pushnumber(L, qty);
  return 1;
}

int StrategyRunner::lua_fees(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto venue = check_string_view(L, 2);
  const auto it = self->env_.fees.find(venue);
  const FeeSchedule& fees = it != self->env_.fees.end() ? it->second : self->env_.default_fees;
  // One reused table per known venue; a name the desk does not know gets a fresh one,
  // so a script cannot grow the cache without bound.
  const auto& ids = self->market_.venue_ids();
  if (it != self->env_.fees.end() || std::find(ids.begin(), ids.end(), venue) != ids.end()) {
    push_reused_table(L, self->fees_ref_, 2, 0, 2);
  } else {
    lua_createtable(L, 0, 2);
  }
  raw_set_number(L, "maker_bps", fees.maker_bps);
  raw_set_number(L, "taker_bps", fees.taker_bps);
  return 1;
}

int StrategyRunner::lua_funding(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto venue = check_string_view(L, 2);
  const auto symbol = check_string_view(L, 3);
  const auto funding = self->market_.funding(venue, symbol);
  if (!funding) {
    lua_pushnil(L);
    return 1;
  }
  push_reused_table(L, self->funding_ref_, 2, 3, 4);
  raw_set_number(L, "rate", funding->rate);
  raw_set_number(L, "mark_price", funding->mark_price);
  raw_set_number(L, "index_price", funding->index_price);
  raw_set_number(L, "next_funding_ms", static_cast<lua_Number>(funding->next_funding_ms));
  return 1;
}

int StrategyRunner::lua_regime(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto symbol = check_string_view(L, 2);
  const auto regime = self->market_.regime(symbol);
  if (!regime) {
    lua_pushnil(L);
    return 1;
  }
  push_reused_table(L, self->regimes_ref_, 2, 0, 2);
  lua_pushlstring(L, regime->regime.data(), regime->regime.size());
  raw_set_field(L, "regime");
  raw_set_number(L, "confidence", regime->confidence);
  return 1;
}

int StrategyRunner::lua_budget(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const BudgetView& budget = self->env_.budget;
  const bool limited = budget.max_total_notional_usdt > 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, self->budget_ref_);
  raw_set_number(L, "max_position_notional_usdt", budget.max_position_notional_usdt);
  raw_set_number(L, "max_total_notional_usdt", budget.max_total_notional_usdt);
  raw_set_number(L, "open_notional_usdt", budget.open_notional_usdt);
  raw_set_number(L, "remaining_usdt",
                 limited ? std::max(0.0, budget.max_total_notional_usdt - budget.open_notional_usdt) : HUGE_VAL);
  lua_pushboolean(L, limited ? 1 : 0);
  raw_set_field(L, "limited");
  return 1;
}

int StrategyRunner::lua_set_timer(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto name = check_string_view(L, 2);
  const double ms = luaL_checknumber(L, 3);
  const bool repeat = lua_toboolean(L, 4) != 0;
  if (self->on_timer_ref_ == kNoRef) return luaL_error(L, "ctx:set_timer: the strategy has no on_timer(ctx, name, now_ms)");
  if (name.empty()) return luaL_error(L, "ctx:set_timer: name must not be empty");
  if (!std::isfinite(ms) || ms < 1 || ms > 86'400'000) {
    return luaL_error(L, "ctx:set_timer: ms must be a number in [1, 86400000]");
  }
  auto it = self->timers_.find(name);
  if (it == self->timers_.end()) {
    if (self->timers_.size() >= self->env_.max_timers) {
      return luaL_error(L, "ctx:set_timer: at most %d timers per strategy", static_cast<int>(self->env_.max_timers));
    }
    it = self->timers_.emplace(std::string(name), Timer{}).first;
  }
  const auto period = std::chrono::duration_cast<Nanos>(std::chrono::duration<double, std::milli>(ms));
  it->second = Timer{self->clock_.now() + period, period, repeat, ++self->timer_generation_};
  return 0;
}

int StrategyRunner::lua_cancel_timer(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto name = check_string_view(L, 2);
  const auto it = self->timers_.find(name);
  const bool found = it != self->timers_.end();
  if (found) self->timers_.erase(it);
  lua_pushboolean(L, found ? 1 : 0);
  return 1;
}

}  // namespace propbot::scripting
