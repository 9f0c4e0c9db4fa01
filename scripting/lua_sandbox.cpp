#include "scripting/lua_sandbox.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
#include <luajit-2.1/luajit.h>
#include <luajit-2.1/lualib.h>
}

#include "scripting/call_watch.hpp"
#include "scripting/lua_budgeted_library.hpp"
#include "scripting/script_budget.hpp"
#include "scripting/script_watchdog.hpp"

namespace propbot::scripting {
namespace {

// The allowlist, kept as data: everything else is absent from a script's globals.
// xpcall is allowed too, as the sandbox's own version (kXpcallSource below).
constexpr const char* kBaseFunctions[] = {
    "assert", "error",    "ipairs",   "next",         "pairs",        "pcall",  "select",
    "tonumber", "tostring", "type",   "unpack",       "rawequal", "rawget",
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

// Coroutines are allowed: LuaJIT's hooks are per VM, not per coroutine, so the count
// hook (and the memory limit) cover code running inside a coroutine too
// (tests/unit/scripting/sandbox_hostile_test.cpp proves it).
constexpr const char* kCoroutineFunctions[] = {"create", "isyieldable", "resume", "running", "status", "wrap", "yield"};

// Names a script may expect but the sandbox removed. Reading one raises a clear error
// ("'io' is not available in the PropBot sandbox") instead of the puzzling "attempt to
// index a nil value" later; any other absent name reads as nil as usual (strict globals
// would break `if x == nil`). rawget(_G, name) still returns nil for these: the way to
// test for a capability without raising.
struct Removed {
  const char* name;
  const char* why;  // appended to "'<name>' is not available in the PropBot sandbox"
};
constexpr Removed kRemovedGlobals[] = {
    {"io", ""},
    {"require", " (a strategy is one self-contained file)"},
    {"module", " (a strategy is one self-contained file)"},
    {"package", " (a strategy is one self-contained file)"},
    {"dofile", " (a strategy is one self-contained file)"},
    {"loadfile", " (a strategy is one self-contained file)"},
    {"load", " (no code is compiled at run time)"},
    {"loadstring", " (no code is compiled at run time)"},
    {"debug", ""},
    {"ffi", " (only a strategy marked trusted: true in the profile gets the FFI)"},
    {"jit", " (the JIT is a host decision)"},
    {"newproxy", ""},
    {"getfenv", ""},
    {"setfenv", ""},
    {"collectgarbage", " (the host runs the collector; memory is limited per script)"},
    {"gcinfo", " (the host runs the collector; memory is limited per script)"},
    {"print", " (strategies log with ctx:log)"},
};
constexpr Removed kRemovedOs[] = {
    {"execute", ""}, {"exit", ""}, {"getenv", ""}, {"remove", ""}, {"rename", ""},
    {"tmpname", ""}, {"setlocale", ""}, {"date", " (os.time gives the engine clock)"},
    {"difftime", ""},
};
constexpr Removed kRemovedString[] = {{"dump", " (no bytecode)"}};

constexpr int kHookEvery = 1000;  // VM instructions between budget checks

// LuaJIT raises a Lua stack overflow ("stack overflow", without a location) when a
// thread's stack would pass LUAI_MAXSTACK slots. Its message handler often cannot run
// then (a C function needs 20 free slots: the pcall returns LUA_ERRERR), and the frames
// are gone when the pcall returns, so the sandbox notes where the script was at the one
// moment it can: the allocator sees the stack of a thread at its largest size (LUAI_MAXSTACK
// + 1 + LJ_STACK_EXTRA slots of 8 bytes; the extra is 5, or 7 with GC64) being grown
// past it. tests/unit/scripting/sandbox_stack_test.cpp fails if that stops holding.
constexpr std::size_t kLuaMaxStackSlots = 65500;  // LUAI_MAXSTACK
constexpr bool is_full_lua_stack(std::size_t bytes) {
  return bytes == (kLuaMaxStackSlots + 1 + 5) * 8 || bytes == (kLuaMaxStackSlots + 1 + 7) * 8;
}
constexpr const char kStackOverflow[] = "stack overflow";
constexpr const char kStackOverflowWhy[] =
    " (a Lua thread holds at most 65500 stack slots: unbounded recursion?)";

// The sandbox's xpcall. LuaJIT runs an xpcall message handler at the point of the
// error, before unwinding; when the error is the budget error raised by the count
// hook, that point is inside the hook, where hooks are off: a handler that loops
// (`xpcall(f, function() while true do end end)`) would run forever with no budget.
// This one runs the handler after pcall has unwound, under the hook like any code.
// Differences from the builtin: the handler sees the unwound stack (no debug library
// anyway), and an error inside the handler is returned as the result instead of
// "error in error handling".
constexpr const char kXpcallSource[] = R"(
local pcall = pcall
local function finish(handler, ok, ...)
  if ok then return true, ... end
  local handled, result = pcall(handler, (...))
  return false, result
end
return function(f, handler, ...)
  return finish(handler, pcall(f, ...))
end
)";

}  // namespace

std::chrono::nanoseconds default_call_time_limit(std::int64_t instruction_budget) {
  constexpr std::chrono::nanoseconds kFloor = std::chrono::milliseconds(100);
  constexpr std::int64_t kNanosecondsPerInstruction = 500;
  constexpr std::int64_t kMaxInstructions = INT64_MAX / kNanosecondsPerInstruction;
  const std::int64_t instructions = std::clamp<std::int64_t>(instruction_budget, 0, kMaxInstructions);
  return std::max(kFloor, std::chrono::nanoseconds(instructions * kNanosecondsPerInstruction));
}

struct LuaSandbox::Impl {
  SandboxLimits limits;
  const Clock* clock = nullptr;
  MonoTime created_at{};
  std::size_t used = 0;
  std::uint64_t allocations = 0;
  ScriptBudget budget;  // reset by every call(); the library's closures point here
  int handler_ref = LUA_NOREF;  // message_handler, created once, kept in the registry
  std::string last_message;
  // Memory refusals during a call: where the script was when an allocation was refused
  // (Lua's "not enough memory" never reaches a message handler, so the location is
  // taken in the allocator; filled without allocating).
  lua_State* main = nullptr;
  bool in_call = false;
  bool memory_refused = false;
  std::size_t refused_bytes = 0;
  char refused_file[256] = {};
  int refused_line = 0;
  // Where a Lua stack overflow began during this call (see kLuaMaxStackSlots).
  char overflow_file[256] = {};
  int overflow_line = 0;
  // The time limit: the watchdog (kept alive by every sandbox it watches), what this
  // sandbox publishes to it, and the registration — destroyed first, so the watchdog
  // never looks at a watch being destroyed.
  std::shared_ptr<ScriptWatchdog> watchdog;
  std::optional<CallWatch> watch;
  ScriptWatchdog::Registration registration;

