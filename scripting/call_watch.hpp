// CallWatch: what one LuaSandbox publishes about its calls so that a ScriptWatchdog
// (scripting/script_watchdog.hpp) can stop a call that runs past its time limit, and
// the signal through which the watchdog makes the sandbox's count hook look now.
//
// Why a signal. The count hook runs every kHookEvery (1000) VM instructions; an
// instruction whose cost grows with its operands ('..' of two 8 MiB strings: ~2 ms)
// makes that seconds. Arming the hook on every instruction (lua_sethook(L, hook,
// LUA_MASKCOUNT, 1)) makes it run after the instruction in progress — but only from
// the VM's own thread. lua_sethook read-modify-writes global_State::hookmask, whose
// HOOK_ACTIVE bit the VM thread sets and clears around every hook call: from another
// thread, a read before the VM clears the bit and a write after it leaves the bit set
// for good, and LuaJIT then never calls a hook again (vm_inshook: "Hook already
// active?") — the budget gone for the rest of the call. LuaJIT's own thread-based
// profilers take a lock around both sides for this reason (lj_profile.c, "g->hookmask
// update lock"); its POSIX profiler and luajit.c's Ctrl-C instead call lua_sethook from
// a signal handler, i.e. on the VM's thread: the handler runs between two instructions
// of that thread, every VM-side change of hookmask is complete or not yet begun, and
// lua_sethook writes back the very value it read (the count event is already armed),
// so no update is lost; the dispatch table is not rewritten either (the mode does not
// change while the count hook stays armed). Measured: arming from another thread
// wedged a VM within 13 000-189 000 arms, through a handler never in 661 000
// (docs/PERFORMANCE.md, "Per-call time limit"). So: the watchdog sends
// call_watch_signal() to the thread running the call (tgkill), and the handler arms
// the hook there.
//
// Publication per call (outermost LuaSandbox::call only): begin()/end() are two relaxed
// stores of a sequence number (odd while a call runs) and of the running call in this
// thread's slot — no lock, no clock read, no system call (~1 ns). A thread's first call
// records its kernel thread id and CPU clock once (a system call) and unblocks the signal
// for that thread.
//
// Hazards and guarantees:
// - The handler finds its call through a thread_local slot — the one piece of state not
//   owned by an object, because a signal handler has nothing else to find it by. It
//   acts only when that call is the one the watchdog declared expired; anything else
//   (a signal that arrives after the call ended, or sent by another process) is a no-op.
// - The signal's disposition is process-wide and installed once, never removed (a late
//   signal must not take the default action, which ends the process). If some other
//   code already handles call_watch_signal(), the watchdog does not send it and the hook
//   still stops an expired call at its next regular run (every 1000 instructions).
// - A late signal can interrupt a blocking system call of the thread after its call
//   ended; the handler is installed with SA_RESTART (read, write and futex waits
//   restart; epoll_wait, poll and nanosleep return EINTR, which Boost.Asio's reactor
//   and std::this_thread::sleep_for retry). The watchdog signals only a thread it has
//   just seen inside an expired call, so this takes a call ending in that instant.
//
// Thread: begin()/end()/expired() on the sandbox's thread; the watchdog reads and writes
// the atomics from its own.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {

class CallWatch;

namespace call_watch_detail {

// The calling thread's identity for the watchdog, and its running call for the handler.
struct ThreadSlot {
  pid_t tid = 0;  // 0 until the thread's first call
  clockid_t cpu_clock = 0;
  std::atomic<CallWatch*> current{nullptr};
};

// Constant-initialised and initial-exec: reachable from a signal handler without
// __tls_get_addr (which may allocate).
extern constinit thread_local ThreadSlot t_slot [[gnu::tls_model("initial-exec")]];

// The thread's first call: records tid and CPU clock, unblocks call_watch_signal().
void init_thread_slot(ThreadSlot& slot) noexcept;

}  // namespace call_watch_detail

// SIGRTMIN + 2: a real-time signal nothing else in the process uses (glibc keeps the two
// below SIGRTMIN; valgrind takes from SIGRTMAX down).
int call_watch_signal() noexcept;

// Installs the handler for call_watch_signal() unless another handler owns it. True when
// ours is installed (now or earlier). Thread-safe, idempotent.
bool install_call_watch_signal() noexcept;

class CallWatch {
 public:
  // `state` is the sandbox's main state, `hook` its count hook; `limit` the CPU time a
  // call may use (LuaSandbox derives it from SandboxLimits).
  CallWatch(lua_State* state, lua_Hook hook, std::chrono::nanoseconds limit) noexcept
      : state_(state), hook_(hook), limit_ns_(limit.count()) {}
  CallWatch(const CallWatch&) = delete;
  CallWatch& operator=(const CallWatch&) = delete;

  // The outermost call on this thread begins / ends. Must be paired on the same thread.
  void begin() noexcept {
    call_watch_detail::ThreadSlot& slot = call_watch_detail::t_slot;
    if (slot.tid == 0) call_watch_detail::init_thread_slot(slot);
    if (tid_.load(std::memory_order_relaxed) != slot.tid) {
      tid_.store(slot.tid, std::memory_order_relaxed);
      cpu_clock_.store(slot.cpu_clock, std::memory_order_relaxed);
    }
    // Release: a watchdog that sees this call also sees the thread it runs on.
    seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    outer_ = slot.current.load(std::memory_order_relaxed);
    slot.current.store(this, std::memory_order_relaxed);
  }
  void end() noexcept {
    call_watch_detail::t_slot.current.store(outer_, std::memory_order_relaxed);
    seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // The running call is over its limit (the watchdog said so). The count hook's check.
  bool expired() const noexcept {
    const std::uint64_t seq = seq_.load(std::memory_order_relaxed);
    return (seq & 1) != 0 && expired_.load(std::memory_order_acquire) == seq;
  }

  std::chrono::nanoseconds limit() const noexcept { return std::chrono::nanoseconds(limit_ns_); }

  // The handler's action: arms the count hook on every instruction when the running
  // call is expired. Async-signal-safe; on the sandbox's thread only.
  void arm_if_expired() noexcept {
    if (expired()) lua_sethook(state_, hook_, LUA_MASKCOUNT, 1);
  }

 private:
  friend class ScriptWatchdog;

  std::atomic<std::uint64_t> seq_{0};      // odd while a call runs; written by the sandbox
  std::atomic<std::uint64_t> expired_{0};  // the seq the watchdog declared over its limit
  std::atomic<pid_t> tid_{0};              // thread of the latest call
  std::atomic<clockid_t> cpu_clock_{0};    // its CPU-time clock
  CallWatch* outer_ = nullptr;             // the call this one interrupts on its thread
  lua_State* const state_;
  const lua_Hook hook_;
  const std::int64_t limit_ns_;
};

}  // namespace propbot::scripting
