#include "scripting/lua_sandbox.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
#include <luajit-2.1/luajit.h>
#include <luajit-2.1/lualib.h>
}

namespace propbot::scripting {
namespace {

// The allowlist, kept as data: everything else is absent from a script's globals.
constexpr const char* kBaseFunctions[] = {
    "assert", "error",    "ipairs",   "next",         "pairs",        "pcall",  "select",
    "tonumber", "tostring", "type",   "unpack",       "xpcall",       "rawequal", "rawget",
    "rawset", "setmetatable", "getmetatable", "_VERSION",
};
constexpr const char* kStringFunctions[] = {
    "byte", "char", "find", "format", "gmatch", "gsub", "len", "lower", "match", "rep",
    "reverse", "sub", "upper",
};
constexpr const char* kTableFunctions[] = {"concat", "insert", "maxn", "remove", "sort"};
constexpr const char* kMathFunctions[] = {
    "abs", "acos", "asin", "atan", "atan2", "ceil", "cos", "cosh", "deg", "exp", "floor",
    "fmod", "frexp", "huge", "ldexp", "log", "log10", "max", "min", "modf", "pi", "pow",
    "rad", "random", "randomseed", "sin", "sinh", "sqrt", "tan", "tanh",
};
constexpr const char* kBitFunctions[] = {
    "tobit", "tohex", "bnot", "band", "bor", "bxor", "lshift", "rshift", "arshift", "rol", "ror", "bswap",
};

constexpr int kHookEvery = 1000;  // VM instructions between budget checks

}  // namespace

struct LuaSandbox::Impl {
  SandboxLimits limits;
  const Clock* clock = nullptr;
  MonoTime created_at{};
  std::size_t used = 0;
  std::uint64_t allocations = 0;
  std::int64_t remaining = 0;
  bool budget_hit = false;
  int handler_ref = LUA_NOREF;  // message_handler, created once, kept in the registry
  std::string last_message;

  static void* allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
    auto* self = static_cast<Impl*>(ud);
    if (new_size == 0) {
      std::free(ptr);
      self->used -= old_size;
      return nullptr;
    }
    const std::size_t old_counted = ptr != nullptr ? old_size : 0;
    if (new_size > old_counted && self->used - old_counted + new_size > self->limits.memory_limit_bytes) {
      return nullptr;  // Lua turns this into a "not enough memory" error in the caller
    }
    void* out = std::realloc(ptr, new_size);
    if (out != nullptr) {
      self->used = self->used - old_counted + new_size;
      ++self->allocations;
    }
    return out;
  }

  static Impl* from(lua_State* L) {
    void* ud = nullptr;
    lua_getallocf(L, &ud);
    return static_cast<Impl*>(ud);
  }

  static void count_hook(lua_State* L, lua_Debug*) {
    Impl* self = from(L);
    self->remaining -= kHookEvery;
    if (self->remaining <= 0) {
      // Stays exhausted until the next top-level call, and from now on the hook runs on
      // every instruction: a script that swallows the error with pcall is stopped at its
      // very next instruction outside the pcall.
      self->budget_hit = true;
      lua_sethook(L, &Impl::count_hook, LUA_MASKCOUNT, 1);
      luaL_error(L, "instruction budget exceeded (%d instructions per call)",
                 static_cast<int>(self->limits.instruction_budget));
    }
  }

  static int message_handler(lua_State* L) {
    Impl* self = from(L);
    const char* msg = lua_tostring(L, 1);
    self->last_message = msg != nullptr ? msg : "(error object is not a string)";
    luaL_traceback(L, L, self->last_message.c_str(), 1);
    return 1;
  }

  static int os_time(lua_State* L) {
    Impl* self = from(L);
    lua_pushnumber(L, static_cast<lua_Number>(to_unix_ms(self->clock->utc()) / 1000));
    return 1;
  }

  static int os_clock(lua_State* L) {
    Impl* self = from(L);
    const auto since = self->clock->now() - self->created_at;
    lua_pushnumber(L, std::chrono::duration<double>(since).count());
    return 1;
  }
};

