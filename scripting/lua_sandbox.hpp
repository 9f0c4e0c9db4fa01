// LuaSandbox: one LuaJIT state with the safety every PropBot script runs under.
// - Allowlisted globals only (kept as data in lua_sandbox.cpp): no io, no os beyond
//   os.time/os.clock (read from the engine Clock), no load/loadstring/dofile/loadfile/
//   require, no string.dump, no ffi, no debug, no jit, no collectgarbage (not even
//   "count"), no print. coroutine is allowed (the budget and the memory limit cover
//   coroutines: LuaJIT hooks are per VM). Reading one of the removed names raises
//   "<file>:<line>: 'io' is not available in the PropBot sandbox" (os.execute,
//   string.dump likewise); any other undefined global reads as nil as in plain Lua,
//   and rawget(_G, name) tests for a capability without raising. The globals'
//   metatable is protected (setmetatable(_G, ...) fails), and getmetatable("") returns
//   a read-only stand-in, so no script can redirect string methods for the others.
// - xpcall is the sandbox's own: the handler runs after unwinding, under the budget
//   (LuaJIT runs a builtin xpcall handler inside the count hook, where hooks are off).
// - Chunks load in text mode only: bytecode is refused ("binary (bytecode) chunk
//   refused").
// - A CPU budget per call, library calls included: the JIT is switched off for the
//   state so the count hook fires on every path (LuaJIT count hooks do not fire inside
//   compiled traces), and every C library function whose work grows with its input
//   pays from the same budget before or while it works (scripting/script_budget.hpp,
//   scripting/lua_budgeted_library.hpp): string.find/match/gmatch/gsub run on our own
//   budgeted matcher (LuaJIT's backtracks exponentially inside one C call, where no
//   hook fires), table.sort/concat/maxn count their steps, rep/format/sub/upper/lower/
//   reverse/byte/char/insert/unpack/tonumber are charged from their arguments before
//   they run, and each error caught by pcall or coroutine.resume is charged (a throw
//   costs ~1 us). A call that spends more than `instruction_budget` instructions' worth
//   is aborted; the rates make an exhausted budget take about the same wall time
//   whatever spent it (~2-3 ms for 1 000 000 on the reference machine,
//   docs/PERFORMANCE.md). Same results and errors as LuaJIT's library otherwise
//   (tests/unit/scripting/lua_pattern_differential_test.cpp).
//   `SandboxLimits::jit = true` (measurement only, issue 5) leaves the JIT on and
//   voids this guarantee: see the comment on that field.
// - A time limit per call, whatever the instructions cost: single VM instructions
//   whose cost grows with their operands ('..' or '<' on long strings: ~2 ms each on
//   8 MiB; a call passing thousands of arguments) count as one instruction each, and
//   so does work no count sees (the collector, string interning, number formatting),
//   so the budget alone let `while true do local t = s .. s end` hold the thread for
//   ~9 minutes. A ScriptWatchdog (scripting/script_watchdog.hpp; shared by the owner's
//   sandboxes, kept alive by each) times every call with the calling thread's CPU
//   clock; past `call_time_limit` (500 ms of CPU with the shipped budget,
//   default_call_time_limit) it signals that thread, whose handler arms the count hook
//   on every instruction (scripting/call_watch.hpp says why a signal and not
//   lua_sethook from the watchdog's thread), and the hook raises
//   "<file>:<line>: time limit exceeded (N ms of CPU time per call; ...)" after the
//   instruction in progress: within the limit + 2 watchdog ticks (10 ms each) + one
//   instruction of CPU. Time the thread spends preempted or waiting does not count,
//   so a loaded machine cannot make a legitimate call fail; the heaviest legitimate
//   call found (a table filled with 200 000 fresh string keys) uses ~100 ms. The
//   fault sets ScriptFault::budget_exceeded like a budget fault, and like one it
//   cannot be swallowed by pcall. Cost per call: two relaxed stores and a thread-local read
//   (~1 ns, no lock, no clock read, no system call).
// - A memory limit through a custom allocator: allocations past `memory_limit_bytes`
//   fail, which Lua reports as "not enough memory" inside the failing call; the fault
//   reads "<file>:<line>: not enough memory (memory limit N bytes; ...)", located by
//   the allocator (interpreter mode; with the JIT on the location may be missing).
//   The limit binds inside call()/load_module() only: the host's own small allocations
//   between calls always succeed, so a state left at the brim cannot make LuaJIT panic.
// - Budget faults read "<file>:<line>: instruction budget exceeded (N instructions per
//   call)", or "(...; the work of string.find counts against it)" when a library
//   function ran out, located at the script's innermost line (`return string.find(...)`
//   is a tail call that removes the calling frame: the location is then its caller's,
//   or none in a callback the host called — as in LuaJIT's own errors), and set
//   ScriptFault::budget_exceeded. A pcall in the script cannot swallow one: from
//   then on every instruction and every charge raises it again.
// - A Lua stack overflow reads "<file>:<line>: stack overflow (a Lua thread holds at
//   most 65500 stack slots: unbounded recursion?)" (LuaJIT's bare message, which often
//   cannot even reach the message handler, located by the allocator); callbacks nested
//   through gsub or sort past 1 MiB of C stack raise "stack overflow (callbacks from
//   string and table functions nested too deeply)" where LuaJIT's gsub would crash the
//   process.
// - Every call goes through lua_pcall with a message handler that captures the
//   traceback; a failing call returns a ScriptFault, never throws, never aborts. The
//   handler is created once and kept in the registry: the call itself leaves no garbage.
//
// Thread: one thread at a time (the engine thread for strategies); successive calls
// may come from different threads (loaded on one, run on another).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "scripting/script_fault.hpp"

