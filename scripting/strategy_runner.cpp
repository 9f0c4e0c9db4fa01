#include "scripting/strategy_runner.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {
namespace {

StrategyRunner* runner_from(lua_State* L) {
  return static_cast<StrategyRunner*>(lua_touserdata(L, lua_upvalueindex(1)));
}

std::string_view check_string_view(lua_State* L, int index) {
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, index, &len);
  return {s, len};
}

// Reads t[field] as a string; empty when absent. Raises a script error naming the
// field when present with the wrong type.
std::string string_field(lua_State* L, int table, const char* field, bool required) {
  lua_getfield(L, table, field);
  std::string out;
  if (lua_type(L, -1) == LUA_TSTRING) {
    out = lua_tostring(L, -1);
  } else if (!lua_isnil(L, -1) || required) {
    lua_pop(L, 1);
    luaL_error(L, "ctx:propose: field '%s' must be a string", field);
  }
  lua_pop(L, 1);
  if (required && out.empty()) luaL_error(L, "ctx:propose: field '%s' must not be empty", field);
  return out;
}

double number_field(lua_State* L, int table, const char* field, bool required) {
  lua_getfield(L, table, field);
  double out = 0;
  if (lua_type(L, -1) == LUA_TNUMBER) {
    out = lua_tonumber(L, -1);
    if (!std::isfinite(out)) {
      lua_pop(L, 1);
      luaL_error(L, "ctx:propose: field '%s' must be a finite number", field);
    }
  } else if (!lua_isnil(L, -1) || required) {
    lua_pop(L, 1);
    luaL_error(L, "ctx:propose: field '%s' must be a number", field);
  }
  lua_pop(L, 1);
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
  lua_getfield(L, decl, "type");
  const std::string type = lua_isstring(L, -1) ? lua_tostring(L, -1) : "number";
  lua_pop(L, 1);
  nlohmann::json value;
  if (configured != nullptr) {
    value = *configured;
  } else {
    lua_getfield(L, decl, "default");
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
      lua_getfield(L, decl, bound);
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

}  // namespace

StrategyRunner::StrategyRunner(std::string name, SandboxLimits limits, const Clock& clock,
                               const MarketView& market, int max_consecutive_faults, LogSink log)
    : name_(std::move(name)),
      clock_(clock),
      market_(market),
      max_consecutive_faults_(max_consecutive_faults),
      log_(std::move(log)),
      sandbox_(limits, clock) {}

StrategyRunner::~StrategyRunner() = default;

Result<std::unique_ptr<StrategyRunner>> StrategyRunner::load(const StrategySpec& spec, SandboxLimits limits,
                                                             const Clock& clock, const MarketView& market,
                                                             int max_consecutive_faults, LogSink log) {
  std::unique_ptr<StrategyRunner> runner(
      new StrategyRunner(spec.name, limits, clock, market, max_consecutive_faults, std::move(log)));
  if (auto ok = runner->init(spec); !ok) return ok.error();
  return runner;
}

Result<void> StrategyRunner::init(const StrategySpec& spec) {
  std::ifstream in(spec.path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, spec.display_name + ": cannot read strategy file " + spec.path);
  std::stringstream buffer;
  buffer << in.rdbuf();

  lua_State* L = sandbox_.state();
  ScriptFault fault;
  if (auto loaded = sandbox_.load_module(buffer.str(), spec.display_name, &fault); !loaded) {
    return make_error(Errc::script_error, fault.message);
  }
  const std::string where = spec.display_name;
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return make_error(Errc::script_error, where + ": the strategy must return a table (its module)");
  }
  const int module = lua_gettop(L);

  lua_getfield(L, module, "name");
  const std::string declared = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  if (declared != spec.name) {
    lua_settop(L, module - 1);
    return make_error(Errc::script_error, where + ": module name '" + declared + "' does not match the configured strategy '" +
                                              spec.name + "'");
  }
  lua_getfield(L, module, "on_book");
  if (!lua_isfunction(L, -1)) {
    lua_settop(L, module - 1);
    return make_error(Errc::script_error, where + ": the module has no on_book(ctx, ev) function");
  }
  on_book_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);

  // ctx.params: declared params, configured values over defaults, each validated.
  params_ = nlohmann::json::object();
  lua_newtable(L);
  const int params_table = lua_gettop(L);
  lua_getfield(L, module, "params");
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
  };
  for (const auto& [method, fn] : methods) {
    lua_pushlightuserdata(L, this);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, ctx, method);
  }
  ctx_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);  // params table
  lua_newtable(L);
  event_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  module_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  return {};
}

