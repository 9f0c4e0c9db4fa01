// Issue 10, finding 2: the instruction budget covers the C library too. LuaJIT's count
// hook never fires inside a C function, so before the budgeted library a single
// string.find could hold the thread for seconds or for ever. Each test here hands a
// library function an input that would run long (or for ever) in LuaJIT and demands
// a budget fault at the script's line, a call that returns, and a state that still
// works. Wall times are printed, never asserted (CI machines vary); the fault itself
// is the proof, since without the charge these calls run for seconds to hours.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scripting/lua_sandbox.hpp"
#include "scripting/strategy_runner.hpp"

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {
namespace {

constexpr const char* kFile = "strategies/hostile.lua";

class SandboxBudgetTest : public ::testing::Test {
 protected:
  // Loads `prelude` (run once, at load) and a module whose `bad` runs `body` from line
  // 3 of the function; calls it and returns the fault; checks that the stack is
  // restored and that `ok` still answers in the same state.
  ScriptFault call_bad(const std::string& prelude, const std::string& body, SandboxLimits limits = {}) {
    sandbox_ = std::make_unique<LuaSandbox>(limits, clock_);
    const std::string source = prelude + "\nlocal M = {}\nfunction M.bad()\n" + body +
                               "\nend\nfunction M.ok() return ('ok'):rep(2) end\nreturn M\n";
    ScriptFault fault;
    EXPECT_TRUE(sandbox_->load_module(source, kFile, &fault)) << fault.message;
    lua_State* L = sandbox_->state();
    const int module = lua_gettop(L);
    lua_getfield(L, module, "bad");
    const auto started = std::chrono::steady_clock::now();
    const bool ok = sandbox_->call(0, 0, &fault);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_FALSE(ok) << "bad() returned";
    EXPECT_EQ(lua_gettop(L), module) << "the stack is restored after the fault";
    std::printf("  [stopped in %.2f ms] %s\n", std::chrono::duration<double, std::milli>(took).count(),
                fault.message.c_str());
    lua_getfield(L, module, "ok");
    ScriptFault after;
    EXPECT_TRUE(sandbox_->call(0, 1, &after)) << "the state is unusable after the fault: " << after.message;
    EXPECT_STREQ(lua_tostring(L, -1), "okok");
    lua_settop(L, 0);
    return fault;
  }

  // The line of `body`'s first line in call_bad's module.
  static int body_line(const std::string& prelude) {
    int lines = 1;
    for (char c : prelude) lines += c == '\n' ? 1 : 0;
    return lines + 3;
  }

  SimClock clock_;
  std::unique_ptr<LuaSandbox> sandbox_;
};

// `what`: the library function that ran out, or null when the hook may have (a sort
// comparator's Lua code draws on the same budget).
void expect_budget_fault(const ScriptFault& fault, int line, const char* what) {
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find("instruction budget exceeded"), std::string::npos) << fault.message;
  if (what != nullptr) {
    EXPECT_NE(fault.message.find(std::string("the work of ") + what + " counts against it"), std::string::npos)
        << fault.message;
  }
  EXPECT_EQ(fault.file, kFile) << fault.message;
  EXPECT_EQ(fault.line, line) << fault.message;
}

// --- the issue's reproducer ---

// LuaJIT: 12 s for N = 16, for ever for N = 28 (exponential backtracking in one C call).
TEST_F(SandboxBudgetTest, TheIssuesBacktrackingFindIsStoppedAtN16) {
  const auto fault = call_bad("", "string.find(string.rep(\"a\", 16), string.rep(\"a-\", 16) .. \"b\")");
  expect_budget_fault(fault, body_line(""), "string.find");
}

TEST_F(SandboxBudgetTest, TheIssuesBacktrackingFindIsStoppedAtN28) {
  const auto fault = call_bad("", "string.find(string.rep(\"a\", 28), string.rep(\"a-\", 28) .. \"b\")");
  expect_budget_fault(fault, body_line(""), "string.find");
}

TEST_F(SandboxBudgetTest, AsAMethodCallToo) {
  const auto fault = call_bad("", "local s = ('a'):rep(28)\nlocal found = s:match(('a-'):rep(28) .. 'b')");
  expect_budget_fault(fault, body_line("") + 1, "string.match");
}

// pcall catches the fault, but the hook now fires on every instruction: the script's
// next instruction outside the pcall raises it again.
TEST_F(SandboxBudgetTest, PcallCannotSwallowALibraryBudgetFault) {
  const auto fault = call_bad("local p = ('a-'):rep(28) .. 'b'\nlocal s = ('a'):rep(28)",
                              "while true do\npcall(string.find, s, p)\nend");
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_EQ(fault.file, kFile);
}

TEST_F(SandboxBudgetTest, InsideACoroutineToo) {
  const auto fault = call_bad(
      "", "local co = coroutine.wrap(function() return ('a'):rep(28):find(('a-'):rep(28) .. 'b') end)\nco()");
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find("string.find"), std::string::npos) << fault.message;
}