struct lua_State;

namespace propbot::scripting {

class ScriptWatchdog;

// The time limit a call gets by default: 500 ns of CPU per budgeted instruction, and
// never less than 100 ms; 1 000 000 instructions (the shipped budget) -> 500 ms. Most
// of a budget takes 2-5 ms to spend, but work no instruction count sees (the
// collector, string interning, page faults, number formatting) lets a call inside its
// budget use far more: ~90 ms for one that fills a table with 190 000 fresh string
// keys, ~150 ms with three such calls on the two cores of the reference machine
// (docs/PERFORMANCE.md, "Per-call time limit"). 500 ns leaves that worst case 3x.
std::chrono::nanoseconds default_call_time_limit(std::int64_t instruction_budget);

struct SandboxLimits {
  std::int64_t instruction_budget = 1'000'000;  // per call
  std::size_t memory_limit_bytes = 64u << 20;
  // CPU time of the calling thread one call may use, however it spends it (a single
  // instruction on long strings can take milliseconds: see the top comment). 0 (the
  // default): default_call_time_limit(instruction_budget), which no call inside its
  // budget comes near: a safety net, not a second budget.
  std::chrono::nanoseconds call_time_limit{0};
  // The thread that enforces call_time_limit (scripting/script_watchdog.hpp), shared by
  // the sandboxes of one owner (the engine, a validation). Null: the sandbox starts
  // its own.
  std::shared_ptr<ScriptWatchdog> watchdog;
  // false (the default, what PropBot ships): interpreter only, the instruction budget
  // is a guarantee. true: the JIT is left on (the state is initialised as luaopen_jit
  // does, but `jit` stays out of the script's globals) and the count hook is still
  // armed, but with Debian 12's LuaJIT (2.1.0~beta3+git20220320, built without
  // LUAJIT_ENABLE_CHECKHOOK) the hook never fires inside a compiled trace: a loop that
  // gets hot (`while true do end`, `local x = 0 while true do x = x + 1 end`) is
  // compiled after a few dozen iterations and then runs forever: the call never
  // returns and the engine thread is lost. The budget is NOT a guarantee in this mode, nor is
  // the time limit (its hook does not fire inside a trace either) (every run of
  // tests/unit/scripting/lua_jit_budget_test.cpp). Nor does it pay for the shipped
  // strategy: cross_exchange_arb's on_book costs the same with and without the JIT
  // (its time is in the C binding), only pure-Lua loops get faster
  // (docs/PERFORMANCE.md, "Lua: interpreter vs JIT"). Benchmarks only.
  bool jit = false;
  // true only for a strategy the bundle marks `trusted: true` (configs, strategies[]):
  // the script gets LuaJIT's `ffi` library. The FFI is not safe for untrusted code: it
  // can read and write any memory, call any C function and allocate outside the memory
  // limit, so a trusted script can crash the daemon. The instruction budget still
  // counts its Lua code (the JIT stays off). Off for every other script.
  bool ffi = false;
};

class LuaSandbox {
 public:
  // Throws std::runtime_error only if LuaJIT cannot create a state at all (startup).
  LuaSandbox(SandboxLimits limits, const Clock& clock);
  ~LuaSandbox();
  LuaSandbox(const LuaSandbox&) = delete;
  LuaSandbox& operator=(const LuaSandbox&) = delete;

  lua_State* state() { return state_; }

  // Compiles `source` (text only) with chunk name `display_name` (e.g.
  // "strategies/x.lua") and runs it; on success its first result is left on the stack.
  Result<void> load_module(std::string_view source, const std::string& display_name,
                           ScriptFault* fault);
  // Calls the function at stack index -(nargs+1) with `nargs` arguments under the CPU
  // budget; leaves `nresults` results on success. On failure the stack is restored to
  // what it was below the function and `fault` is filled.
  bool call(int nargs, int nresults, ScriptFault* fault);

  std::size_t memory_used() const;
  // Successful allocations and reallocations so far (frees not counted). A quiet call
  // of a function that creates no Lua values allocates nothing: the message handler
  // is created once with the state, not per call.
  std::uint64_t allocation_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  lua_State* state_ = nullptr;
};

}  // namespace propbot::scripting