void StrategyRunner::on_book(const BookEvent& event, std::vector<Intent>& out) {
  if (stats_.frozen) return;
  lua_State* L = sandbox_.state();
  std::vector<Intent> proposed;
  pending_ = &proposed;
  ++stats_.calls;
  lua_rawgeti(L, LUA_REGISTRYINDEX, on_book_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, event_ref_);
  lua_pushstring(L, event.venue.c_str());
  lua_setfield(L, -2, "venue");
  lua_pushstring(L, event.symbol.c_str());
  lua_setfield(L, -2, "symbol");
  ScriptFault fault;
  const bool ok = sandbox_.call(2, 0, &fault);
  pending_ = nullptr;
  if (!ok) {
    record_fault(std::move(fault));
    return;
  }
  stats_.consecutive_faults = 0;
  stats_.intents += proposed.size();
  for (auto& intent : proposed) out.push_back(std::move(intent));
}

void StrategyRunner::record_fault(ScriptFault fault) {
  ++stats_.faults;
  ++stats_.consecutive_faults;
  if (log_) log_(name_, "on_book failed at " + fault.where() + ": " + fault.message);
  if (static_cast<int>(stats_.consecutive_faults) >= max_consecutive_faults_) {
    stats_.frozen = true;
    stats_.freeze_reason = std::to_string(stats_.consecutive_faults) + " consecutive script faults, last at " +
                           fault.where() + ": " + fault.message;
    if (log_) log_(name_, "frozen: " + stats_.freeze_reason);
  }
  stats_.last_fault = std::move(fault);
}

int StrategyRunner::lua_venues(lua_State* L) {
  StrategyRunner* self = runner_from(L);
  const auto& ids = self->market_.venue_ids();
  lua_createtable(L, static_cast<int>(ids.size()), 0);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    lua_pushstring(L, ids[i].c_str());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
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
  lua_createtable(L, 0, 7);
  lua_pushnumber(L, spec.price_of(bid->price_ticks));
  lua_setfield(L, -2, "bid");
  lua_pushnumber(L, spec.price_of(ask->price_ticks));
  lua_setfield(L, -2, "ask");
  lua_pushnumber(L, spec.qty_of(bid->qty_lots));
  lua_setfield(L, -2, "bid_qty");
  lua_pushnumber(L, spec.qty_of(ask->qty_lots));
  lua_setfield(L, -2, "ask_qty");
  lua_pushnumber(L, book->mid_price().value_or(0));
  lua_setfield(L, -2, "mid");
  lua_pushnumber(L, book->spread_bps().value_or(0));
  lua_setfield(L, -2, "spread_bps");
  const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(self->clock_.now() - book->last_update());
  lua_pushnumber(L, static_cast<lua_Number>(age.count()));
  lua_setfield(L, -2, "age_ms");
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
  if (self->pending_ == nullptr) return luaL_error(L, "ctx:propose may only be called from a callback");
  Intent intent;
  intent.strategy = self->name_;
  intent.kind = string_field(L, 2, "kind", false);
  if (intent.kind.empty()) intent.kind = "hedged_pair";
  if (intent.kind != "hedged_pair") return luaL_error(L, "ctx:propose: kind '%s' is not supported yet (use \"hedged_pair\")", intent.kind.c_str());
  intent.symbol = string_field(L, 2, "symbol", true);
  intent.long_venue = string_field(L, 2, "long_venue", true);
  intent.short_venue = string_field(L, 2, "short_venue", true);
  if (intent.long_venue == intent.short_venue) return luaL_error(L, "ctx:propose: long_venue and short_venue must differ");
  intent.notional_usdt = number_field(L, 2, "notional_usdt", true);
  if (!(intent.notional_usdt > 0)) return luaL_error(L, "ctx:propose: field 'notional_usdt' must be positive");
  intent.spread_bps = number_field(L, 2, "spread_bps", false);
  intent.net_spread_bps = number_field(L, 2, "net_spread_bps", false);
  intent.long_price = number_field(L, 2, "long_price", false);
  intent.short_price = number_field(L, 2, "short_price", false);
  intent.reason = string_field(L, 2, "reason", false);
  self->pending_->push_back(std::move(intent));
  return 0;
}

}  // namespace propbot::scripting
