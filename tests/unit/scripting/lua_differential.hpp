// LuaDifferential: runs the same Lua in two states and reports both outcomes, so tests
// can demand that the sandbox's budgeted library (scripting/lua_budgeted_library.hpp)
// behaves exactly as LuaJIT's builtins:
//   reference — luaL_newstate + luaL_openlibs, JIT off: LuaJIT's own functions;
//   sandbox   — a LuaSandbox (budget large enough never to run out unless a test asks).
// Both load the same harness chunk under the same chunk name ("@diff.lua"), so results
// and error messages — locations included — must be byte-identical.
//
// Also the generator of random patterns and subjects shared by
// lua_pattern_differential_test.cpp and the fuzz target (tests/fuzz/lua_fuzz.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "core/common/clock.hpp"
#include "scripting/lua_sandbox.hpp"

struct lua_State;

namespace propbot::scripting::testing {

struct Nil {};
using Arg = std::variant<Nil, bool, double, std::string>;

struct Outcome {
  bool ok = false;
  std::string text;  // the serialised results ("#2|n1|n3"), or the error message
  bool budget_exceeded = false;  // sandbox only
  bool operator==(const Outcome& o) const { return ok == o.ok && text == o.text; }
};

// Harness functions (see kHarness in the .cpp), each returning its results serialised:
//   find(s, p, init, plain)  match(s, p, init)  gmatch(s, p) (every match, at most 64)
//   gsub(s, p, repl, n)      gsub_fn(s, p, k, n) with the k-th replacement function
//   gsub_table(s, p, n)      sort(csv of numbers, k) with no comparator (k = 0) or the
//   k-th one, returning the order and the comparator's call log      maxn(...keys)
class LuaDifferential {
 public:
  explicit LuaDifferential(std::int64_t sandbox_budget = 1'000'000'000'000);
  ~LuaDifferential();
  LuaDifferential(const LuaDifferential&) = delete;
  LuaDifferential& operator=(const LuaDifferential&) = delete;

  Outcome reference(const char* function, const std::vector<Arg>& args);
  Outcome sandboxed(const char* function, const std::vector<Arg>& args);
  // `body` is the body of a function whose results are serialised ("return s:rep(2)").
  Outcome reference_snippet(const std::string& body);
  Outcome sandboxed_snippet(const std::string& body);

  LuaSandbox& sandbox() { return *sandbox_; }

 private:
  SimClock clock_;
  lua_State* reference_ = nullptr;
  std::unique_ptr<LuaSandbox> sandbox_;
  int reference_harness_ = 0;  // registry refs of the harness table
  int sandbox_harness_ = 0;
};

// Random inputs in the alphabet that exercises every pattern feature: classes, sets
// (negated, ranges, ']' first, escapes), %b, %f, back-references, captures (position
// ones too), anchors, the four quantifiers, malformed items and NUL bytes.
class PatternGenerator {
 public:
  explicit PatternGenerator(std::uint64_t seed) : rng_(seed) {}
  std::string pattern();
  std::string subject();
  Arg init();       // nil mostly; else a small integer, 0, or a far one
  std::string replacement();  // a gsub template with %0-%9, %%, and a trailing '%'
  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

 private:
  std::mt19937_64 rng_;
};

// "find(\"aab\", \"a-b\", nil, nil)" for failure messages.
std::string describe_call(const char* function, const std::vector<Arg>& args);

}  // namespace propbot::scripting::testing
