// The sandbox's budgeted string and table functions against LuaJIT's builtins
// (tests/unit/scripting/lua_differential.hpp): a hand-written table of tricky cases and
// thousands of seeded random patterns × subjects must give byte-identical results and
// byte-identical errors (same chunk name on both sides, so the locations are compared
// too). A budget large enough never to run out: here only the semantics are on trial.
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/scripting/lua_differential.hpp"

namespace propbot::scripting::testing {
namespace {

// Returns true when both sides agree; reports the first few disagreements.
bool agree(const Outcome& reference, const Outcome& sandboxed, const std::string& what, int* reported) {
  if (reference == sandboxed) return true;
  if ((*reported)++ < 20) {
    ADD_FAILURE() << what << "\n  LuaJIT:  " << (reference.ok ? "ok    " : "error ") << reference.text
                  << "\n  sandbox: " << (sandboxed.ok ? "ok    " : "error ") << sandboxed.text;
  }
  return false;
}

const std::vector<std::string> kTrickyCases = {
    // find: init, plain, coercions, NULs (the matcher reads the pattern as a C string)
    R"~(return string.find("hello world", "o w"))~",
    R"~(return ("hello"):find("l"))~",
    R"~(return ("hello"):find("l", -2))~",
    R"~(return ("hello"):find("", 10))~",
    R"~(return ("hello"):find("", -10))~",
    R"~(return ("hello"):find("l", 0))~",
    R"~(return ("a+b"):find("+", 1, true))~",
    R"~(return ("a+b"):find("a+b"))~",
    R"~(return ("a)"):find(")"))~",
    R"~(return ("a\0b"):find("\0", 1, true))~",
    R"~(return ("a\0b"):find("a\0b"))~",
    R"~(return ("a\0b"):find("a\0."))~",
    R"~(return ("a\0b"):find("%z"))~",
    R"~(return ("a\0b"):find("[\0]"))~",
    R"~(return ("abc"):find("b", 1.9))~",
    R"~(return ("abc"):find("b", "2"))~",
    R"~(return ("abc"):find("b", {}))~",
    R"~(return ("abc"):find())~",
    R"~(return string.find())~",
    R"~(return string.find(123, 2))~",
    R"~(return ("x"):find("x", 2^40))~",
    R"~(return ("x"):find("x", -2^40))~",
    R"~(return ("x"):find("x", 0/0))~",
    R"~(return ("aaa"):find("aa", 2, true))~",
    R"~(return ("aaa"):find("", 4, true))~",
    R"~(return ("aaa"):find("aaaa", 1, true))~",
    R"~(return ("abc"):find("b", 1, false))~",
    R"~(return ("abc"):find("b", nil, 1))~",
    // match: captures, position captures, anchors, classes, %b, %f, back-references
    R"~(return ("key=val"):match("(%w+)=(%w+)"))~",
    R"~(return ("  trim  "):match("^%s*(.-)%s*$"))~",
    R"~(return ("abc"):match("()b()"))~",
    R"~(return ("abc"):match("((a)(b))"))~",
    R"~(return ("aXb"):match("%u"))~",
    R"~(return ("f(a(b)c)d"):match("%b()"))~",
    R"~(return ("f(a(b)c"):match("%b()"))~",
    R"~(return ("aaa"):match("%baa"))~",
    R"~(return ("THE (quick) fox"):find("%f[%a]%a+", 5))~",
    R"~(return ("hello"):match(".-(l+)(.*)"))~",
    R"~(return ("aaa"):match("^(a-)a$"))~",
    R"~(return ('say "hi" now'):match("([\"'])(.-)%1"))~",
    R"~(return ("abab"):match("(ab)%1"))~",
    R"~(return ("aa"):match("()%1"))~",
    R"~(return ("a"):match("%1"))~",
    R"~(return ("a"):match("(a%1)"))~",
    R"~(return ("a"):match("%0"))~",
    R"~(return ("x$y"):match("$y"))~",
    R"~(return ("x$"):match("x$$"))~",
    R"~(return ("a^b"):match("a^b"))~",
    R"~(return ("abc"):match("^b"))~",
    R"~(return ("]"):match("[]]"))~",
    R"~(return ("a-"):match("[a-]+"))~",
    R"~(return ("%"):match("[%%]"))~",
    R"~(return ("\200\255"):match("[\128-\255]+"))~",
    R"~(return ("\200"):match("%A"))~",
    R"~(return ("a.b"):match("%."))~",
    R"~(return ("_x9"):match("[%w_]+"))~",
    // malformed patterns, lazily: only where the matcher gets to them
    R"~(return ("a"):find("%"))~",
    R"~(return ("a"):find("[a"))~",
    R"~(return ("a"):find("["))~",
    R"~(return ("a"):find("[^"))~",
    R"~(return ("a"):find("[%"))~",
    R"~(return ("a"):find("%f"))~",
    R"~(return ("a"):find("%fa"))~",
    R"~(return ("a"):find("%b"))~",
    R"~(return ("a"):find("%ba"))~",
    R"~(return ("a"):find("("))~",
    R"~(return ("a"):find(")"))~",
    R"~(return ("a"):match(")"))~",
    R"~(return ("abc"):find("x["))~",
    R"~(return ("abc"):find("a["))~",
    R"~(return ("a"):match(("()"):rep(32)))~",
    R"~(return ("a"):match(("()"):rep(33)))~",
    R"~(return (""):match(("x*"):rep(199)))~",
    R"~(return (""):match(("x*"):rep(200)))~",
    R"~(return ("aaaa"):match(("a?"):rep(250)))~",
    R"~(return ("a"):match(("(a*)"):rep(120)))~",
    // gmatch: iteration, empty matches, '^' is an ordinary character
    R"~(local out = "" for k, v in ("a=1, b=2"):gmatch("(%w+)=(%w+)") do out = out .. k .. v end return out)~",
    R"~(local out = "" for a in ("^a^a"):gmatch("^a") do out = out .. a .. "," end return out)~",
    R"~(local out = "" for a in ("abc"):gmatch("x*") do out = out .. "[" .. a .. "]" end return out)~",
    R"~(local out = "" for a in ("abc"):gmatch("") do out = out .. "[" .. a .. "]" end return out)~",
    R"~(local out = "" for p, q in ("abc"):gmatch("()(.)") do out = out .. p .. q end return out)~",
    R"~(local out = "" for a in ("abc"):gmatch(".$") do out = out .. a end return out)~",
    R"~(local it = ("ab"):gmatch(".") return it(), it(), it(), it())~",
    R"~(local it = ("ab"):gmatch("(") return pcall(it))~",
    R"~(return string.gmatch())~",
    R"~(return ("x"):gmatch({}))~",
    R"~(local out = "" for a in string.gmatch(12321, 2) do out = out .. a end return out)~",
    // gsub: templates, functions, tables, max n, coercions, errors
    R"~(return ("hello world"):gsub("o", "0"))~",
    R"~(return ("hello"):gsub("", "-"))~",
    R"~(return ("abc"):gsub("%w", "%0%0"))~",
    R"~(return ("abc"):gsub("(%w)", "%1-"))~",
    R"~(return ("abc"):gsub("%w", "%2"))~",
    R"~(return ("abc"):gsub("%w", "%1"))~",
    R"~(return ("abc"):gsub("x", "%2"))~",
    R"~(return ("abc"):gsub("b", "%"))~",
    R"~(return ("abc"):gsub("b", "%x%%"))~",
    R"~(return ("abc"):gsub("b", 5))~",
    R"~(return ("abc"):gsub(".", {a = 1, b = true}))~",
    R"~(return ("abc"):gsub(".", {a = 1}))~",
    R"~(return ("abc"):gsub("^.", "X"))~",
    R"~(return ("abc"):gsub(".", "X", 2))~",
    R"~(return ("abc"):gsub(".", "X", 0))~",
    R"~(return ("abc"):gsub(".", "X", -1))~",
    R"~(return ("abc"):gsub(".", "X", 2^32 + 1))~",
    R"~(return ("abc"):gsub(".", "X", 2^63))~",
    R"~(return ("abc"):gsub(".", "X", "2"))~",
    R"~(return ("abc"):gsub(".", "X", "x"))~",
    R"~(return ("abc"):gsub(".", nil))~",
    R"~(return ("abc"):gsub("."))~",
    R"~(return ("abc"):gsub(".", true))~",
    R"~(return ("abc"):gsub("(", "x"))~",
    R"~(return ("abc"):gsub("(", function(c) return c end))~",
    R"~(return ("abc"):gsub("()", "%1"))~",
    R"~(return ("abc"):gsub("()", function(p) return p * 2 end))~",
    R"~(return ("abc"):gsub("%w", function(c) return c:upper() .. c end))~",
    R"~(return ("abc"):gsub("%w", function(c) if c == "b" then return nil end return 1.5 end))~",
    R"~(return ("a b"):gsub("%w", function(c) error("no " .. c) end))~",
    R"~(return string.gsub(12321, 2, 9))~",
    R"~(return ("x"):gsub("x", ("y"):rep(300)))~",
    R"~(return (("ab"):rep(200)):gsub("a", "%0%0"))~",
    // table.sort, table.maxn
    R"~(local t = {3, 1, 2} table.sort(t) return unpack(t))~",
    R"~(local t = {"b", "a", "c"} table.sort(t, function(a, b) return a > b end) return unpack(t))~",
    R"~(return pcall(table.sort, {3, 1, "x"}))~",
    R"~(table.sort({3, 1, "x"}))~",
    R"~(table.sort(nil))~",
    R"~(table.sort({}, 5))~",
    R"~(table.sort({3, 2, 1}, nil) return true)~",
    R"~(local t = {5, 4, 3, 2, 1, 0, 9, 8} table.sort(t, function() return true end) return unpack(t))~",
    R"~(return table.maxn({1, 2, nil, 4, [10.5] = 1, [-3] = 1, x = 5}))~",
    R"~(return table.maxn({}))~",
    R"~(return table.maxn())~",
    // the charged builtins behind their shims: results, names and locations unchanged
    R"~(return ("ab"):rep(3, ","))~",
    R"~(return ("ab"):rep(0), ("ab"):rep(-1), ("ab"):rep(2.7), ("x"):rep(1e10), (""):rep(1e9))~",
    R"~(return string.rep())~",
    R"~(return string.rep("x"))~",
    R"~(return ("x"):rep({}))~",
    R"~(return string.rep(5, 2, 0))~",
    R"~(return ("aBc\0d"):upper(), ("aBc\0d"):lower(), ("ab\0c"):reverse())~",
    R"~(return string.upper())~",
    R"~(return string.upper(12), string.reverse(1.5))~",
    R"~(return ("hello"):sub(2), ("hello"):sub(-3, -2), ("hello"):sub(0), ("hello"):sub(10), ("hello"):sub(2, 100))~",
    R"~(return ("x"):sub())~",
    R"~(return string.format("%5.2f|%d|%s|%q", 3.14159, 42, "s", "a\0b\n\"\\"))~",
    R"~(return string.format("%d", "x"))~",
    R"~(return string.format("%y", 1))~",
    R"~(return string.format("%s"))~",
    R"~(return ("%s|%5s|%-99s|"):format(nil, "ab", "x"))~",
    R"~(return string.format("%100d", 1))~",
    R"~(return string.format("%%|%c%c", 72, 105))~",
    R"~(return string.format())~",
    R"~(return ("abc"):byte(), ("abc"):byte(1, -1))~",
    R"~(return ("abc"):byte(-1), ("abc"):byte(10), ("abc"):byte(0))~",
    R"~(return ("x"):rep(9000):byte(1, -1))~",
    R"~(return string.char(72, 105), string.char(), string.char("65"))~",
    R"~(return string.char(256))~",
    R"~(return string.char(-1))~",
    R"~(return table.concat({1, 2, "a"}, ","), table.concat({}, ","), table.concat({1, 2, 3}, ",", 2, 3))~",
    R"~(return table.concat({1, 2, 3}, ",", 3, 2), table.concat({1.5, 2}))~",
    R"~(return table.concat({1, {}, 3}))~",
    R"~(return table.concat({1, 2}, ",", 1, 5))~",
    R"~(return table.concat(nil))~",
    R"~(return table.concat({1, 2}, {}))~",
    R"~(local t = {1, 2} table.insert(t, 3) table.insert(t, 1, 0) return unpack(t))~",
    R"~(table.insert({}, 1, 2, 3))~",
    R"~(table.insert(nil, 1))~",
    R"~(table.insert({}, "x", 1))~",
    R"~(local t = {} table.insert(t, 5, "x") return t[5], #t)~",
    R"~(return unpack({1, 2, 3}))~",
    R"~(return unpack({1, 2, 3}, 2))~",
    R"~(return unpack({1, 2, 3}, -1, 1))~",
    R"~(return unpack({}, 1, 1e5))~",
    R"~(return unpack())~",
    R"~(return tonumber("  0x10  "), tonumber("z", 36), tonumber(nil), tonumber("1e5"), tonumber(" "))~",
    R"~(return tonumber("10", 99))~",
    R"~(return tonumber())~",
    // pcall and coroutine.resume behind their error-charging shims
    R"~(return pcall())~",
    R"~(return pcall(nil))~",
    R"~(return pcall(error, "x"))~",
    R"~(return pcall(error, "x", 0))~",
    R"~(return select("#", pcall(error)))~",
    R"~(return pcall(function(...) return select("#", ...), ... end, 1, nil, 3))~",
    R"~(local ok, e = pcall(error, {}) return ok, type(e))~",
    R"~(return coroutine.resume())~",
    R"~(return coroutine.resume(1))~",
    R"~(local co = coroutine.create(function(a, b) local c = coroutine.yield(a + b) error("after " .. c) end)
       local r1 = {coroutine.resume(co, 1, 2)} local r2 = {coroutine.resume(co, "x")} local r3 = {coroutine.resume(co)}
       return r1[1], r1[2], r2[1], r2[2], r3[1], r3[2])~",
    R"~(local co = coroutine.wrap(function() local ok, v = pcall(coroutine.yield, 7) return ok, v end)
       local first = co() return first, co("back"))~",
    R"~(return xpcall(function() error("boom") end, function(m) return "handled " .. m end))~",
};

TEST(LuaPatternDifferentialTest, HandWrittenTrickyCasesMatchLuaJIT) {
  LuaDifferential diff;
  int reported = 0;
  int agreed = 0;
  for (const std::string& body : kTrickyCases) {
    if (agree(diff.reference_snippet(body), diff.sandboxed_snippet(body), body, &reported)) ++agreed;
  }
  std::printf("  %d of %zu hand-written cases agree\n", agreed, kTrickyCases.size());
}

// Each case's outcome tells a result from an error: the table covers both.
TEST(LuaPatternDifferentialTest, TheHandWrittenTableHasResultsAndErrors) {
  LuaDifferential diff;
  int errors = 0;
  for (const std::string& body : kTrickyCases) errors += diff.reference_snippet(body).ok ? 0 : 1;
  EXPECT_GT(errors, 30);
  EXPECT_LT(errors, static_cast<int>(kTrickyCases.size()) - 80);
}

TEST(LuaPatternDifferentialTest, RandomPatternsAndSubjectsMatchLuaJIT) {
  constexpr std::uint64_t kSeed = 20240610;
  constexpr int kPatterns = 2500;
  LuaDifferential diff;
  PatternGenerator gen(kSeed);
  int reported = 0;
  int calls = 0;
  int errors = 0;
  auto check = [&](const char* function, const std::vector<Arg>& args) {
    const Outcome reference = diff.reference(function, args);
    errors += reference.ok ? 0 : 1;
    ++calls;
    agree(reference, diff.sandboxed(function, args), describe_call(function, args), &reported);
  };
  for (int i = 0; i < kPatterns && reported < 20; ++i) {
    const std::string pattern = gen.pattern();
    for (int j = 0; j < 4; ++j) {
      const std::string subject = gen.subject();
      Arg plain = Nil{};
      if (gen.below(5) == 0) plain = true;
      check("find", {subject, pattern, gen.init(), plain});
      check("match", {subject, pattern, gen.init()});
      check("gmatch", {subject, pattern});
      Arg max_n = Nil{};
      if (gen.below(4) == 0) max_n = static_cast<double>(gen.below(4) - 1);
      switch (gen.below(3)) {
        case 0: check("gsub", {subject, pattern, gen.replacement(), max_n}); break;
        case 1: check("gsub_fn", {subject, pattern, static_cast<double>(1 + gen.below(7)), max_n}); break;
        default: check("gsub_table", {subject, pattern, max_n}); break;
      }
    }
  }
  std::printf("  lua pattern differential: %d calls (%d errors), seed %llu\n", calls, errors,
              static_cast<unsigned long long>(kSeed));
  EXPECT_GT(errors, calls / 50) << "the generator should reach the error paths too";
}

TEST(LuaPatternDifferentialTest, SortMatchesLuaJITIncludingEveryComparatorCall) {
  LuaDifferential diff;
  PatternGenerator gen(77);
  int reported = 0;
  for (int i = 0; i < 400 && reported < 20; ++i) {
    std::string csv;
    const int n = gen.below(40);
    for (int k = 0; k < n; ++k) {
      const int kind = gen.below(30);
      csv += kind == 0 ? "nan" : kind == 1 ? "s" : std::to_string(gen.below(12));
      csv += ',';
    }
    const std::vector<Arg> args = {csv, static_cast<double>(gen.below(6))};
    agree(diff.reference("sort", args), diff.sandboxed("sort", args), describe_call("sort", args), &reported);
  }
}

TEST(LuaPatternDifferentialTest, MaxnMatchesLuaJIT) {
  LuaDifferential diff;
  int reported = 0;
  const std::vector<std::vector<Arg>> cases = {
      {}, {1.0, 2.0, 3.0}, {-1.0, -2.0}, {0.5}, {1e300, 2.0}, {std::string("x"), 7.0}, {100.0, 1.0, 99.5},
  };
  for (const auto& args : cases) {
    agree(diff.reference("maxn", args), diff.sandboxed("maxn", args), describe_call("maxn", args), &reported);
  }
}

}  // namespace
}  // namespace propbot::scripting::testing