// Every sandbox gets the budgeted library: a trusted strategy (ffi) too.
TEST_F(SandboxBudgetTest, ATrustedSandboxIsBudgetedToo) {
  SandboxLimits limits;
  limits.ffi = true;
  const auto fault = call_bad("", "string.find(string.rep(\"a\", 28), string.rep(\"a-\", 28) .. \"b\")", limits);
  expect_budget_fault(fault, body_line(""), "string.find");
}

// Library work and Lua instructions draw on one budget: the sum runs out.
TEST_F(SandboxBudgetTest, LibraryWorkAndInstructionsShareOneBudget) {
  const auto fault =
      call_bad("local s = ('ab'):rep(2000)", "local n = 0\nwhile true do n = n + #s:gsub('a', 'x') end");
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_EQ(fault.file, kFile);
}

// --- each charged function, over an input that would run long ---

struct Runaway {
  const char* what;     // the function named in the fault
  const char* prelude;  // builds the input, once, at load
  const char* body;     // one line, looping on the call
};

// Each line runs for seconds or more without the charges (docs/PERFORMANCE.md).
const std::vector<Runaway> kRunaways = {
    {"string.find", "local s = ('a'):rep(2^20) local p = ('a'):rep(1000) .. 'b'",
     "while true do s:find(p, 1, true) end"},
    {"string.find", "local s = ('a'):rep(2^22)", "while true do s:find('b', 1, true) end"},
    {"string.find", "local s = ('(a)'):rep(2^18)", "while true do s:find('%b()x') end"},
    {"string.match", "local s = ('a'):rep(40) local p = ('a*'):rep(20) .. 'b'", "while true do s:match(p) end"},
    {"string.match", "local s = ('ab'):rep(2^19)", "while true do s:match('[%a%d%s_%-]*x') end"},
    {"string.gmatch", "local s = ('abc '):rep(2^16)", "while true do for w in s:gmatch('%a+') do end end"},
    {"string.gsub", "local s = ('abc '):rep(2^16)", "while true do s:gsub('%w+', '%0%0') end"},
    {"string.gsub", "local s = ('abc '):rep(2^16)", "while true do s:gsub('%w+', function(w) return w end) end"},
    {"string.rep", "local n = 2^20", "while true do local s = ('x'):rep(n) end"},
    {"string.rep", "local n = 2^18", "while true do local s = ('xy'):rep(n, 'ab') end"},
    {"string.upper", "local s = ('x'):rep(2^20)", "while true do local t = s:upper() end"},
    {"string.lower", "local s = ('X'):rep(2^20)", "while true do local t = s:lower() end"},
    {"string.reverse", "local s = ('x'):rep(2^20)", "while true do local t = s:reverse() end"},
    {"string.sub", "local s = ('x'):rep(2^22)", "while true do local t = s:sub(2) end"},
    {"string.format", "local s = ('x'):rep(2^22)", "while true do local t = string.format('%s', s) end"},
    {"string.format", "local s = ('x\\n'):rep(2^18)", "while true do local t = string.format('%q', s) end"},
    {"string.byte", "local s = ('x'):rep(8000)", "while true do local a = s:byte(1, 7900) end"},
    {"string.char", "local t = {} for i = 1, 7900 do t[i] = 65 end",
     "local function g(...) while true do local a = string.char(...) end end g(unpack(t))"},
    {"unpack", "local t = {} for i = 1, 7900 do t[i] = i end", "while true do local a = unpack(t) end"},
    {"tonumber", "local s = (' '):rep(2^22)", "while true do local n = tonumber(s) end"},
    {"table.concat", "local t = {} for i = 1, 1e5 do t[i] = 'ab' end", "while true do local s = table.concat(t) end"},
    {"table.insert", "local t = {} for i = 1, 1e5 do t[i] = i end", "while true do table.insert(t, 1, 0) end"},
    {"table.sort", "local t = {} for i = 1, 2e5 do t[i] = (i * 7919) % 200003 end", "table.sort(t)"},
    {nullptr, "local t = {} for i = 1, 2e5 do t[i] = (i * 7919) % 200003 end",
     "table.sort(t, function(a, b) return a > b end)"},
    {"table.maxn", "local t = {} for i = 1, 1e5 do t[i + 0.5] = true end", "while true do local m = table.maxn(t) end"},
    {"a caught error", "local x", "while true do pcall(error, 'x') end"},
    {"a caught error", "local f = function() local y = nil + 1 end", "while true do pcall(f) end"},
    {"a caught error", "local f = function() error('x') end",
     "while true do coroutine.resume(coroutine.create(f)) end"},
};

