// StrategySet: the two-phase swap of a hot reload — build the new versions beside the
// running ones, swap only a complete plan, carry unchanged strategies over untouched,
// hand ctx.state to migrate(), and leave everything running when any part fails.
#include "core/engine/strategy_set.hpp"
#include "core/engine/reload_errors.hpp"

#include <gtest/gtest.h>

namespace propbot::engine {
namespace {

Logger quiet() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

class EmptyMarket final : public scripting::MarketView {
 public:
  const md::OrderBook* book(std::string_view, std::string_view) const override { return nullptr; }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_{"SIM-A", "SIM-B"};
};

// A strategy that counts its on_book calls in ctx.state and proposes "<tag> <count>".
std::string counting(const std::string& name, const std::string& tag, bool with_migrate = true,
                     const std::string& extra = "") {
  return "local M = { name = '" + name + "' }\n" + (with_migrate ? "function M.migrate(old) return old end\n" : "") +
         "function M.on_book(ctx, ev)\n  ctx.state.n = (ctx.state.n or 0) + 1\n  " + extra +
         "\n  ctx:propose{symbol = ev.symbol, long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 1,"
         " reason = '" + tag + " ' .. ctx.state.n}\nend\n"
         "function M.on_stop(ctx) ctx.state.stopped = true end\nreturn M\n";
}

class StrategySetTest : public ::testing::Test {
 protected:
  config::Config config_with(std::vector<std::pair<std::string, std::string>> strategies) {
    config::Config config;
    config.scripting.bundle_dir = "/nonexistent";
    for (const auto& [name, file] : strategies) {
      config::StrategyConfig s;
      s.name = name;
      s.file = file;
      config.strategies.push_back(s);
    }
    return config;
  }
  bundle::Bundle bundle_of(bundle::Bundle::Files files) {
    files.emplace("configs/paper.yaml", "profile: paper\n");
    auto bundle = bundle::Bundle::from_files(std::move(files));
    EXPECT_TRUE(bundle.ok()) << bundle.error().describe();
    return *bundle;
  }
  // One book event through every running strategy; the reasons proposed.
  std::vector<std::string> tick() {
    std::vector<std::string> reasons;
    for (auto& slot : set_.slots()) {
      std::vector<Intent> intents;
      slot.runner->on_book({"SIM-A", "BTC-USDT"}, intents);
      for (const auto& intent : intents) reasons.push_back(intent.strategy + ":" + intent.reason);
    }
    return reasons;
  }
  bool apply(const config::Config& config, const bundle::Bundle& bundle, std::int64_t version,
             StrategySet::Plan* out = nullptr, const std::vector<std::string>& reset_state = {}) {
    scripting::StrategyEnv env;
    env.state_limits = state_limits_;
    StrategySet::Plan plan = set_.prepare(config, &bundle, version, env, reset_state);
    if (out != nullptr) {
      out->started = plan.started;
      out->replaced = plan.replaced;
      out->stopped = plan.stopped;
      out->kept = plan.kept;
      out->reset = plan.reset;
      out->replaced_frozen = plan.replaced_frozen;
      out->errors = plan.errors;
    }
    if (!plan.ok()) return false;
    set_.commit(std::move(plan));
    return true;
  }