  static void* allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
    auto* self = static_cast<Impl*>(ud);
    if (new_size == 0) {
      std::free(ptr);
      self->used -= old_size;
      return nullptr;
    }
    const std::size_t old_counted = ptr != nullptr ? old_size : 0;
    if (self->in_call && ptr != nullptr && new_size > old_size && is_full_lua_stack(old_size)) {
      self->note_stack_overflow();
    }
    // The limit binds inside a protected call only. Outside one (the host refilling the
    // event tables, pushing a venue name, registering refs) a refused allocation would
    // be a LuaJIT panic, i.e. an abort of the daemon — a script that left its state at
    // the brim must not be able to cause that. Host allocations are small and bounded;
    // the next call is refused as soon as it asks for more.
    if (self->in_call && new_size > old_counted &&
        self->used - old_counted + new_size > self->limits.memory_limit_bytes) {
      self->note_refusal(new_size);
      return nullptr;  // Lua turns this into a "not enough memory" error in the caller
    }
    void* out = std::realloc(ptr, new_size);
    if (out != nullptr) {
      self->used = self->used - old_counted + new_size;
      ++self->allocations;
    }
    return out;
  }

  // The innermost Lua function of the main thread with a file and a line: the script's
  // own code, or the coroutine.resume/wrap call while a coroutine runs. Interpreter only:
  // the interpreter has the frames and the PC saved whenever it can allocate (LuaJIT's
  // own out-of-memory path reads them too); compiled traces keep them in registers.
  void note_refusal(std::size_t bytes) noexcept {
    memory_refused = true;
    refused_bytes = bytes;
    refused_file[0] = '\0';
    refused_line = 0;
    if (limits.jit || main == nullptr) return;
    locate_script(main, refused_file, sizeof refused_file, &refused_line);
  }

  // Same limits as note_refusal: the main thread's innermost script line (inside a
  // coroutine, the line that resumed it).
  void note_stack_overflow() noexcept {
    overflow_file[0] = '\0';
    overflow_line = 0;
    if (limits.jit || main == nullptr) return;
    locate_script(main, overflow_file, sizeof overflow_file, &overflow_line);
  }

  // LuaJIT's bare "stack overflow", located where note_stack_overflow saw it (or at
  // `L`'s innermost script line when it did not) and explained; any other message as is.
  std::string explain(lua_State* L, const char* message) {
    if (std::strcmp(message, kStackOverflow) != 0) return message;
    std::string located;
    if (overflow_file[0] != '\0') {
      located = std::string(overflow_file) + ":" + std::to_string(overflow_line) + ": ";
    } else {
      char file[256];
      int line = 0;
      if (L != nullptr && locate_script(L, file, sizeof file, &line)) {
        located = std::string(file) + ":" + std::to_string(line) + ": ";
      }
    }
    return located + kStackOverflow + kStackOverflowWhy;
  }

