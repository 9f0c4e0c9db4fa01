// ScriptBudget: the CPU budget of one LuaSandbox call, shared by the VM's count hook and
// by the C library functions whose work grows with their input (string patterns,
// string.rep, table.sort, ...: scripting/lua_budgeted_library.hpp). The call's time
// limit (scripting/script_watchdog.hpp) ends it through the same raise: a time-limit
// fault is a budget fault with its own message.
//
// Work is counted in ticks. An interpreted VM instruction costs kTicksPerInstruction;
// a library function charges its steps, bytes or elements at the rates of
// scripting/script_costs.hpp, calibrated on this machine so that an exhausted budget
// takes about the same wall time whatever spent it (docs/PERFORMANCE.md, "Lua string
// functions under the budget").
//
// Guarantees: charge() returns only while the budget holds. When it runs out, the call
// is aborted exactly as the count hook aborts it — a Lua error
// "<file>:<line>: instruction budget exceeded (...)" located at the innermost line of a
// script chunk ("@<file>"; the sandbox's own helpers are skipped), `exhausted` set (the
// sandbox reports ScriptFault::budget_exceeded), and the hook re-armed on every
// instruction so that a pcall in the script cannot swallow it: its next instruction
// raises again, and so does every later charge.
//
// Hazard: the raise is a lua_error, i.e. LuaJIT's own unwinding through the C frames of
// the function that charges. Callers keep only trivially destructible state on their
// C stack (this struct is POD) and never charge while holding a C++ object with a
// destructor.
//
// Thread: the sandbox's (one thread at a time).
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {

// One interpreted VM instruction. Library rates are integers in the same unit, so the
// tick is finer than an instruction (scripting/script_costs.hpp).
constexpr std::int64_t kTicksPerInstruction = 16;

struct ScriptBudget {
  std::int64_t instructions = 0;  // the per-call budget as configured, for the message
  std::int64_t remaining = 0;     // ticks left in the current call
  bool exhausted = false;         // this call ran out (sticky until the next call)
  // The call ran out of time instead (its time limit, scripting/script_watchdog.hpp):
  // exhausted is set too, and every later raise of this call says "time limit".
  bool timed_out = false;
  std::int64_t time_limit_ms = 0;  // the per-call time limit, for the message
  lua_Hook hook = nullptr;        // the sandbox's count hook, re-armed on exhaustion
  // The state's memory limit: work that must first allocate more than this is refused
  // by the allocator before it starts, and costs nothing to refuse.
  std::size_t memory_limit = 0;
  // Address of the outermost LuaSandbox::call frame: the base of the C stack that nested
  // callbacks (gsub with a function, sort with a comparator) consume.
  std::uintptr_t c_stack_base = 0;
};

// Raises the budget fault for `b` (see the top comment). `what` names the library
// function that ran out ("string.find"), or is null when VM instructions did. Once the
// call has timed out, the fault is the time-limit one whatever ran out.
[[noreturn]] void raise_budget_exceeded(lua_State* L, ScriptBudget& b, const char* what);

// Raises "<file>:<line>: time limit exceeded (N ms of CPU time per call; ...)" the same
// way: located, exhausted and timed_out set, the hook re-armed on every instruction
// and every later charge raising again.
[[noreturn]] void raise_time_limit_exceeded(lua_State* L, ScriptBudget& b);

// Spends `ticks` of the budget; raises when that leaves nothing.
inline void charge(lua_State* L, ScriptBudget& b, std::int64_t ticks, const char* what) {
  b.remaining -= ticks;
  if (b.remaining <= 0) raise_budget_exceeded(L, b, what);
}

// How many units of `ticks_per_unit` ticks the budget still holds (0 when exhausted).
inline std::int64_t allowance(const ScriptBudget& b, std::int64_t ticks_per_unit) {
  return b.remaining > 0 ? b.remaining / ticks_per_unit : 0;
}

// Callbacks into Lua from a C function (a gsub replacement function, a sort
// comparator, a __index met on gsub's table) nest C frames that LuaJIT does not bound
// (it has no C-call limit: its own gsub, with an 8 KiB buffer per level, crashes the
// process with SIGSEGV on an 8 MiB stack). Raises "stack overflow (...)" at the
// caller's line once the frames below the outermost sandbox call exceed
// kMaxNestedCStackBytes (~900 levels of gsub; LuaJIT's Lua-stack limit alone would let
// ~2600 levels take ~3 MB, more than a thread gets when RLIMIT_STACK is unlimited).
constexpr std::uintptr_t kMaxNestedCStackBytes = 1u << 20;
void check_c_stack(lua_State* L, const ScriptBudget& b);

// The innermost frame of a script chunk (loaded as "@<file>") with a current line:
// writes the file (NUL-terminated, truncated to `size`) and the line. Does not allocate
// (safe inside an allocator or a hook). False when no script frame is on the stack.
bool locate_script(lua_State* L, char* file, std::size_t size, int* line) noexcept;

}  // namespace propbot::scripting