  SimClock clock_;
  EmptyMarket market_;
  scripting::StateLimits state_limits_;
  StrategySet set_{clock_, market_, quiet()};
};

TEST_F(StrategySetTest, AReplacedStrategyContinuesFromItsStateAndAnUnchangedOneIsKept) {
  const auto config = config_with({{"alpha", "strategies/alpha.lua"}, {"beta", "strategies/beta.lua"}});
  ASSERT_TRUE(apply(config, bundle_of({{"strategies/alpha.lua", counting("alpha", "v1")},
                                       {"strategies/beta.lua", counting("beta", "b1")}}), 1));
  tick();
  EXPECT_EQ(tick(), (std::vector<std::string>{"alpha:v1 2", "beta:b1 2"}));
  auto* beta_before = set_.slots()[1].runner.get();

  StrategySet::Plan report;
  ASSERT_TRUE(apply(config, bundle_of({{"strategies/alpha.lua", counting("alpha", "v2")},
                                       {"strategies/beta.lua", counting("beta", "b1")}}), 2, &report));
  EXPECT_EQ(report.replaced, std::vector<std::string>{"alpha"});
  EXPECT_EQ(report.kept, std::vector<std::string>{"beta"});
  EXPECT_TRUE(report.started.empty());
  EXPECT_EQ(set_.slots()[1].runner.get(), beta_before) << "an unchanged strategy is the same runner";
  EXPECT_EQ(set_.slots()[0].version, 2);
  EXPECT_EQ(set_.slots()[1].version, 1);
  EXPECT_EQ(tick(), (std::vector<std::string>{"alpha:v2 3", "beta:b1 3"})) << "no call lost, none repeated";
}

TEST_F(StrategySetTest, AnyFailureLeavesEveryRunningVersionUntouched) {
  const auto config = config_with({{"alpha", "strategies/alpha.lua"}, {"beta", "strategies/beta.lua"}});
  ASSERT_TRUE(apply(config, bundle_of({{"strategies/alpha.lua", counting("alpha", "v1")},
                                       {"strategies/beta.lua", counting("beta", "b1")}}), 1));
  tick();
  // alpha's new version is fine, beta's does not compile: nothing may change.
  StrategySet::Plan report;
  EXPECT_FALSE(apply(config, bundle_of({{"strategies/alpha.lua", counting("alpha", "v2")},
                                        {"strategies/beta.lua", "return {"}}), 2, &report));
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].file, "strategies/beta.lua");
  EXPECT_EQ(tick(), (std::vector<std::string>{"alpha:v1 2", "beta:b1 2"}));

  // A migrate that raises on the real state is a failure too.
  const std::string bad_migrate = "local M = { name = 'alpha' }\nfunction M.migrate(old)\n  error('cannot read n=' .. old.n)\nend\n"
                                  "function M.on_book(ctx, ev) end\nreturn M\n";
  EXPECT_FALSE(apply(config, bundle_of({{"strategies/alpha.lua", bad_migrate},
                                        {"strategies/beta.lua", counting("beta", "b1")}}), 3, &report));
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].message.find("cannot read n=2"), std::string::npos) << report.errors[0].message;
  EXPECT_EQ(tick(), (std::vector<std::string>{"alpha:v1 3", "beta:b1 3"}));
}

TEST_F(StrategySetTest, StrategiesComeAndGoWithTheConfiguration) {
  ASSERT_TRUE(apply(config_with({{"alpha", "strategies/alpha.lua"}}),
                    bundle_of({{"strategies/alpha.lua", counting("alpha", "v1")}}), 1));
  tick();
  auto files = bundle_of({{"strategies/alpha.lua", counting("alpha", "v1")},
                          {"strategies/gamma.lua", counting("gamma", "g1")}});
  StrategySet::Plan report;
  ASSERT_TRUE(apply(config_with({{"gamma", "strategies/gamma.lua"}}), files, 2, &report));
  EXPECT_EQ(report.started, std::vector<std::string>{"gamma"});
  EXPECT_EQ(report.stopped, std::vector<std::string>{"alpha"});
  ASSERT_EQ(set_.slots().size(), 1u);
  EXPECT_EQ(tick(), std::vector<std::string>{"gamma:g1 1"}) << "a new strategy starts with an empty state";

  // Enabled but not in the bundle: refused, naming the file.
  EXPECT_FALSE(apply(config_with({{"delta", "strategies/delta.lua"}}), files, 3, &report));
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].file, "strategies/delta.lua");
  EXPECT_EQ(set_.slots().size(), 1u);
}

TEST_F(StrategySetTest, ChangedParamsReloadAStrategyWithoutMigrateFromScratch) {
  auto config = config_with({{"alpha", "strategies/alpha.lua"}});
  const std::string source = "local M = { name = 'alpha', params = { k = { type = 'number', default = 1 } } }\n"
                             "function M.on_book(ctx, ev)\n  ctx.state.n = (ctx.state.n or 0) + 1\n"
                             "  ctx:propose{symbol = ev.symbol, long_venue = 'SIM-A', short_venue = 'SIM-B',"
                             " notional_usdt = ctx.params.k, reason = 'k' .. ctx.params.k .. ' ' .. ctx.state.n}\nend\nreturn M\n";
  const auto files = bundle_of({{"strategies/alpha.lua", source}});
  ASSERT_TRUE(apply(config, files, 1));
  tick();
  config.strategies[0].params = {{"k", 2}};
  StrategySet::Plan report;
  ASSERT_TRUE(apply(config, files, 2, &report));
  EXPECT_EQ(report.replaced, std::vector<std::string>{"alpha"});
  // No migrate(): the state does not carry over (the runner logs that it was dropped).
  EXPECT_EQ(tick(), std::vector<std::string>{"alpha:k2 1"});
}

