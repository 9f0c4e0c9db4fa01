// Does the per-call CPU budget still stop a runaway on_book when the JIT is on?
// (issue 5 groundwork, see SandboxLimits::jit and docs/PERFORMANCE.md.)
//
// Each case runs in a forked child with alarm(2): a loop the budget does not stop must
// not hang the suite, it is killed by SIGALRM and reported as such. The parent asserts
// the outcome observed on Debian's LuaJIT 2.1.0-beta3 (no LUAJIT_ENABLE_CHECKHOOK).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <ostream>

#include <gtest/gtest.h>

#include "scripting/strategy_runner.hpp"
#include "tests/unit/scripting/sandbox_test_support.hpp"

namespace propbot::scripting {
namespace {

namespace fs = std::filesystem;

using testing::NoMarket;

enum class Outcome {
  stopped_by_budget,  // on_book faulted with budget_exceeded
  returned,           // on_book came back without a fault
  other_fault,        // on_book faulted for another reason
  load_failed,
  still_running_after_2s,  // killed by the child's alarm: the budget did not stop it
  crashed,                 // any other signal
};

std::ostream& operator<<(std::ostream& out, Outcome outcome) {
  switch (outcome) {
    case Outcome::stopped_by_budget: return out << "stopped_by_budget";
    case Outcome::returned: return out << "returned";
    case Outcome::other_fault: return out << "other_fault";
    case Outcome::load_failed: return out << "load_failed";
    case Outcome::still_running_after_2s: return out << "still_running_after_2s";
    case Outcome::crashed: return out << "crashed";
  }
  return out << "unknown";
}

class LuaJitBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/propbot-jit-budget-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Loads a strategy whose on_book runs `body`, calls on_book once in a child process
  // and reports how that call ended.
  Outcome run_on_book(const std::string& body, bool jit) {
    const fs::path path = fs::path(dir_) / "spin.lua";
    std::ofstream(path) << "local M = { name = 'spin' }\nfunction M.on_book(ctx, ev) " << body
                        << " end\nreturn M\n";
    const pid_t child = fork();
    if (child < 0) return Outcome::crashed;
    if (child == 0) {
      alarm(2);  // default action terminates the child, even inside a compiled trace
      SimClock clock;
      NoMarket market;
      SandboxLimits limits;
      limits.instruction_budget = 200'000;
      limits.jit = jit;
      StrategySpec spec;  // fields by name: StrategySpec grows
      spec.name = "spin";
      spec.path = path.string();
      spec.display_name = "strategies/spin.lua";
      auto runner = StrategyRunner::load(spec, limits, clock, market, 3);
      if (!runner) _exit(static_cast<int>(Outcome::load_failed));
      std::vector<Intent> intents;
      (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
      const auto& fault = (*runner)->stats().last_fault;
      if (!fault) _exit(static_cast<int>(Outcome::returned));
      _exit(static_cast<int>(fault->budget_exceeded ? Outcome::stopped_by_budget : Outcome::other_fault));
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child) return Outcome::crashed;
    if (WIFEXITED(status)) return static_cast<Outcome>(WEXITSTATUS(status));
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) return Outcome::still_running_after_2s;
    return Outcome::crashed;
  }

  std::string dir_;
};

constexpr const char* kEmptyLoop = "while true do end";
constexpr const char* kArithmeticLoop = "local x = 0 while true do x = x + 1 end";

TEST_F(LuaJitBudgetTest, InterpreterStopsAnEmptyInfiniteLoop) {
  EXPECT_EQ(run_on_book(kEmptyLoop, /*jit=*/false), Outcome::stopped_by_budget);
}

TEST_F(LuaJitBudgetTest, InterpreterStopsAnArithmeticInfiniteLoop) {
  EXPECT_EQ(run_on_book(kArithmeticLoop, /*jit=*/false), Outcome::stopped_by_budget);
}

// With the JIT on, the loop becomes hot after a few dozen iterations, is compiled into
// a trace, and the count hook never fires inside the trace: the call runs until the
// alarm kills the child. This is the observed behaviour, the reason the sandbox ships
// with the JIT off; if a LuaJIT built with LUAJIT_ENABLE_CHECKHOOK makes these fail,
// the budget has become a guarantee under the JIT too — update SandboxLimits::jit.
TEST_F(LuaJitBudgetTest, JitDoesNotStopAnEmptyInfiniteLoop) {
  EXPECT_EQ(run_on_book(kEmptyLoop, /*jit=*/true), Outcome::still_running_after_2s);
}

TEST_F(LuaJitBudgetTest, JitDoesNotStopAnArithmeticInfiniteLoop) {
  EXPECT_EQ(run_on_book(kArithmeticLoop, /*jit=*/true), Outcome::still_running_after_2s);
}

// Turning the JIT on opens LuaJIT's `jit` library inside the state; it must stay out of
// the script's reach like every other capability outside the allowlist.
TEST_F(LuaJitBudgetTest, JitModeKeepsTheJitLibraryOutOfReach) {
  SimClock clock;
  SandboxLimits limits;
  limits.jit = true;
  LuaSandbox sandbox(limits, clock);
  ScriptFault fault;
  EXPECT_TRUE(sandbox.load_module("assert(rawget(_G, 'jit') == nil and rawget(_G, 'ffi') == nil and "
                                  "rawget(_G, 'require') == nil and not pcall(function() return jit end)) return {}",
                                  "strategies/test.lua", &fault))
      << fault.message;
}

}  // namespace
}  // namespace propbot::scripting
