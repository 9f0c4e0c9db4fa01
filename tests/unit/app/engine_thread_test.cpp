// EngineThread: the live driver of the Engine — the first snapshot exists when start()
// returns, a reload is handed to the engine thread and answered, stop() is idempotent,
// and a reload after stop() is refused as "not running" instead of touching a stopped
// engine.
#include "core/app/engine_thread.hpp"

#include <gtest/gtest.h>

#include "tests/unit/engine/two_sim_venues.hpp"

namespace propbot::app {
namespace {

Logger quiet() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

config::Config sim_config() {
  config::Config config = engine::testing::two_sim_venues();
  config.sim.start_prices = {{"BTC-USDT", 60'000.0}};
  config.sim.tick_ms = 20;
  return config;
}

bundle::Bundle empty_bundle() {
  auto bundle = bundle::Bundle::from_files({{"configs/paper.yaml", "profile: paper\n"}});
  EXPECT_TRUE(bundle.ok()) << bundle.error().describe();
  return *bundle;
}

TEST(EngineThreadTest, TheFirstSnapshotExistsWhenStartReturnsAndReloadsAreAnswered) {
  EngineThread engine(sim_config(), quiet());
  EXPECT_EQ(engine.snapshot(), nullptr);
  const bundle::Bundle bundle = empty_bundle();
  ASSERT_TRUE(engine.start(&bundle, 1).ok());
  const auto first = engine.snapshot();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->mode, Mode::hold);
  EXPECT_EQ(first->books.size(), 2u) << "both sim venues' books are known from the start";

  engine::EngineBundle next{sim_config(), empty_bundle(), 2, {}};
  next.config.engine.opportunity_ttl_ms = 1234;
  const engine::ReloadReport report = engine.reload(std::move(next), std::chrono::seconds(5));
  EXPECT_TRUE(report.applied) << (report.errors.empty() ? "" : report.errors.front().message);

  engine.stop();
  engine.stop();  // idempotent
  const engine::ReloadReport late = engine.reload({sim_config(), empty_bundle(), 3, {}}, std::chrono::seconds(1));
  EXPECT_FALSE(late.applied);
  ASSERT_FALSE(late.errors.empty());
  EXPECT_EQ(late.errors.front().message, "the engine is not running");
  EXPECT_NE(engine.snapshot(), nullptr) << "the last snapshot stays readable after stop";
}

TEST(EngineThreadTest, AStartErrorNamesTheScriptAndLeavesNothingRunning) {
  config::Config config = sim_config();
  config::StrategyConfig strategy;
  strategy.name = "missing";
  strategy.file = "strategies/missing.lua";
  config.strategies.push_back(strategy);
  EngineThread engine(config, quiet());
  const bundle::Bundle bundle = empty_bundle();
  const Status started = engine.start(&bundle, 1);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("missing"), std::string::npos) << started.error().message;
  EXPECT_EQ(engine.snapshot(), nullptr);
  const engine::ReloadReport report = engine.reload({sim_config(), empty_bundle(), 2, {}}, std::chrono::seconds(1));
  EXPECT_FALSE(report.applied);
}

}  // namespace
}  // namespace propbot::app
