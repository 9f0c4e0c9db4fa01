// ScriptWatchdog (scripting/script_watchdog.hpp): lifetimes and threads. A watchdog is
// shared by the sandboxes of one owner and kept alive by each of them; sandboxes come
// and go on several threads while it scans; the signal it sends is harmless when it
// arrives late or from elsewhere.
#include "scripting/script_watchdog.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "scripting/lua_sandbox.hpp"
#include "tests/unit/scripting/lua_runaways.hpp"

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFile = "strategies/watched.lua";

// A sandbox whose module returns one function; call() runs it once.
struct Loaded {
  Loaded(SandboxLimits limits, const Clock& clock, const std::string& source)
      : sandbox(std::make_unique<LuaSandbox>(std::move(limits), clock)) {
    ScriptFault fault;
    loaded = static_cast<bool>(sandbox->load_module(source, kFile, &fault));
    EXPECT_TRUE(loaded) << fault.message;
  }
  // True when the call returned normally; `fault` otherwise.
  bool call(ScriptFault& fault) {
    lua_State* L = sandbox->state();
    lua_pushvalue(L, 1);
    const bool ok = sandbox->call(0, 0, &fault);
    lua_settop(L, 1);
    return ok;
  }
  std::unique_ptr<LuaSandbox> sandbox;
  bool loaded = false;
};

std::string runaway_source(const char* name) {
  for (const testing::Runaway& r : testing::time_runaways()) {
    if (std::string(name) == r.name) return std::string(r.prelude) + "\nreturn function()\n" + r.body + "\nend\n";
  }
  ADD_FAILURE() << "no runaway " << name;
  return "return function() end";
}