TEST_F(SandboxBudgetTest, EachChargedFunctionOverAHugeInputFaultsInsteadOfRunningLong) {
  for (const Runaway& r : kRunaways) {
    SCOPED_TRACE(r.body);
    expect_budget_fault(call_bad(r.prelude, r.body), body_line(r.prelude), r.what);
  }
}

// A call the budget cannot pay for does not start: 8 M repetitions of "xy" (16 MiB,
// inside the 64 MiB memory limit; a memcpy each, over what a 1M-instruction budget pays
// for) are refused before LuaJIT allocates or writes anything.
TEST_F(SandboxBudgetTest, AChargeTheBudgetCannotPayIsRefusedBeforeTheWork) {
  const auto fault = call_bad("", "local s = ('xy'):rep(8 * 2^20)");
  expect_budget_fault(fault, body_line(""), "string.rep");
  EXPECT_LT(sandbox_->memory_used(), 8u << 20) << "the 16 MiB string was never built";
}

// A result over the memory limit is the memory limit's to refuse (before any work, as
// LuaJIT sizes its buffer first): the script sees "not enough memory", as it always did.
TEST_F(SandboxBudgetTest, AResultOverTheMemoryLimitIsStillAMemoryFault) {
  const auto fault = call_bad("", "local s = string.rep('x', 128 * 1024 * 1024)");
  EXPECT_FALSE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find("not enough memory"), std::string::npos) << fault.message;
}

// --- ordinary use stays well inside the budget ---

