// metrics_families (core/api/routes/metrics_families.hpp): which families a snapshot
// gives, with which labels — only measured sources, labels from configured names and
// enum names, one mode set to 1.
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/api/routes/metrics_families.hpp"

namespace propbot::api {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

std::string render(const MetricsInputs& inputs) {
  MetricsText text;
  add_metric_families(text, inputs);
  return text.text();
}

TEST(MetricsFamilies, NothingPublishedYetGivesNoEngineFamilies) {
  EXPECT_EQ(render({}), "");
  const BucketHistogram times({100});
  MetricsInputs inputs;
  inputs.render_seconds = &times;
  const std::string text = render(inputs);
  EXPECT_EQ(text.find("propbot_mode"), std::string::npos);
  EXPECT_TRUE(has_line(text, "propbot_metrics_render_seconds_count 0")) << text;
}

TEST(MetricsFamilies, ModeIsOneHotOverTheThreeModes) {
  engine::EngineSnapshot snap;
  snap.mode = Mode::resume;
  MetricsInputs inputs;
  inputs.snapshot = &snap;
  const std::string text = render(inputs);
  EXPECT_TRUE(has_line(text, "propbot_mode{mode=\"HOLD\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "propbot_mode{mode=\"RESUME\"} 1"));
  EXPECT_TRUE(has_line(text, "propbot_mode{mode=\"KILL\"} 0"));
}

TEST(MetricsFamilies, BooksStrategiesAndExecutionCountersCarryOnlyConfiguredNames) {
  engine::EngineSnapshot snap;
  snap.book_events = 17;
  engine::BookView book;
  book.venue = "BINANCE";
  book.symbol = "BTCUSDT";
  book.valid = true;
  book.age_ms = 12;
  book.updates = 9;
  snap.books.push_back(book);
  engine::StrategyView strategy;
  strategy.name = "basis";
  strategy.state = "frozen";
  strategy.calls = 4;
  strategy.last_fault = "secret-looking \"text\"";  // free text never reaches a label
  snap.strategies.push_back(strategy);
  auto view = std::make_shared<exec::ExecutionView>();
  view->counters.orders_rejected = 3;
  view->counters.cancels_failed = 2;
  view->counters.skipped["pair_busy"] = 5;
  view->open_orders_per_venue["OKX"] = 1;
  snap.execution = view;
  MetricsInputs inputs;
  inputs.snapshot = &snap;
  const std::string text = render(inputs);
  EXPECT_TRUE(has_line(text, "propbot_book_events_total 17")) << text;
  EXPECT_TRUE(has_line(text, "propbot_book_age_seconds{venue=\"BINANCE\",symbol=\"BTCUSDT\"} 0.012"));
  EXPECT_TRUE(has_line(text, "propbot_book_updates_total{venue=\"BINANCE\",symbol=\"BTCUSDT\"} 9"));
  EXPECT_TRUE(has_line(text, "propbot_strategy_active{strategy=\"basis\"} 0"));
  EXPECT_TRUE(has_line(text, "propbot_strategy_calls_total{strategy=\"basis\"} 4"));
  EXPECT_TRUE(has_line(text, "propbot_orders_rejected_total 3"));
  EXPECT_TRUE(has_line(text, "propbot_cancels_failed_total 2"));
  EXPECT_TRUE(has_line(text, "propbot_execution_skips_total{reason=\"pair_busy\"} 5"));
  EXPECT_TRUE(has_line(text, "propbot_open_orders{venue=\"OKX\"} 1"));
  EXPECT_EQ(text.find("secret-looking"), std::string::npos);
  EXPECT_EQ(text.find("propbot_hedge_latency_p95_seconds"), std::string::npos) << "no hedge measured: no figure";
}

TEST(MetricsFamilies, RiskSkipsByReasonAndStrategyAndPnlBuckets) {
  engine::EngineSnapshot snap;
  snap.risk = std::make_shared<const nlohmann::json>(nlohmann::json{
      {"risk_snapshot",
       {{"skips_by_strategy", {{"basis", {{"max_leverage", 2}}}, {"carry", {{"max_open_positions", 1}}}}},
        {"pnl", {{"realized_today_usdt", 1.5}, {"realized_month_usdt", -3}, {"unrealized_usdt", 0.25}}}}}});
  snap.recon = std::make_shared<const nlohmann::json>(
      nlohmann::json{{"status", {{"status", "mismatch"}, {"passes", 7}, {"diffs", nlohmann::json::array({1, 2})}}}});
  MetricsInputs inputs;
  inputs.snapshot = &snap;
  const std::string text = render(inputs);
  EXPECT_TRUE(has_line(text, "propbot_risk_skips_total{reason=\"max_leverage\",strategy=\"basis\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "propbot_risk_skips_total{reason=\"max_open_positions\",strategy=\"carry\"} 1"));
  EXPECT_TRUE(has_line(text, "propbot_pnl_usdt{bucket=\"realized_today\"} 1.5"));
  EXPECT_TRUE(has_line(text, "propbot_pnl_usdt{bucket=\"realized_month\"} -3"));
  EXPECT_TRUE(has_line(text, "propbot_pnl_usdt{bucket=\"unrealized\"} 0.25"));
  EXPECT_TRUE(has_line(text, "propbot_recon_passes_total 7"));
  EXPECT_TRUE(has_line(text, "propbot_recon_mismatch 1"));
  EXPECT_TRUE(has_line(text, "propbot_recon_diffs 2"));
}

TEST(MetricsFamilies, IncidentsBySeverityOnlyWhenTheDeskAnswered) {
  MetricsInputs inputs;
  EXPECT_EQ(render(inputs).find("propbot_incidents_active"), std::string::npos);
  IncidentFigures figures;
  figures.active_by_severity = {1, 0, 2};
  figures.trade_locked = true;
  inputs.incidents = figures;
  const std::string text = render(inputs);
  EXPECT_TRUE(has_line(text, "propbot_incidents_active{severity=\"P0\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "propbot_incidents_active{severity=\"P1\"} 0"));
  EXPECT_TRUE(has_line(text, "propbot_incidents_active{severity=\"P2\"} 2"));
  EXPECT_TRUE(has_line(text, "propbot_trade_locked 1"));
}

}  // namespace
}  // namespace propbot::api
