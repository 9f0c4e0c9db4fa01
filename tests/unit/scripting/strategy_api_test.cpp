// The full strategy callback API (S-7.2): on_start/on_book/on_fill/on_timer/on_stop,
// ctx timers, positions, fees, funding, ctx.state, and on_stop → migrate across versions.
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "scripting/strategy_runner.hpp"

namespace propbot::scripting {
namespace {

StrategyEnv env_with(StateLimits limits) {
  StrategyEnv env;
  env.state_limits = limits;
  return env;
}

namespace fs = std::filesystem;

class FundingMarket : public MarketView {
 public:
  FundingMarket() : venues_{"SIM-A", "SIM-B"} {}
  const md::OrderBook* book(std::string_view, std::string_view) const override { return nullptr; }
  const std::vector<std::string>& venue_ids() const override { return venues_; }
  std::optional<FundingView> funding(std::string_view venue, std::string_view symbol) const override {
    if (venue != "SIM-A" || symbol != "BTC-USDT") return std::nullopt;
    return FundingView{0.0001, 60'000.5, 60'000.0, 1'700'000'000'000};
  }

 private:
  std::vector<std::string> venues_;
};

class NoFundingMarket : public MarketView {
 public:
  const md::OrderBook* book(std::string_view, std::string_view) const override { return nullptr; }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_{"SIM-A"};
};

class FixedPositions : public PositionView {
 public:
  double position(std::string_view venue, std::string_view symbol) const override {
    return venue == "SIM-A" && symbol == "BTC-USDT" ? -0.25 : 0.0;
  }
};

class StrategyApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/propbot-strategy-api-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<std::unique_ptr<StrategyRunner>> load(const std::string& name, const std::string& source,
                                               StrategyEnv env = {},
                                               std::optional<nlohmann::json> previous = std::nullopt,
                                               const MarketView* market = nullptr) {
    const fs::path path = fs::path(dir_) / (name + std::to_string(++files_) + ".lua");
    std::ofstream(path) << source;
    StrategySpec spec;
    spec.name = name;
    spec.path = path.string();
    spec.display_name = "strategies/" + name + ".lua";
    SandboxLimits limits;
    limits.instruction_budget = 200'000;
    return StrategyRunner::load(spec, limits, clock_, market != nullptr ? *market : market_, 3,
                                [this](const std::string&, const std::string& m) { logs_.push_back(m); },
                                std::move(env), std::move(previous));
  }

  // Runs `lua` inside on_book and returns ctx.state as JSON (through stop()).
  nlohmann::json state_after_book(StrategyRunner& runner) {
    std::vector<Intent> intents;
    runner.on_book({"SIM-A", "BTC-USDT"}, intents);
    EXPECT_FALSE(runner.stats().last_fault.has_value())
        << (runner.stats().last_fault ? runner.stats().last_fault->message : "");
    auto state = runner.stop();
    EXPECT_TRUE(state) << (state ? "" : state.error().message);
    return state ? *state : nlohmann::json();
  }