// Issue 15 finding 4: a frozen strategy whose state outgrew its limit could not be fixed
// by applying the fix (its state cannot be handed over); reset_state is the way out,
// and the refusal names it.
TEST_F(StrategySetTest, AStateThatCannotBeHandedOverIsRefusedNamingResetStateWhichFixesIt) {
  state_limits_.max_values = 100;
  const auto config = config_with({{"alpha", "strategies/alpha.lua"}});
  const std::string hoarder = "local M = { name = 'alpha' }\nfunction M.migrate(old) return old end\n"
                              "function M.on_book(ctx, ev)\n  ctx.state.list = ctx.state.list or {}\n"
                              "  for i = 1, 50 do table.insert(ctx.state.list, i) end\n"
                              "  if #ctx.state.list > 150 then error('too much') end\nend\nreturn M\n";
  ASSERT_TRUE(apply(config, bundle_of({{"strategies/alpha.lua", hoarder}}), 1));
  for (int i = 0; i < 10; ++i) tick();
  ASSERT_TRUE(set_.slots()[0].runner->stats().frozen) << "5 faults in a row";

  const auto fixed = bundle_of({{"strategies/alpha.lua", counting("alpha", "fixed")}});
  StrategySet::Plan report;
  EXPECT_FALSE(apply(config, fixed, 2, &report));
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].message.find("cannot be handed over"), std::string::npos) << report.errors[0].message;
  EXPECT_NE(report.errors[0].message.find("\"reset_state\": [\"alpha\"]"), std::string::npos) << report.errors[0].message;
  EXPECT_TRUE(set_.slots()[0].runner->stats().frozen) << "the running version is untouched";

  ASSERT_TRUE(apply(config, fixed, 2, &report, {"alpha"}));
  EXPECT_EQ(report.reset, std::vector<std::string>{"alpha"});
  EXPECT_EQ(report.replaced, std::vector<std::string>{"alpha"});
  EXPECT_EQ(report.replaced_frozen, std::vector<std::string>{"alpha"});
  EXPECT_EQ(tick(), std::vector<std::string>{"alpha:fixed 1"}) << "an empty ctx.state, and running again";
}

TEST_F(StrategySetTest, ResetStateRebuildsEvenAnUnchangedStrategy) {
  const auto config = config_with({{"alpha", "strategies/alpha.lua"}, {"beta", "strategies/beta.lua"}});
  const auto files = bundle_of({{"strategies/alpha.lua", counting("alpha", "a")},
                                {"strategies/beta.lua", counting("beta", "b")}});
  ASSERT_TRUE(apply(config, files, 1));
  tick();
  tick();
  StrategySet::Plan report;
  ASSERT_TRUE(apply(config, files, 1, &report, {"beta"}));
  EXPECT_EQ(report.kept, std::vector<std::string>{"alpha"});
  EXPECT_EQ(report.replaced, std::vector<std::string>{"beta"});
  EXPECT_TRUE(report.replaced_frozen.empty());
  EXPECT_EQ(tick(), (std::vector<std::string>{"alpha:a 3", "beta:b 1"}));
}

// Issue 15 finding 6: a hot reload whose profile sets a param the script refuses
// reports the profile's file and line (what the apply answer shows), not the script.
TEST_F(StrategySetTest, ARefusedParamIsReportedAtTheProfileLine) {
  auto config = config_with({{"alpha", "strategies/alpha.lua"}, {"beta", "strategies/beta.lua"}});
  config.strategies[1].params = {{"z_entry", 99}};
  config.strategies[1].param_lines = {{"z_entry", 73}};
  const std::string declared = "local M = { name = 'beta', params = { z_entry = { type = 'number', default = 2, max = 10 } } }\n"
                               "function M.on_book(ctx, ev) end\nreturn M\n";
  StrategySet::Plan report;
  EXPECT_FALSE(apply(config, bundle_of({{"strategies/alpha.lua", counting("alpha", "v1")},
                                        {"strategies/beta.lua", declared}}), 1, &report));
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].file, "configs/paper.yaml");
  EXPECT_EQ(report.errors[0].message,
            "configs/paper.yaml:73: strategies[1].params.z_entry = 99 is above its max 10 (declared in strategies/beta.lua)");
  const std::vector<ReloadError> answered = reload_errors(report.errors);
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].file, "configs/paper.yaml");
  EXPECT_EQ(answered[0].line, 73);
}

}  // namespace
}  // namespace propbot::engine
