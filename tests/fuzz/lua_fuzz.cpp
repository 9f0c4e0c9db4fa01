// Fuzz targets for the Lua entry point (issue 10 acceptance: "a fuzz target per ... Lua
// entry point ... run for a bounded time in CI and longer by hand").
//
// LuaFuzz.MutatedStrategiesAlwaysReturnWithinTheBudget — a seeded mutation harness:
// the shipped strategies (strategies/*.lua) and hostile snippets, mutated (byte flips,
// splices between sources, token insertions, line deletions and duplicates,
// pattern-heavy snippets in on_book), each loaded through StrategyRunner (so through
// LuaSandbox) and driven with on_book, on_fill and the timers. Asserts: no crash (the
// process would die), every call returns (ok or fault), and no call runs past
// kMaxCallMs — the budget's own wall time is ~0.5 ms here and the call's time limit
// (for instructions that cost milliseconds each) 10 ms of CPU; kMaxCallMs leaves room
// for a busy CI machine, not for a runaway.
//
// LuaFuzz.PatternDifferential — the differential test of
// tests/unit/scripting/lua_pattern_differential_test.cpp as a fuzz mode: random
// patterns × subjects against LuaJIT's builtins for as long as the time allows.
//
// Both run for PROPBOT_FUZZ_SECONDS (default 5) from PROPBOT_FUZZ_SEED (default 1;
// 0 picks one from the clock), print what they did with the seed, e.g.
//   lua fuzz: 1234 inputs, 567 faults, 0 crashes, seed 1
// and reproduce with the same seed and a long enough time:
//   PROPBOT_FUZZ_SECONDS=600 PROPBOT_FUZZ_SEED=0 ./build/tests/fuzz/lua_fuzz_test
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scripting/script_watchdog.hpp"
#include "scripting/strategy_runner.hpp"
#include "tests/unit/scripting/lua_differential.hpp"