  static Impl* from(lua_State* L) {
    void* ud = nullptr;
    lua_getallocf(L, &ud);
    return static_cast<Impl*>(ud);
  }

  // Runs every kHookEvery instructions (every instruction once exhausted, or once the
  // watchdog has signalled that the call is over its time limit): the VM's share of
  // the budget, and the time limit. The library functions charge theirs
  // (script_budget.hpp).
  static void count_hook(lua_State* L, lua_Debug*) {
    Impl* self = from(L);
    ScriptBudget& budget = self->budget;
    if (self->watch->expired()) raise_time_limit_exceeded(L, budget);
    budget.remaining -= kHookEvery * kTicksPerInstruction;
    if (budget.remaining <= 0) raise_budget_exceeded(L, budget, nullptr);
  }

  static int message_handler(lua_State* L) {
    Impl* self = from(L);
    const char* msg = lua_tostring(L, 1);
    self->last_message = msg != nullptr ? self->explain(L, msg) : "(error object is not a string)";
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

// __index of the globals, `os` and the string library: upvalue 1 maps the removed
// names to their refusal; any other key reads as nil.
int report_removed(lua_State* L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (lua_type(L, -1) != LUA_TSTRING) return 0;
  luaL_where(L, 1);
  lua_insert(L, -2);
  lua_concat(L, 2);
  return lua_error(L);
}

// __newindex of the table getmetatable("") returns.
int refuse_string_metatable(lua_State* L) {
  return luaL_error(L, "the string metatable is read-only in the PropBot sandbox");
}

// Gives the table at `index` a protected metatable whose __index reports the removed
// names: "'<prefix><name>' is not available in the PropBot sandbox<why>".
template <std::size_t N>
void report_removed_names(lua_State* L, int index, const char* prefix, const Removed (&removed)[N]) {
  if (index < 0) index = lua_gettop(L) + index + 1;
  lua_createtable(L, 0, 2);
  lua_createtable(L, 0, static_cast<int>(N));
  for (const Removed& r : removed) {
    lua_pushfstring(L, "'%s%s' is not available in the PropBot sandbox%s", prefix, r.name, r.why);
    lua_setfield(L, -2, r.name);
  }
  lua_pushcclosure(L, &report_removed, 1);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "protected by the PropBot sandbox");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, index);
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
  // First: a watchdog that cannot start (std::system_error) leaves nothing to free.
  // impl_->watchdog is its one owner here (impl_->limits keeps no copy).
  impl_->watchdog = limits.watchdog != nullptr ? std::move(limits.watchdog) : std::make_shared<ScriptWatchdog>();
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
  // Before anything copies them: string, table and base functions whose work grows with
  // their input charge the budget (the string metatable's __index is this same table).
  impl_->budget.instructions = limits.instruction_budget;
  impl_->budget.hook = &Impl::count_hook;
  impl_->budget.memory_limit = limits.memory_limit_bytes;
  install_budgeted_library(L, &impl_->budget);
  const std::chrono::nanoseconds time_limit = limits.call_time_limit > std::chrono::nanoseconds::zero()
                                                  ? limits.call_time_limit
                                                  : default_call_time_limit(limits.instruction_budget);
  impl_->budget.time_limit_ms = std::chrono::ceil<std::chrono::milliseconds>(time_limit).count();

  // string.dump is the road to bytecode: remove it from the library itself, which the
  // string metatable's __index still points to.
  lua_getfield(L, LUA_GLOBALSINDEX, LUA_STRLIBNAME);
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  report_removed_names(L, -1, "string.", kRemovedString);  // ("x").dump explains itself
  lua_pop(L, 1);