TEST_F(SandboxBudgetTest, OrdinaryStringWorkFitsTheDefaultBudget) {
  sandbox_ = std::make_unique<LuaSandbox>(SandboxLimits{}, clock_);
  ScriptFault fault;
  ASSERT_TRUE(sandbox_->load_module(R"(
    local out = {}
    for i = 1, 200 do
      local key, value = ("symbol=BTC-USDT"):match("^(%w+)=([%w%-]+)$")
      local base = value:gsub("%-USDT$", "")
      out[#out + 1] = string.format("%s:%s:%d", key, base:lower(), i)
      local a, b = ("a,b,c"):find(",", 1, true)
      for part in ("x;y;z"):gmatch("[^;]+") do out[#out + 1] = part:upper() end
    end
    table.sort(out)
    return table.concat(out, ","):len())",
                                    kFile, &fault))
      << fault.message;
}

// --- through the StrategyRunner: a fault per call, then frozen like any budget fault ---

class NoMarket : public MarketView {
 public:
  const md::OrderBook* book(std::string_view, std::string_view) const override { return nullptr; }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_;
};

TEST(StrategyRunnerBudgetTest, APatternBombInOnBookIsFaultedThenFrozen) {
  SimClock clock;
  NoMarket market;
  StrategySpec spec;
  spec.name = "pattern_bomb";
  spec.display_name = "strategies/pattern_bomb.lua";
  spec.source = "local M = { name = 'pattern_bomb' }\n"
                "function M.on_book(ctx, ev)\n"
                "  local found = string.find(string.rep('a', 28), string.rep('a-', 28) .. 'b')\n"
                "end\n"
                "return M\n";
  constexpr int kMaxFaults = 3;
  auto runner = StrategyRunner::load(spec, SandboxLimits{}, clock, market, kMaxFaults);
  ASSERT_TRUE(runner) << runner.error().message;
  std::vector<Intent> intents;
  for (int i = 0; i < kMaxFaults; ++i) {
    const auto started = std::chrono::steady_clock::now();
    (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
    std::printf("  [on_book %d returned in %.2f ms]\n", i + 1,
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    const auto& stats = (*runner)->stats();
    ASSERT_TRUE(stats.last_fault.has_value());
    EXPECT_TRUE(stats.last_fault->budget_exceeded) << stats.last_fault->message;
    EXPECT_EQ(stats.last_fault->where(), "strategies/pattern_bomb.lua:3");
  }
  EXPECT_TRUE((*runner)->stats().frozen);
  EXPECT_NE((*runner)->stats().freeze_reason.find("instruction budget exceeded"), std::string::npos);
  EXPECT_TRUE(intents.empty());
  const auto calls = (*runner)->stats().calls;
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  EXPECT_EQ((*runner)->stats().calls, calls) << "a frozen strategy is not called";
}

// --- callbacks nested through C: a located error, not a crashed process ---

// LuaJIT's own gsub overflows the C stack here (SIGSEGV, the daemon gone). Ours is
// stopped by the C-stack guard (kMaxNestedCStackBytes) long before LuaJIT's Lua stack
// limit, which alone would let ~2600 levels use ~3 MB of C stack: more than a thread
// gets when RLIMIT_STACK is unlimited (glibc then gives threads 2 MB).
constexpr const char* kNestedTooDeeply = "stack overflow (callbacks from string and table functions nested too deeply)";

TEST_F(SandboxBudgetTest, GsubCallbacksNestedWithoutEndAreAStackOverflowNotACrash) {
  SandboxLimits limits;
  limits.instruction_budget = 100'000'000;
  const auto fault = call_bad("local function f() return (('x'):gsub('.', f)) end", "return f()", limits);
  EXPECT_FALSE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find(kNestedTooDeeply), std::string::npos) << fault.message;
  EXPECT_EQ(fault.file, kFile) << fault.message;
}

TEST_F(SandboxBudgetTest, SortComparatorsNestedWithoutEndAreAStackOverflowNotACrash) {
  SandboxLimits limits;
  limits.instruction_budget = 100'000'000;
  const auto fault =
      call_bad("local function f(a, b) table.sort({2, 1}, f) return a < b end", "table.sort({2, 1}, f)", limits);
  EXPECT_FALSE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find(kNestedTooDeeply), std::string::npos) << fault.message;
  EXPECT_EQ(fault.file, kFile) << fault.message;
}

}  // namespace
}  // namespace propbot::scripting