namespace propbot::scripting {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr double kMaxCallMs = 1000;

double env_number(const char* name, double fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atof(value) : fallback;
}

std::uint64_t fuzz_seed() {
  const auto seed = static_cast<std::uint64_t>(env_number("PROPBOT_FUZZ_SEED", 1));
  return seed != 0 ? seed : static_cast<std::uint64_t>(SteadyClock::now().time_since_epoch().count());
}

SteadyClock::time_point deadline() {
  const double seconds = env_number("PROPBOT_FUZZ_SECONDS", 5);
  return SteadyClock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

// Two venues with a 20-level book each, so the shipped strategies' paths run.
class FuzzMarket : public MarketView {
 public:
  FuzzMarket() : venues_{"SIM-A", "SIM-B"} {
    set("SIM-A", 100.0, 100.1);
    set("SIM-B", 100.5, 100.6);
  }
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    const auto it = books_.find(std::string(venue));
    return it == books_.end() || symbol != "BTC-USDT" ? nullptr : &it->second;
  }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  void set(const std::string& venue, double bid, double ask) {
    md::InstrumentSpec spec{venue, "BTC-USDT", "PERP", 0.1, 0.001, 5.0};
    std::vector<md::BookLevel> bids, asks;
    for (int i = 0; i < 20; ++i) {
      bids.push_back({static_cast<std::int64_t>(bid / 0.1 + 0.5) - i, 10'000});
      asks.push_back({static_cast<std::int64_t>(ask / 0.1 + 0.5) + i, 10'000});
    }
    books_.emplace(venue, md::OrderBook(spec)).first->second.apply_snapshot(bids, asks, 1, MonoTime{});
  }
  std::vector<std::string> venues_;
  std::map<std::string, md::OrderBook> books_;
};

// Complete hostile strategies: each a runaway, a bomb or a trick the sandbox must stop.
const std::vector<std::string> kHostile = {
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  while true do end\nend\nreturn M\n",
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  local x = string.find(('a'):rep(28), ('a-'):rep(28) .. 'b')\nend\nreturn M\n",
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end\nend\nreturn M\n",
    "local M = { name = 'h' }\nlocal function f() return 1 + f() end\nfunction M.on_book(ctx, ev)\n  f()\nend\nreturn M\n",
    "local M = { name = 'h' }\nlocal function f() return (('x'):gsub('.', f)) end\nfunction M.on_book(ctx, ev)\n  f()\nend\nreturn M\n",
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  while true do pcall(string.rep, 'x', 2^24) end\nend\nreturn M\n",
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  local t = {} for i = 1, 1e5 do t[i] = -i end table.sort(t, function(a, b) return a < b end) table.sort(t)\nend\nreturn M\n",
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  local co = coroutine.wrap(function() while true do coroutine.yield(('ab'):rep(1e5):upper()) end end)\n  while true do co() end\nend\nreturn M\n",
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  error(setmetatable({}, { __tostring = function() while true do end end }))\nend\nreturn M\n",
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  local s = ('x'):rep(2^20) for w in s:gmatch('.') do end\nend\nreturn M\n",
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  ctx:propose{ symbol = 'BTC-USDT', long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 0/0 }\nend\nreturn M\n",
    "local M = { name = 'h' }\nfunction M.on_book(ctx, ev)\n  local t = {} for i = 1, 7000 do t[i] = i end while true do select('#', unpack(t)) end\nend\nreturn M\n",
    // Single instructions that cost milliseconds (the instruction budget sees one each):
    // the call's time limit stops them (tests/unit/scripting/lua_runaways.hpp,
    // time_runaways(), at sizes that fit this harness's 16 MiB).
    "local M = { name = 'h' }\nlocal s = ('x'):rep(2^21)\nfunction M.on_book(ctx, ev)\n  while true do local t = s .. s end\nend\nreturn M\n",
    "local M = { name = 'h' }\nlocal a = ('x'):rep(3 * 2^20) .. 'a'\nlocal b = a:sub(1, -2) .. 'b'\nfunction M.on_book(ctx, ev)\n  while true do local c = a < b end\nend\nreturn M\n",
    "local M = { name = 'h' }\nlocal t = {} for i = 1, 7900 do t[i] = i end\nlocal function g(...) return select('#', ...) end\nlocal function h(...) while true do local n = g(...) end end\nfunction M.on_book(ctx, ev)\n  h(unpack(t))\nend\nreturn M\n",
};

const std::vector<std::string> kTokens = {
    "while true do end ", "for i = 1, 1e9 do end ", "(", ")", "end ", "local x = ", "return ", "function() ", "nil ",
    "{} ", ".. ", "#", "[", "]", "= ", ",", "'", "\"", "\n", "pcall(", "error('x') ", "ctx:book('SIM-A', 'BTC-USDT') ",
    "ctx:propose{} ", "coroutine.wrap(function() end)() ", "string.rep('a', 1e6) ", "('a'):rep(30):find(('a-'):rep(30) .. 'b') ",
    "table.sort({3, 1, 2}) ", "table.concat({1, 2}, ',') ", "setmetatable(_G, {}) ", "ctx.state.x = {} ", "goto x ",
    "::x:: ", "1e308 * 10 ", "0/0 ", "math.huge ", "-- ", "--[[ ", "]] ", "[[", "string.format('%q', 'x') ",
};

// A Lua long-bracket-free literal of arbitrary bytes: "\ddd" escapes outside letters.
std::string lua_literal(const std::string& bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ') {
      out += static_cast<char>(c);
    } else {
      out += "\\" + std::to_string(c);
    }
  }
  return out + "\"";
}

class Mutator {
 public:
  Mutator(std::uint64_t seed, std::vector<std::string> corpus) : rng_(seed), patterns_(seed ^ 0x9e37), corpus_(std::move(corpus)) {}

  std::string next() {
    std::string s = corpus_[below(corpus_.size())];
    const int rounds = 1 + static_cast<int>(below(4));
    for (int i = 0; i < rounds; ++i) mutate(s);
    return s;
  }

 private:
  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  void mutate(std::string& s) {
    switch (below(6)) {
      case 0:  // byte flip
        if (!s.empty()) s[below(s.size())] = static_cast<char>(below(256));
        break;
      case 1: {  // splice a piece of another source in
        const std::string& other = corpus_[below(corpus_.size())];
        const std::size_t from = below(other.size());
        s.insert(below(s.size() + 1), other.substr(from, below(200)));
        break;
      }
      case 2:  // a token
        s.insert(below(s.size() + 1), kTokens[below(kTokens.size())]);
        break;
      case 3:  // drop or duplicate a line
        drop_or_duplicate_line(s);
        break;
      default:  // a pattern-heavy line at the top of on_book
        insert_pattern_call(s);
        break;
    }
  }

  void drop_or_duplicate_line(std::string& s) {
    const std::size_t start = s.rfind('\n', below(s.size() + 1));
    const std::size_t begin = start == std::string::npos ? 0 : start + 1;
    const std::size_t end = s.find('\n', begin);
    const std::string line = s.substr(begin, end == std::string::npos ? std::string::npos : end - begin + 1);
    if (below(2) == 0) {
      s.erase(begin, line.size());
    } else {
      s.insert(begin, line);
    }
  }

  void insert_pattern_call(std::string& s) {
    static const char* kCalls[] = {"find", "match", "gsub", "gmatch"};
    const char* call = kCalls[below(4)];
    std::string subject = patterns_.subject();
    if (below(4) == 0) subject = std::string(20 + below(20), 'a');
    std::string pattern = patterns_.pattern();
    if (below(4) == 0) {
      pattern.clear();
      for (std::size_t i = 0, n = 10 + below(20); i < n; ++i) pattern += below(2) == 0 ? "a-" : "a*";
      pattern += "b";
    }
    std::string line = "  pcall(string." + std::string(call) + ", " + lua_literal(subject) + ", " + lua_literal(pattern);
    line += std::string(call) == "gsub" ? ", " + lua_literal(patterns_.replacement()) + ")\n" : ")\n";
    const std::size_t at = s.find("function M.on_book(ctx, ev)\n");
    s.insert(at == std::string::npos ? below(s.size() + 1) : at + 28, line);
  }

  std::mt19937_64 rng_;
  testing::PatternGenerator patterns_;
  std::vector<std::string> corpus_;
};

std::vector<std::string> corpus() {
  std::vector<std::string> sources = kHostile;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(PROPBOT_SOURCE_DIR) + "/strategies")) {
    if (entry.path().extension() != ".lua") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    sources.push_back(text.str());
  }
  return sources;
}

// The module's declared name, so that an unbroken `name = "..."` still loads.
std::string declared_name(const std::string& source) {
  const std::size_t at = source.find("name = ");
  if (at == std::string::npos || at + 8 >= source.size()) return "fuzz";
  const char quote = source[at + 7];
  const std::size_t end = source.find(quote, at + 8);
  if ((quote != '"' && quote != '\'') || end == std::string::npos) return "fuzz";
  return source.substr(at + 8, end - at - 8);
}

struct Tally {
  std::uint64_t inputs = 0;
  std::uint64_t faults = 0;
  double slowest_ms = 0;
  std::string slowest;
};

template <typename Call>
void timed(Tally& tally, const std::string& source, const char* what, Call call) {
  const auto started = SteadyClock::now();
  call();
  const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  if (ms > tally.slowest_ms) {
    tally.slowest_ms = ms;
    tally.slowest = what;
  }
  EXPECT_LT(ms, kMaxCallMs) << what << " ran " << ms << " ms on input:\n" << source;
}

TEST(LuaFuzz, MutatedStrategiesAlwaysReturnWithinTheBudget) {
  const std::uint64_t seed = fuzz_seed();
  const auto until = deadline();
  SimClock clock;
  FuzzMarket market;
  SandboxLimits limits;
  limits.instruction_budget = 200'000;
  limits.memory_limit_bytes = 16u << 20;
  // One watchdog for every input, as the engine has; a short limit (the budget's own
  // ~0.5 ms is far below) so that the time runaways leave time for the other inputs.
  limits.call_time_limit = std::chrono::milliseconds(10);
  limits.watchdog = std::make_shared<ScriptWatchdog>(std::chrono::milliseconds(2));
  Mutator mutator(seed, corpus());
  Tally tally;
  do {
    const std::string source = mutator.next();
    ++tally.inputs;
    StrategySpec spec;
    spec.name = declared_name(source);
    spec.display_name = "strategies/fuzz.lua";
    spec.source = source;
    Result<std::unique_ptr<StrategyRunner>> runner = make_error(Errc::script_error, "not loaded");
    timed(tally, source, "load", [&] { runner = StrategyRunner::load(spec, limits, clock, market, 3); });
    if (!runner) {
      ++tally.faults;
      continue;
    }
    std::vector<Intent> intents;
    for (int i = 0; i < 3; ++i) {
      timed(tally, source, "on_book", [&] { (*runner)->on_book({i % 2 == 0 ? "SIM-A" : "SIM-B", "BTC-USDT"}, intents); });
    }
    timed(tally, source, "on_fill", [&] {
      (*runner)->on_fill({"SIM-A", "BTC-USDT", "buy", 100.1, 0.01, 0.0004, false, "fuzz-1"}, intents);
    });
    clock.advance(std::chrono::seconds(5));
    timed(tally, source, "timers", [&] { (*runner)->fire_due_timers(clock.now(), intents); });
    timed(tally, source, "stop", [&] { (void)(*runner)->stop(); });
    tally.faults += (*runner)->stats().faults;
  } while (SteadyClock::now() < until);
  std::printf("lua fuzz: %llu inputs, %llu faults, 0 crashes, seed %llu (slowest call %.2f ms, %s)\n",
              static_cast<unsigned long long>(tally.inputs), static_cast<unsigned long long>(tally.faults),
              static_cast<unsigned long long>(seed), tally.slowest_ms, tally.slowest.c_str());
  EXPECT_GT(tally.faults, 0u) << "the corpus has hostile inputs: some calls must fault";
}

TEST(LuaFuzz, PatternDifferential) {
  const std::uint64_t seed = fuzz_seed();
  const auto until = deadline();
  testing::LuaDifferential diff;
  testing::PatternGenerator gen(seed);
  std::uint64_t calls = 0;
  int reported = 0;
  auto check = [&](const char* function, const std::vector<testing::Arg>& args) {
    ++calls;
    const testing::Outcome reference = diff.reference(function, args);
    const testing::Outcome sandboxed = diff.sandboxed(function, args);
    if (!(reference == sandboxed) && reported++ < 20) {
      ADD_FAILURE() << testing::describe_call(function, args) << "\n  LuaJIT:  " << reference.text
                    << "\n  sandbox: " << sandboxed.text;
    }
  };
  do {
    const std::string pattern = gen.pattern();
    const std::string subject = gen.subject();
    testing::Arg plain = testing::Nil{};
    if (gen.below(5) == 0) plain = true;
    check("find", {subject, pattern, gen.init(), plain});
    check("match", {subject, pattern, gen.init()});
    check("gmatch", {subject, pattern});
    check("gsub", {subject, pattern, gen.replacement(), testing::Nil{}});
    check("gsub_fn", {subject, pattern, static_cast<double>(1 + gen.below(7)), testing::Nil{}});
  } while (SteadyClock::now() < until && reported < 20);
  std::printf("lua fuzz (pattern differential): %llu calls, %d disagreements, seed %llu\n",
              static_cast<unsigned long long>(calls), reported, static_cast<unsigned long long>(seed));
}

}  // namespace
}  // namespace propbot::scripting