  // getmetatable("") must not hand out the string metatable: setting its __index would
  // change every string method for every script sharing the state (the policies share
  // one). Scripts get an empty stand-in whose fields cannot be set.
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_newtable(L);
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, &refuse_string_metatable);
  lua_setfield(L, -2, "__newindex");
  lua_pushliteral(L, "protected by the PropBot sandbox");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  lua_newtable(L);
  const int env = lua_gettop(L);
  copy_fields(L, LUA_GLOBALSINDEX, env, kBaseFunctions);
  copy_library(L, env, LUA_STRLIBNAME, kStringFunctions);
  copy_library(L, env, LUA_TABLIBNAME, kTableFunctions);
  copy_library(L, env, LUA_MATHLIBNAME, kMathFunctions);
  copy_library(L, env, LUA_BITLIBNAME, kBitFunctions);
  copy_library(L, env, LUA_COLIBNAME, kCoroutineFunctions);
  if (luaL_loadbuffer(L, kXpcallSource, sizeof kXpcallSource - 1, "=[PropBot sandbox xpcall]") != 0) {
    throw std::runtime_error("LuaJIT could not compile the sandbox's xpcall");
  }
  lua_pushvalue(L, env);
  lua_setfenv(L, -2);
  lua_call(L, 0, 1);
  lua_setfield(L, env, "xpcall");
  lua_getfield(L, env, LUA_STRLIBNAME);
  report_removed_names(L, -1, "string.", kRemovedString);
  lua_pop(L, 1);
  lua_newtable(L);
  lua_pushcfunction(L, &Impl::os_time);
  lua_setfield(L, -2, "time");
  lua_pushcfunction(L, &Impl::os_clock);
  lua_setfield(L, -2, "clock");
  report_removed_names(L, -1, "os.", kRemovedOs);
  lua_setfield(L, env, "os");
  if (limits.ffi) {  // a trusted script (SandboxLimits::ffi)
    lua_pushcfunction(L, luaopen_ffi);
    lua_call(L, 0, 1);
    lua_setfield(L, env, "ffi");
  }
  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");
  // Last: from here on, reading a removed name raises (and setmetatable(_G, ...) is
  // refused: the globals' metatable is protected).
  report_removed_names(L, env, "", kRemovedGlobals);
  lua_replace(L, LUA_GLOBALSINDEX);
  impl_->main = L;

  // The message handler is one C closure for the life of the state: pushing it with
  // lua_pushcfunction on every call would allocate a fresh closure (garbage) per call.
  lua_pushcfunction(L, &Impl::message_handler);
  impl_->handler_ref = luaL_ref(L, LUA_REGISTRYINDEX);

  // The hook reads the watch: it exists before the hook is armed.
  impl_->watch.emplace(L, &Impl::count_hook, time_limit);
  impl_->registration = impl_->watchdog->watch(*impl_->watch);
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
    if (!source.empty() && source.front() == LUA_SIGNATURE[0]) {
      // LuaJIT says "attempt to load chunk with wrong mode".
      f.message = display_name + ":1: binary (bytecode) chunk refused: the PropBot sandbox loads Lua source text only";
    }
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
  ScriptBudget& budget = impl_->budget;
  // Capped far beyond any configured budget (configs allow 1e10) so that no unit
  // conversion of the library (ticks x bytes per tick) can overflow.
  constexpr std::int64_t kMaxInstructions = 100'000'000'000'000;
  budget.remaining = std::min(impl_->limits.instruction_budget, kMaxInstructions) * kTicksPerInstruction;
  budget.exhausted = false;
  budget.timed_out = false;
  lua_sethook(L, &Impl::count_hook, LUA_MASKCOUNT, kHookEvery);
  impl_->last_message.clear();
  const bool outer_in_call = impl_->in_call;
  const std::uintptr_t outer_c_stack = budget.c_stack_base;
  if (!outer_in_call) budget.c_stack_base = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  impl_->in_call = true;
  impl_->memory_refused = false;
  impl_->overflow_file[0] = '\0';
  // The time limit runs from the outermost call, published after the hook is re-armed
  // above so that this re-arming cannot undo an arm by this call's signal.
  if (!outer_in_call) impl_->watch->begin();
  const int rc = lua_pcall(L, nargs, nresults, function_index);
  if (!outer_in_call) impl_->watch->end();
  impl_->in_call = outer_in_call;
  budget.c_stack_base = outer_c_stack;
  if (rc == 0) {
    lua_remove(L, function_index);
    return true;
  }
  ScriptFault f;
  if (rc == LUA_ERRMEM) {
    // Raised by the allocator, no message handler ran: the location is the allocator's.
    f.message = "not enough memory (memory limit " + std::to_string(impl_->limits.memory_limit_bytes) +
                " bytes; an allocation of " + std::to_string(impl_->refused_bytes) + " bytes was refused)";
    if (impl_->memory_refused && impl_->refused_file[0] != '\0') {
      f.message = std::string(impl_->refused_file) + ":" + std::to_string(impl_->refused_line) + ": " + f.message;
    }
  } else {
    // No message handler ran when the error was an overflow of the Lua stack that left
    // no room to call it (LUA_ERRERR): the error object is LuaJIT's bare message.
    const char* top = lua_tostring(L, -1);
    if (!impl_->last_message.empty()) {
      f.message = impl_->last_message;
    } else {
      f.message = top != nullptr ? impl_->explain(nullptr, top) : "unknown Lua error";
    }
    if (top != nullptr) f.traceback = top;
  }
  f.budget_exceeded = budget.exhausted;
  locate(f);
  lua_settop(L, function_index - 1);
  // A memory failure can leave a lot of garbage: collect now so the next call starts clean.
  lua_gc(L, LUA_GCCOLLECT, 0);
  if (fault != nullptr) *fault = std::move(f);
  return false;
}

}  // namespace propbot::scripting