bool is_time_fault(const ScriptFault& fault) {
  return fault.budget_exceeded && fault.message.find("time limit exceeded") != std::string::npos;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

TEST(ScriptWatchdogTest, InstallsItsSignalAndWatchesEachSandboxUntilItGoes) {
  auto watchdog = std::make_shared<ScriptWatchdog>();
  EXPECT_TRUE(watchdog->signals());
  SimClock clock;
  SandboxLimits limits;
  limits.watchdog = watchdog;
  {
    LuaSandbox a(limits, clock);
    LuaSandbox b(limits, clock);
    EXPECT_EQ(watchdog->watched(), 2u);
  }
  EXPECT_EQ(watchdog->watched(), 0u);
}

// The owner (the engine, a validation) lets go first: the sandboxes keep the watchdog,
// so their calls stay bounded; the last of them stops its thread.
TEST(ScriptWatchdogTest, ASandboxKeepsItsWatchdogAfterTheOwnerLetsGo) {
  SimClock clock;
  auto watchdog = std::make_shared<ScriptWatchdog>();
  const std::weak_ptr<ScriptWatchdog> observer = watchdog;
  SandboxLimits limits;
  limits.watchdog = watchdog;
  limits.call_time_limit = 30ms;
  Loaded loaded(limits, clock, runaway_source("concat_8MiB"));
  limits.watchdog.reset();
  watchdog.reset();
  ASSERT_FALSE(observer.expired()) << "the sandbox holds its watchdog";
  ScriptFault fault;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(loaded.call(fault));
  EXPECT_TRUE(is_time_fault(fault)) << fault.message;
  EXPECT_LT(ms_since(started), 2000);
  loaded.sandbox.reset();
  EXPECT_TRUE(observer.expired()) << "the last sandbox stopped the watchdog (its thread joined)";
}

// A sandbox without a watchdog starts its own: the time limit holds in every test and tool.
TEST(ScriptWatchdogTest, ASandboxWithoutOneStartsItsOwn) {
  SimClock clock;
  SandboxLimits limits;
  limits.call_time_limit = 30ms;
  Loaded loaded(limits, clock, runaway_source("less_than_8MiB"));
  ScriptFault fault;
  EXPECT_FALSE(loaded.call(fault));
  EXPECT_TRUE(is_time_fault(fault)) << fault.message;
}

// Sandboxes created, called and destroyed on four threads while a 1 ms watchdog scans
// them (and finds calls in progress): no crash, no call stopped, nothing left watched.
TEST(ScriptWatchdogTest, SandboxesComeAndGoOnSeveralThreadsWhileItScans) {
  auto watchdog = std::make_shared<ScriptWatchdog>(1ms);
  std::atomic<int> faults{0};
  std::atomic<int> calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      SimClock clock;
      SandboxLimits limits;
      limits.watchdog = watchdog;
      for (int i = 0; i < 60; ++i) {
        Loaded loaded(limits, clock, "return function() local x = 0 for i = 1, 20000 do x = x + i end end");
        for (int c = 0; c < 5; ++c) {
          ScriptFault fault;
          if (!loaded.call(fault)) faults.fetch_add(1);
          calls.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(faults.load(), 0);
  EXPECT_EQ(calls.load(), 4 * 60 * 5);
  EXPECT_EQ(watchdog->watched(), 0u);
  EXPECT_EQ(watchdog->expired_calls(), 0u);
}

// Three runaways on three threads under one watchdog, next to a thread making ordinary
// calls: each runaway is stopped by its own limit, the ordinary calls never are.
TEST(ScriptWatchdogTest, RunawaysOnSeveralThreadsAreEachStoppedAndOrdinaryCallsAreNot) {
  auto watchdog = std::make_shared<ScriptWatchdog>();
  std::atomic<bool> runaways_done{false};
  std::atomic<int> ordinary_faults{0};
  std::atomic<int> ordinary_calls{0};
  std::thread ordinary([&] {
    SimClock clock;
    SandboxLimits limits;
    limits.watchdog = watchdog;
    Loaded loaded(limits, clock, "return function() local x = 0 for i = 1, 50000 do x = x + i end end");
    while (!runaways_done.load()) {
      ScriptFault fault;
      if (!loaded.call(fault)) ordinary_faults.fetch_add(1);
      ordinary_calls.fetch_add(1);
    }
  });
  std::vector<std::thread> threads;
  std::vector<ScriptFault> faults(3);
  std::vector<double> took(3);
  const char* names[] = {"concat_8MiB", "less_than_8MiB", "varargs_7900"};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      SimClock clock;
      SandboxLimits limits;
      limits.watchdog = watchdog;
      limits.call_time_limit = 100ms;  // four busy threads share two cores here
      Loaded loaded(limits, clock, runaway_source(names[t]));
      const auto started = std::chrono::steady_clock::now();
      EXPECT_FALSE(loaded.call(faults[t]));
      took[t] = ms_since(started);
    });
  }
  for (std::thread& t : threads) t.join();
  runaways_done = true;
  ordinary.join();
  for (int t = 0; t < 3; ++t) {
    std::printf("  [%s stopped in %.1f ms] %s\n", names[t], took[t], faults[t].message.c_str());
    EXPECT_TRUE(is_time_fault(faults[t])) << names[t] << ": " << faults[t].message;
    EXPECT_LT(took[t], 2000) << names[t];
  }
  EXPECT_EQ(ordinary_faults.load(), 0) << "of " << ordinary_calls.load() << " ordinary calls";
  EXPECT_GE(watchdog->expired_calls(), 3u);
}

// The signal reaching a thread outside any call (late), or sent by another process, is
// a no-op — never the default action of a real-time signal (ending the process).
TEST(ScriptWatchdogTest, AStrayCallWatchSignalIsHarmless) {
  auto watchdog = std::make_shared<ScriptWatchdog>();
  ASSERT_TRUE(watchdog->signals());
  ASSERT_EQ(::tgkill(::getpid(), ::gettid(), call_watch_signal()), 0);  // as the watchdog sends it
  ASSERT_EQ(::kill(::getpid(), call_watch_signal()), 0);                // as another process would
  SimClock clock;
  SandboxLimits limits;
  limits.watchdog = watchdog;
  Loaded loaded(limits, clock, "return function() return 1 end");
  ScriptFault fault;
  EXPECT_TRUE(loaded.call(fault)) << fault.message;
  EXPECT_EQ(watchdog->expired_calls(), 0u);
}

}  // namespace
}  // namespace propbot::scripting