  SimClock clock_;
  FundingMarket market_;
  std::string dir_;
  int files_ = 0;
  std::vector<std::string> logs_;
};

TEST_F(StrategyApiTest, EachCallbackGetsItsArguments) {
  auto runner = load("cb", R"(local M = { name = 'cb' }
function M.on_start(ctx) ctx.state.started = (ctx.state.started or 0) + 1 end
function M.on_book(ctx, ev) ctx.state.book = ev.venue .. '/' .. ev.symbol end
function M.on_fill(ctx, f)
  ctx.state.fill = { f.venue, f.symbol, f.side, f.price, f.qty, f.fee, f.maker, f.client_order_id }
  ctx:propose{symbol = f.symbol, long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 10}
end
function M.on_timer(ctx, name, now_ms) ctx.state.timer = name; ctx.state.now_ms = now_ms end
function M.on_stop(ctx) ctx.state.stopped = true; return ctx.state end
return M)");
  ASSERT_TRUE(runner) << runner.error().message;
  auto& r = **runner;
  std::vector<Intent> intents;
  r.on_book({"SIM-B", "ETH-USDT"}, intents);
  r.on_fill({"SIM-A", "BTC-USDT", "sell", 60'000.5, 0.02, 0.48, true, "cid-7"}, intents);
  ASSERT_EQ(intents.size(), 1u) << "ctx:propose works from on_fill";
  EXPECT_EQ(intents[0].symbol, "BTC-USDT");
  // A timer set from C++'s point of view: through a script call.
  auto timers = load("tm", R"(local M = { name = 'tm' }
function M.on_start(ctx) ctx:set_timer('rebalance', 50) end
function M.on_book() end
function M.on_timer(ctx, name, now_ms) ctx.state.timer = name; ctx.state.now_ms = now_ms end
return M)");
  ASSERT_TRUE(timers) << timers.error().message;
  clock_.advance(std::chrono::milliseconds(50));
  EXPECT_EQ((*timers)->fire_due_timers(clock_.now(), intents), 1u);
  auto timer_state = (*timers)->stop();
  ASSERT_TRUE(timer_state) << timer_state.error().message;
  EXPECT_EQ((*timer_state)["timer"], "rebalance");
  EXPECT_EQ((*timer_state)["now_ms"], to_unix_ms(clock_.utc()));

  auto state = r.stop();
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["started"], 1);
  EXPECT_EQ((*state)["book"], "SIM-B/ETH-USDT");
  EXPECT_EQ((*state)["fill"], nlohmann::json::parse(R"(["SIM-A","BTC-USDT","sell",60000.5,0.02,0.48,true,"cid-7"])"));
  EXPECT_EQ((*state)["stopped"], true);
  EXPECT_TRUE(r.stopped());
  const auto calls = r.stats().calls;
  r.on_book({"SIM-B", "ETH-USDT"}, intents);
  EXPECT_EQ(r.stats().calls, calls) << "a stopped strategy is not called";
}

TEST_F(StrategyApiTest, HostileMetatablesOnTheEventTablesCannotCrashTheHost) {
  // The host refills ev/fill outside any protected call: a raising __newindex there
  // would be a LuaJIT panic (abort). It must be bypassed, not triggered.
  auto runner = load("trap", R"(local M = { name = 'trap' }
local trap = { __newindex = function() error('trapped') end, __index = function() error('trapped') end }
function M.on_book(ctx, ev)
  ev.venue = nil; ev.symbol = nil; setmetatable(ev, trap)
  rawset(ctx, 'state', nil); setmetatable(ctx, trap)
end
function M.on_fill(ctx, f) for k in pairs(f) do rawset(f, k, nil) end setmetatable(f, trap) end
return M)");
  ASSERT_TRUE(runner) << runner.error().message;
  std::vector<Intent> intents;
  for (int i = 0; i < 3; ++i) {
    (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
    (*runner)->on_fill({"SIM-A", "BTC-USDT", "buy", 1.0, 1.0, 0.0, false, "c"}, intents);
  }
  SUCCEED() << "still alive";
}

TEST_F(StrategyApiTest, EventAndFillTablesAreReusedAcrossCalls) {
  auto runner = load("reuse", R"(local M = { name = 'reuse' }
function M.on_book(ctx, ev)
  if ctx.state.ev == nil then ctx.state.ev = ev; ctx.state.same = 0 end
  if rawequal(ctx.state.ev, ev) then ctx.state.same = ctx.state.same + 1 end
end
function M.on_stop(ctx) return { same = ctx.state.same } end
return M)");
  ASSERT_TRUE(runner) << runner.error().message;
  std::vector<Intent> intents;
  for (int i = 0; i < 3; ++i) (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  auto state = (*runner)->stop();
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["same"], 3);
}

TEST_F(StrategyApiTest, MissingOptionalCallbacksAreSkipped) {
  auto runner = load("min", "return { name = 'min', on_book = function() end }");
  ASSERT_TRUE(runner) << runner.error().message;
  std::vector<Intent> intents;
  (*runner)->on_fill({"SIM-A", "BTC-USDT", "buy", 1, 1, 0, false, "x"}, intents);
  EXPECT_EQ((*runner)->stats().calls, 0u);
  EXPECT_EQ((*runner)->fire_due_timers(clock_.now() + std::chrono::hours(1), intents), 0u);
  auto state = (*runner)->stop();
  ASSERT_TRUE(state);
  EXPECT_EQ(*state, nlohmann::json::object()) << "no on_stop: ctx.state, empty";

  auto bad = load("badcb", "return { name = 'badcb', on_book = function() end, on_fill = 42 }");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("on_fill"), std::string::npos);
}

TEST_F(StrategyApiTest, TimersFireOnceRepeatAndCancel) {
  auto runner = load("timers", R"(local M = { name = 'timers' }
function M.on_start(ctx)
  ctx:set_timer('once', 100)
  ctx:set_timer('tick', 30, true)
  ctx:set_timer('never', 10)
  assert(ctx:cancel_timer('never') == true)
  assert(ctx:cancel_timer('unknown') == false)
  ctx.state.fired = {}
end
function M.on_book(ctx, ev)
  if ev.venue == 'stop' then ctx:cancel_timer('tick') end
end
function M.on_timer(ctx, name) ctx.state.fired[#ctx.state.fired + 1] = name end
return M)");
  ASSERT_TRUE(runner) << runner.error().message;
  auto& r = **runner;
  std::vector<Intent> intents;
  EXPECT_EQ(r.timer_count(), 2u);
  EXPECT_EQ(r.fire_due_timers(clock_.now(), intents), 0u);
  clock_.advance(std::chrono::milliseconds(30));
  EXPECT_EQ(r.fire_due_timers(clock_.now(), intents), 1u);  // tick
  clock_.advance(std::chrono::milliseconds(30));
  EXPECT_EQ(r.fire_due_timers(clock_.now(), intents), 1u);  // tick
  clock_.advance(std::chrono::milliseconds(40));
  EXPECT_EQ(r.fire_due_timers(clock_.now(), intents), 2u);  // tick (t=90) then once (t=100)
  EXPECT_EQ(r.timer_count(), 1u) << "a one-shot timer is gone after it fired";
  // Far behind: a repeating timer fires once and skips the missed periods.
  clock_.advance(std::chrono::milliseconds(1000));
  EXPECT_EQ(r.fire_due_timers(clock_.now(), intents), 1u);
  EXPECT_EQ(r.fire_due_timers(clock_.now(), intents), 0u);
  ASSERT_TRUE(r.next_timer_deadline().has_value());
  EXPECT_EQ(*r.next_timer_deadline(), clock_.now() + std::chrono::milliseconds(30));
  r.on_book({"stop", "BTC-USDT"}, intents);
  EXPECT_EQ(r.timer_count(), 0u);
  clock_.advance(std::chrono::milliseconds(100));
  EXPECT_EQ(r.fire_due_timers(clock_.now(), intents), 0u);
  auto state = r.stop();
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["fired"], nlohmann::json::parse(R"(["tick","tick","tick","once","tick"])"));
}

TEST_F(StrategyApiTest, SetTimerChecksItsArguments) {
  auto no_handler = load("nh", R"(local M = { name = 'nh' }
function M.on_book(ctx) ctx:set_timer('x', 10) end
return M)");
  ASSERT_TRUE(no_handler);
  std::vector<Intent> intents;
  (*no_handler)->on_book({"SIM-A", "BTC-USDT"}, intents);
  ASSERT_TRUE((*no_handler)->stats().last_fault);
  EXPECT_NE((*no_handler)->stats().last_fault->message.find("no on_timer"), std::string::npos);
  EXPECT_EQ((*no_handler)->stats().last_fault->where(), "strategies/nh.lua:2");

  StrategyEnv env;
  env.max_timers = 2;
  auto many = load("many", R"(local M = { name = 'many' }
function M.on_book(ctx, ev) for i = 1, 3 do ctx:set_timer('t' .. i, 10) end end
function M.on_timer() end
return M)", env);
  ASSERT_TRUE(many);
  (*many)->on_book({"SIM-A", "BTC-USDT"}, intents);
  ASSERT_TRUE((*many)->stats().last_fault);
  EXPECT_NE((*many)->stats().last_fault->message.find("at most 2 timers"), std::string::npos);

  auto bad_ms = load("ms", R"(local M = { name = 'ms' }
function M.on_book(ctx, ev) ctx:set_timer('t', 0) end
function M.on_timer() end
return M)");
  ASSERT_TRUE(bad_ms);
  (*bad_ms)->on_book({"SIM-A", "BTC-USDT"}, intents);
  ASSERT_TRUE((*bad_ms)->stats().last_fault);
  EXPECT_NE((*bad_ms)->stats().last_fault->message.find("ms must be"), std::string::npos);
}

TEST_F(StrategyApiTest, PositionFeesAndFunding) {
  FixedPositions positions;
  StrategyEnv env;
  env.positions = &positions;
  env.fees["SIM-B"] = FeeSchedule{-1.0, 3.5};
  env.default_fees = FeeSchedule{2.0, 5.0};
  const char* source = R"(local M = { name = 'views' }
function M.on_book(ctx, ev)
  local s = ctx.state
  s.pos_a = ctx:position('SIM-A', 'BTC-USDT')
  s.pos_b = ctx:position('SIM-B', 'BTC-USDT')
  local fa, fb = ctx:fees('SIM-A'), ctx:fees('SIM-B')
  s.fees = { fa.maker_bps, fa.taker_bps, fb.maker_bps, fb.taker_bps }
  local f = ctx:funding('SIM-A', 'BTC-USDT')
  if f then s.funding = { f.rate, f.mark_price, f.index_price, f.next_funding_ms } end
  s.no_funding = ctx:funding('SIM-B', 'BTC-USDT') == nil
end
return M)";
  auto runner = load("views", source, env);
  ASSERT_TRUE(runner) << runner.error().message;
  const auto state = state_after_book(**runner);
  EXPECT_DOUBLE_EQ(state["pos_a"].get<double>(), -0.25);
  EXPECT_EQ(state["pos_b"], 0);
  EXPECT_EQ(state["fees"], nlohmann::json::parse("[2, 5, -1, 3.5]"));
  EXPECT_EQ(state["funding"], nlohmann::json::parse("[0.0001, 60000.5, 60000, 1700000000000]"));
  EXPECT_EQ(state["no_funding"], true);

  // Without a PositionView every position is 0; a MarketView without funding gives nil.
  NoFundingMarket plain;
  auto bare = load("views", source, {}, std::nullopt, &plain);
  ASSERT_TRUE(bare) << bare.error().message;
  const auto bare_state = state_after_book(**bare);
  EXPECT_EQ(bare_state["pos_a"], 0);
  EXPECT_FALSE(bare_state.contains("funding"));
  EXPECT_EQ(bare_state["fees"], nlohmann::json::parse("[2, 5, 2, 5]"));
}

TEST_F(StrategyApiTest, StateCarriesAcrossVersionsThroughOnStopAndMigrate) {
  auto v1 = load("carry", R"(local M = { name = 'carry' }
function M.on_book(ctx, ev)
  ctx.state.books = (ctx.state.books or 0) + 1
  ctx.state.last = { venue = ev.venue, symbol = ev.symbol }
  ctx.state.history = ctx.state.history or {}
  table.insert(ctx.state.history, ev.venue)
end
return M)");
  ASSERT_TRUE(v1) << v1.error().message;
  std::vector<Intent> intents;
  (*v1)->on_book({"SIM-A", "BTC-USDT"}, intents);
  (*v1)->on_book({"SIM-B", "ETH-USDT"}, intents);
  auto old_state = (*v1)->stop();
  ASSERT_TRUE(old_state) << old_state.error().message;
  EXPECT_EQ(*old_state, nlohmann::json::parse(
                            R"({"books":2,"last":{"venue":"SIM-B","symbol":"ETH-USDT"},"history":["SIM-A","SIM-B"]})"));

  auto v2 = load("carry", R"(local M = { name = 'carry' }
function M.migrate(old)
  return { version = 2, books_before = old.books, last_venue = old.last.venue, history = old.history }
end
function M.on_start(ctx) ctx.state.started_with = ctx.state.books_before end
function M.on_book(ctx, ev) end
return M)", {}, *old_state);
  ASSERT_TRUE(v2) << v2.error().message;
  auto new_state = (*v2)->stop();
  ASSERT_TRUE(new_state) << new_state.error().message;
  EXPECT_EQ(*new_state, nlohmann::json::parse(
                            R"({"version":2,"books_before":2,"last_venue":"SIM-B","history":["SIM-A","SIM-B"],"started_with":2})"));

  // Without migrate() the previous state is dropped, and said so.
  auto v3 = load("carry", "return { name = 'carry', on_book = function() end }", {}, *old_state);
  ASSERT_TRUE(v3);
  auto v3_state = (*v3)->stop();
  ASSERT_TRUE(v3_state);
  EXPECT_EQ(*v3_state, nlohmann::json::object());
  EXPECT_NE(std::find_if(logs_.begin(), logs_.end(),
                         [](const std::string& m) { return m.find("no migrate") != std::string::npos; }),
            logs_.end());
}

TEST_F(StrategyApiTest, AFailingMigrateOrOnStartIsALoadError) {
  auto bad_migrate = load("m", R"(local M = { name = 'm' }
function M.migrate(old) return old.missing.field end
function M.on_book() end
return M)", {}, nlohmann::json::object());
  ASSERT_FALSE(bad_migrate);
  EXPECT_NE(bad_migrate.error().message.find("migrate failed at strategies/m.lua:2"), std::string::npos)
      << bad_migrate.error().message;

  auto not_table = load("m", R"(local M = { name = 'm' }
function M.migrate(old) return 5 end
function M.on_book() end
return M)", {}, nlohmann::json::object());
  ASSERT_FALSE(not_table);
  EXPECT_NE(not_table.error().message.find("must return a table"), std::string::npos);

  auto bad_start = load("s", R"(local M = { name = 's' }
function M.on_start(ctx) error('no config') end
function M.on_book() end
return M)");
  ASSERT_FALSE(bad_start);
  EXPECT_NE(bad_start.error().message.find("on_start failed at strategies/s.lua:2"), std::string::npos)
      << bad_start.error().message;

  auto propose_in_start = load("p", R"(local M = { name = 'p' }
function M.on_start(ctx)
  ctx:propose{symbol = 'BTC-USDT', long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 10}
end
function M.on_book() end
return M)");
  ASSERT_FALSE(propose_in_start);
  EXPECT_NE(propose_in_start.error().message.find("ctx:propose may only be called"), std::string::npos);
}

TEST_F(StrategyApiTest, FaultsInOnFillAndOnTimerCountTowardsTheFreeze) {
  auto runner = load("ff", R"(local M = { name = 'ff' }
function M.on_start(ctx) ctx:set_timer('t', 10, true) end
function M.on_book(ctx, ev) end
function M.on_fill(ctx, fill) error('bad fill ' .. fill.client_order_id) end
function M.on_timer(ctx, name) while true do end end
return M)");
  ASSERT_TRUE(runner) << runner.error().message;
  auto& r = **runner;
  std::vector<Intent> intents;
  r.on_fill({"SIM-A", "BTC-USDT", "buy", 1, 1, 0, false, "c1"}, intents);
  ASSERT_TRUE(r.stats().last_fault);
  EXPECT_EQ(r.stats().last_fault->where(), "strategies/ff.lua:4");
  EXPECT_EQ(r.stats().consecutive_faults, 1u);
  clock_.advance(std::chrono::milliseconds(10));
  r.fire_due_timers(clock_.now(), intents);
  ASSERT_TRUE(r.stats().last_fault);
  EXPECT_TRUE(r.stats().last_fault->budget_exceeded);
  EXPECT_EQ(r.stats().consecutive_faults, 2u);
  EXPECT_FALSE(r.stats().frozen);
  r.on_fill({"SIM-A", "BTC-USDT", "buy", 1, 1, 0, false, "c2"}, intents);
  EXPECT_TRUE(r.stats().frozen);
  EXPECT_NE(r.stats().freeze_reason.find("on_fill"), std::string::npos);
  clock_.advance(std::chrono::milliseconds(10));
  EXPECT_EQ(r.fire_due_timers(clock_.now(), intents), 0u) << "a frozen strategy's timers do not fire";

  // A good on_book between faults resets the run.
  auto mixed = load("mx", R"(local M = { name = 'mx' }
function M.on_book(ctx, ev) end
function M.on_fill(ctx, fill) error('x') end
return M)");
  ASSERT_TRUE(mixed);
  for (int i = 0; i < 5; ++i) {
    (*mixed)->on_fill({"SIM-A", "BTC-USDT", "buy", 1, 1, 0, false, "c"}, intents);
    (*mixed)->on_book({"SIM-A", "BTC-USDT"}, intents);
  }
  EXPECT_FALSE((*mixed)->stats().frozen);
  EXPECT_EQ((*mixed)->stats().faults, 5u);
}

TEST_F(StrategyApiTest, StateThatIsNotPlainDataIsAClearError) {
  const auto stop_with = [&](const std::string& body, StrategyEnv env = {}) {
    auto runner = load("bad_state", "local M = { name = 'bad_state' }\nfunction M.on_book(ctx, ev)\n" + body +
                                        "\nend\nreturn M\n",
                       std::move(env));
    EXPECT_TRUE(runner);
    std::vector<Intent> intents;
    (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
    EXPECT_FALSE((*runner)->stats().last_fault.has_value())
        << ((*runner)->stats().last_fault ? (*runner)->stats().last_fault->message : "");
    return (*runner)->stop();
  };
  auto cyclic = stop_with("local t = {}; t.self = t; ctx.state.loop = t");
  ASSERT_FALSE(cyclic);
  EXPECT_NE(cyclic.error().message.find("cycle"), std::string::npos) << cyclic.error().message;
  EXPECT_NE(cyclic.error().message.find("state.loop.self"), std::string::npos) << cyclic.error().message;

  auto function = stop_with("ctx.state.cb = { f = function() end }");
  ASSERT_FALSE(function);
  EXPECT_NE(function.error().message.find("state.cb.f: a function cannot be saved"), std::string::npos)
      << function.error().message;

  auto huge = stop_with("local t = {} for i = 1, 50000 do t[i] = i end ctx.state.big = t",
                        env_with(StateLimits{32, 10'000, 1u << 20}));
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("more than 10000 values"), std::string::npos) << huge.error().message;

  auto big_strings = stop_with("ctx.state.s = string.rep('x', 100000)",
                               env_with(StateLimits{32, 10'000, 50'000}));
  ASSERT_FALSE(big_strings);
  EXPECT_NE(big_strings.error().message.find("larger than 50000 bytes"), std::string::npos);

  auto deep = stop_with("local t = ctx.state for i = 1, 100 do t.n = {} t = t.n end");
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("deeper than 32"), std::string::npos) << deep.error().message;

  auto mixed_keys = stop_with("ctx.state.m = { 1, 2, x = 3 }");
  ASSERT_FALSE(mixed_keys);
  EXPECT_NE(mixed_keys.error().message.find("state.m"), std::string::npos);

  auto nan = stop_with("ctx.state.n = 0/0");
  ASSERT_FALSE(nan);
  EXPECT_NE(nan.error().message.find("non-finite"), std::string::npos);

  auto not_a_table = stop_with("ctx.state = 5");
  ASSERT_FALSE(not_a_table);
  EXPECT_NE(not_a_table.error().message.find("ctx.state must be a table"), std::string::npos);

  // A shared (non-cyclic) subtable is fine: it is saved twice.
  auto shared = stop_with("local t = { 1 } ctx.state.a = t ctx.state.b = t");
  ASSERT_TRUE(shared) << shared.error().message;
  EXPECT_EQ(*shared, nlohmann::json::parse(R"({"a":[1],"b":[1]})"));

  // on_stop returning something else than a table, or failing.
  auto weird = load("w", "return { name = 'w', on_book = function() end, on_stop = function() return 7 end }");
  ASSERT_TRUE(weird);
  auto weird_state = (*weird)->stop();
  ASSERT_FALSE(weird_state);
  EXPECT_NE(weird_state.error().message.find("on_stop must return a table"), std::string::npos);
  auto failing = load("f", "local M = { name = 'f', on_book = function() end }\nfunction M.on_stop() error('x') end\nreturn M\n");
  ASSERT_TRUE(failing);
  auto failing_state = (*failing)->stop();
  ASSERT_FALSE(failing_state);
  EXPECT_NE(failing_state.error().message.find("on_stop failed at strategies/f.lua:2"), std::string::npos)
      << failing_state.error().message;
}

TEST_F(StrategyApiTest, PreviousStateTooDeepIsALoadErrorNotACrash) {
  nlohmann::json deep = nlohmann::json::object();
  nlohmann::json* cursor = &deep;
  for (int i = 0; i < 100; ++i) cursor = &((*cursor)["n"] = nlohmann::json::object());
  auto runner = load("d", R"(local M = { name = 'd' }
function M.migrate(old) return old end
function M.on_book() end
return M)", {}, deep);
  ASSERT_FALSE(runner);
  EXPECT_NE(runner.error().message.find("previous state cannot be loaded"), std::string::npos)
      << runner.error().message;
}

TEST_F(StrategyApiTest, StateSnapshotReadsCtxStateWithoutEndingTheStrategy) {
  auto runner = load("snap", R"(
    local seen = 0
    return { name = "snap",
      on_book = function(ctx, ev) seen = seen + 1; ctx.state.seen = seen end,
      on_stop = function(ctx) error("on_stop must not run for a snapshot") end }
  )");
  ASSERT_TRUE(runner) << runner.error().message;
  std::vector<Intent> intents;
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  auto first = (*runner)->state_snapshot();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ((*first)["seen"], 2);
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);  // still running after the snapshot
  auto second = (*runner)->state_snapshot();
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["seen"], 3);
  EXPECT_EQ((*runner)->stats().faults, 0u);
  EXPECT_FALSE((*runner)->stopped());
}

TEST_F(StrategyApiTest, StateSnapshotOfUnsavableStateIsAnError) {
  auto runner = load("snapbad", R"(
    return { name = "snapbad", on_start = function(ctx) ctx.state.f = function() end end,
             on_book = function(ctx, ev) end }
  )");
  ASSERT_TRUE(runner) << runner.error().message;
  auto state = (*runner)->state_snapshot();
  ASSERT_FALSE(state);
  EXPECT_NE(state.error().message.find("state.f"), std::string::npos) << state.error().message;
}

TEST_F(StrategyApiTest, SourceInTheSpecIsUsedInsteadOfTheFile) {
  StrategySpec spec;
  spec.name = "inline";
  spec.path = "/nonexistent/never-read.lua";
  spec.display_name = "strategies/inline.lua";
  spec.source = R"(return { name = "inline", on_book = function(ctx, ev) ctx.state.ok = true end })";
  auto runner = StrategyRunner::load(spec, SandboxLimits{}, clock_, market_, 3);
  ASSERT_TRUE(runner) << runner.error().message;
  EXPECT_EQ(state_after_book(**runner)["ok"], true);

  spec.source = "return {";  // a syntax error is reported against the display name
  auto broken = StrategyRunner::load(spec, SandboxLimits{}, clock_, market_, 3);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("strategies/inline.lua:1"), std::string::npos) << broken.error().message;
}

