// The ctx bindings: the functions a strategy calls as ctx:…, and the ctx table that
// holds them (StrategyRunner::build_ctx). What each returns is documented in
// scripting/strategy_runner.hpp; this file is how.
//
// Guarantees: each binding reaches its runner through upvalue 1 (a light userdata set
// by build_ctx), checks its arguments with luaL_check* (a wrong call is a script error
// in the calling callback, never a crash), and raises only with no C++ object alive on
// its frame. Tables marked "reused" in the header are created once per key and
// refilled with raw sets (scripting/lua_raw.hpp): a metatable the script put on one
// never runs, and the hot path allocates nothing after the first call per key. The
// caches grow only with the books, feeds and venues that exist, never with names a
// script invents.
//
// Uses scripting/proposal_reader.hpp (ctx:propose), the MarketView, the runner's
// env (positions, fees, budget) and its timers. Thread: engine thread, inside the
// script's protected call.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_raw.hpp"
#include "scripting/proposal_reader.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot::scripting {

using detail::raw_set_field;
using detail::raw_set_number;

namespace {

StrategyRunner* runner_from(lua_State* L) {
  return static_cast<StrategyRunner*>(lua_touserdata(L, lua_upvalueindex(1)));
}

std::string_view check_string_view(lua_State* L, int index) {
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, index, &len);
  return {s, len};
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

void StrategyRunner::build_ctx(int params_table) {
  lua_State* L = sandbox_.state();
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
  // The caches of the reused result tables (ctx:book, ctx:regime, …), filled on first use.
  for (int* ref : {&books_ref_, &funding_ref_, &fees_ref_, &regimes_ref_}) {
    lua_newtable(L);
    *ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  lua_createtable(L, static_cast<int>(market_.venue_ids().size()), 0);
  venues_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 5);
  budget_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
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
  const auto fill = book->fill_for_notional(side == "buy" ? md::BookSide::ask : md::BookSide::bid, notional);
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
  self->note(LogLevel::info, std::string(message), false);
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
    Intent intent;
    intent.strategy = self->name_;
    const std::string refusal = read_proposal(L, 2, ProposalScope{self->market_.venue_ids(), self->env_.symbols}, intent);
    if (refusal.empty()) {
      self->pending_->push_back(std::move(intent));
      return 0;
    }
    std::snprintf(message, sizeof message, "%s", refusal.c_str());
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