namespace {

void open_library(lua_State* L, lua_CFunction opener, const char* name) {
  lua_pushcfunction(L, opener);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

template <std::size_t N>
void copy_fields(lua_State* L, int from, int to, const char* const (&names)[N]) {
  for (const char* name : names) {
    lua_getfield(L, from, name);
    lua_setfield(L, to, name);
  }
}

template <std::size_t N>
void copy_library(lua_State* L, int env, const char* lib, const char* const (&names)[N]) {
  lua_getfield(L, LUA_GLOBALSINDEX, lib);
  const int source = lua_gettop(L);
  lua_newtable(L);
  copy_fields(L, source, lua_gettop(L), names);
  lua_setfield(L, env, lib);
  lua_pop(L, 1);
}

// file:line from a message such as "strategies/x.lua:12: boom".
void locate(ScriptFault& fault) {
  const std::string& m = fault.message;
  const auto colon = m.find(':');
  if (colon == std::string::npos || colon == 0) return;
  const auto second = m.find(':', colon + 1);
  if (second == std::string::npos || second == colon + 1) return;
  const std::string line = m.substr(colon + 1, second - colon - 1);
  if (line.find_first_not_of("0123456789") != std::string::npos) return;
  fault.file = m.substr(0, colon);
  fault.line = std::atoi(line.c_str());
}

}  // namespace

LuaSandbox::LuaSandbox(SandboxLimits limits, const Clock& clock) : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  impl_->clock = &clock;
  impl_->created_at = clock.now();
  state_ = lua_newstate(&Impl::allocate, impl_.get());
  if (state_ == nullptr) throw std::runtime_error("LuaJIT could not create a state");
  lua_State* L = state_;
  open_library(L, luaopen_base, "");
  if (limits.jit) {
    // Measurement mode (see SandboxLimits::jit). The JIT's CPU flags and optimisation
    // parameters are set up by luaopen_jit, not by lua_newstate: without it "on" would
    // run with zeroed parameters. The `jit` table it registers lives in the old globals
    // and the registry, neither of which the script can reach.
    open_library(L, luaopen_jit, LUA_JITLIBNAME);
    luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_ON);
  } else {
    // Interpreter only: count hooks do not fire inside JIT traces with Debian's LuaJIT.
    luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
  }
  open_library(L, luaopen_string, LUA_STRLIBNAME);
  open_library(L, luaopen_table, LUA_TABLIBNAME);
  open_library(L, luaopen_math, LUA_MATHLIBNAME);
  open_library(L, luaopen_bit, LUA_BITLIBNAME);

  // string.dump is the road to bytecode: remove it from the library itself, which the
  // string metatable's __index still points to.
  lua_getfield(L, LUA_GLOBALSINDEX, LUA_STRLIBNAME);
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);

  lua_newtable(L);
  const int env = lua_gettop(L);
  copy_fields(L, LUA_GLOBALSINDEX, env, kBaseFunctions);
  copy_library(L, env, LUA_STRLIBNAME, kStringFunctions);
  copy_library(L, env, LUA_TABLIBNAME, kTableFunctions);
  copy_library(L, env, LUA_MATHLIBNAME, kMathFunctions);
  copy_library(L, env, LUA_BITLIBNAME, kBitFunctions);
  lua_newtable(L);
  lua_pushcfunction(L, &Impl::os_time);
  lua_setfield(L, -2, "time");
  lua_pushcfunction(L, &Impl::os_clock);
  lua_setfield(L, -2, "clock");
  lua_setfield(L, env, "os");
  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");
  lua_replace(L, LUA_GLOBALSINDEX);

  // The message handler is one C closure for the life of the state: pushing it with
  // lua_pushcfunction on every call would allocate a fresh closure (garbage) per call.
  lua_pushcfunction(L, &Impl::message_handler);
  impl_->handler_ref = luaL_ref(L, LUA_REGISTRYINDEX);

  lua_sethook(L, &Impl::count_hook, LUA_MASKCOUNT, kHookEvery);
}

LuaSandbox::~LuaSandbox() {
  if (state_ != nullptr) lua_close(state_);
}

std::size_t LuaSandbox::memory_used() const { return impl_->used; }

std::uint64_t LuaSandbox::allocation_count() const { return impl_->allocations; }

Result<void> LuaSandbox::load_module(std::string_view source, const std::string& display_name,
                                     ScriptFault* fault) {
  lua_State* L = state_;
  const std::string chunk = "@" + display_name;
  const int rc = luaL_loadbufferx(L, source.data(), source.size(), chunk.c_str(), "t");
  if (rc != 0) {
    ScriptFault f;
    const char* msg = lua_tostring(L, -1);
    f.message = msg != nullptr ? msg : "could not load chunk";
    lua_pop(L, 1);
    locate(f);
    if (fault != nullptr) *fault = f;
    return make_error(Errc::script_error, f.message);
  }
  if (!call(0, 1, fault)) return make_error(Errc::script_error, fault != nullptr ? fault->message : "load failed");
  return {};
}

bool LuaSandbox::call(int nargs, int nresults, ScriptFault* fault) {
  lua_State* L = state_;
  const int function_index = lua_gettop(L) - nargs;
  lua_rawgeti(L, LUA_REGISTRYINDEX, impl_->handler_ref);
  lua_insert(L, function_index);
  impl_->remaining = impl_->limits.instruction_budget;
  impl_->budget_hit = false;
  lua_sethook(L, &Impl::count_hook, LUA_MASKCOUNT, kHookEvery);
  impl_->last_message.clear();
  const int rc = lua_pcall(L, nargs, nresults, function_index);
  if (rc == 0) {
    lua_remove(L, function_index);
    return true;
  }
  ScriptFault f;
  if (rc == LUA_ERRMEM) {
    f.message = "memory limit exceeded (" + std::to_string(impl_->limits.memory_limit_bytes) + " bytes)";
  } else {
    f.message = impl_->last_message.empty() ? "unknown Lua error" : impl_->last_message;
    const char* tb = lua_tostring(L, -1);
    if (tb != nullptr) f.traceback = tb;
  }
  f.budget_exceeded = impl_->budget_hit;
  locate(f);
  lua_settop(L, function_index - 1);
  // A memory failure can leave a lot of garbage: collect now so the next call starts clean.
  lua_gc(L, LUA_GCCOLLECT, 0);
  if (fault != nullptr) *fault = std::move(f);
  return false;
}

}  // namespace propbot::scripting