TEST_F(StrategyApiTest, ParamDeclarationsAreKeptForOperatorsWithTheValueInUse) {
  StrategySpec spec;
  spec.name = "declared";
  spec.display_name = "strategies/declared.lua";
  spec.params = {{"edge", 7}};
  spec.source = R"(return { name = "declared",
    params = { edge = { type = "number", default = 4, min = 0, max = 50, doc = "entry edge" },
               on = { type = "boolean", default = true } },
    on_book = function(ctx, ev) end })";
  auto runner = StrategyRunner::load(spec, SandboxLimits{}, clock_, market_, 3);
  ASSERT_TRUE(runner) << runner.error().message;
  const nlohmann::json& specs = (*runner)->param_specs();
  EXPECT_EQ(specs["edge"]["type"], "number");
  EXPECT_EQ(specs["edge"]["default"], 4);
  EXPECT_EQ(specs["edge"]["min"], 0);
  EXPECT_EQ(specs["edge"]["max"], 50);
  EXPECT_EQ(specs["edge"]["doc"], "entry edge");
  EXPECT_EQ(specs["edge"]["value"], 7) << "the configured value, not the default";
  EXPECT_EQ(specs["on"]["value"], true);
  EXPECT_FALSE(specs["on"].contains("min"));
}

TEST_F(StrategyApiTest, ARaisingMetatableOnTheModuleOrItsParamsCannotEscapeTheLoad) {
  // The "strict module" idiom: reading a missing field raises. The host reads the module
  // and the params declarations outside any protected call, so it must read them raw:
  // a raise there would be a foreign exception through the engine.
  StrategySpec spec;
  spec.name = "strict";
  spec.display_name = "strategies/strict.lua";
  spec.source = R"(
    local strict = {__index = function(_, k) error("no field " .. tostring(k)) end}
    local decl = setmetatable({type = "number", default = 2}, strict)
    local M = {name = "strict", params = setmetatable({k = decl}, strict)}
    function M.on_book(ctx, ev) ctx.state.k = ctx.params.k end
    return setmetatable(M, strict)
  )";
  auto runner = StrategyRunner::load(spec, SandboxLimits{}, clock_, market_, 3);
  ASSERT_TRUE(runner) << runner.error().message;
  EXPECT_EQ((*runner)->params()["k"], 2);
  EXPECT_EQ(state_after_book(**runner)["k"], 2);
}

}  // namespace
}  // namespace propbot::scripting
