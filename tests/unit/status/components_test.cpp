// The registry's components from a snapshot: status per threshold, ≥ 20 components,
// the areas not built reported as ERROR "not implemented".
#include "core/status/components.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace propbot::status {
namespace {

using nlohmann::json;

engine::BookView book(const std::string& venue, const std::string& symbol, std::int64_t age_ms, bool valid = true) {
  engine::BookView b;
  b.venue = venue;
  b.symbol = symbol;
  b.valid = valid;
  b.age_ms = age_ms;
  if (!valid) b.invalid_reason = "sequence gap";
  return b;
}

StatusInputs healthy_inputs() {
  auto snap = std::make_shared<engine::EngineSnapshot>();
  snap->built_at = MonoTime{std::chrono::seconds(100)};
  snap->bundle_version = 3;
  snap->books = {book("BINANCE", "BTCUSDT", 10), book("OKX", "BTCUSDT", 20)};
  engine::StrategyView strategy;
  strategy.name = "arb";
  strategy.state = "active";
  snap->strategies = {strategy};
  auto view = std::make_shared<exec::ExecutionView>();
  view->recon.finished = true;
  view->counters.orders_sent = 1000;
  view->hedge_latency_p95_ms = 100;
  snap->execution = view;
  snap->risk = std::make_shared<json>(json{{"risk_snapshot", {{"caps", json::array()}, {"breakers", json::array()}}},
                                           {"strategy_status", {{"strategies", json::array()}}}});
  snap->recon = std::make_shared<json>(json{{"status", {{"status", "OK"}, {"passes", 3}}}});
  snap->pnl = std::make_shared<json>(json{{"pnl", {{"day", "2026-12-08"}, {"tca", {{"reject_rate", 0.0}}}}}});
  StatusInputs in;
  in.snapshot = snap;
  in.now = MonoTime{std::chrono::seconds(101)};
  control::ControlState c;
  c.mode = Mode::resume;
  in.control = c;
  in.incidents = json{{"active", json::array()}, {"postmortem_required", json::array()}};
  in.backup = BackupInputs{{store::BackupState::ok, UtcTime{}, "", 1, 10, 1}, std::chrono::minutes(15)};
  in.data_dir = "/data";
  in.memory_usage_mb = 100;
  return in;
}

const ComponentCheck& find(const std::vector<ComponentCheck>& checks, const std::string& id) {
  auto it = std::find_if(checks.begin(), checks.end(), [&](const auto& c) { return c.id == id; });
  if (it == checks.end()) throw std::runtime_error("no component " + id);
  return *it;
}

TEST(Components, AHealthyDeskHasAtLeastTwentyComponentsWithUniqueIds) {
  const auto checks = all_components(healthy_inputs(), StatusThresholds{});
  EXPECT_GE(checks.size(), 20u);
  std::vector<std::string> ids;
  for (const auto& c : checks) ids.push_back(c.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "duplicate component id";
  for (const char* id :
       {"engine_loop",  "market_data_layer", "exchange:BINANCE",   "exchange:OKX",  "executor", "atomic_two_leg",
        "journal",      "risk_governor",     "circuit_breakers",   "budgets",       "recon",    "tca",
        "strategy:arb", "regime_engine",     "policy_matrix",      "sizing",        "config",   "control_plane",
        "incidents",    "keys_security",     "backup_snapshotter", "data_dir_lock", "memory"}) {
    EXPECT_FALSE(find(checks, id).title.empty()) << id;  // find() throws when the component is missing
    EXPECT_TRUE(find(checks, id).implemented) << id;
  }
  for (const char* id :
       {"engine_loop", "market_data_layer", "executor", "atomic_two_leg", "journal", "recon", "control_plane",
        "incidents", "keys_security", "backup_snapshotter", "data_dir_lock", "live_readiness"}) {
    EXPECT_EQ(find(checks, id).status, ComponentStatus::OK) << id << ": " << find(checks, id).summary;
  }
}

TEST(Components, AreasNotBuiltAreErrorNotImplemented) {
  const auto checks = all_components(healthy_inputs(), StatusThresholds{});
  for (const char* id : {"leader_fencing", "standby_sync", "fee_planner", "orchestrator"}) {
    const auto& c = find(checks, id);
    EXPECT_EQ(c.status, ComponentStatus::ERROR) << id;
    EXPECT_EQ(c.summary, "not implemented") << id;
    EXPECT_FALSE(c.implemented) << id;
  }
}

TEST(Components, TheStreamComponentCountsItsClients) {
  auto in = healthy_inputs();
  in.stream.reset();
  EXPECT_EQ(find(all_components(in, StatusThresholds{}), "stream").status, ComponentStatus::ERROR) << "not served";
  in.stream = std::pair<std::size_t, std::size_t>{3, 64};
  const auto served = find(all_components(in, StatusThresholds{}), "stream");
  EXPECT_EQ(served.status, ComponentStatus::OK);
  EXPECT_TRUE(served.implemented);
  EXPECT_EQ(served.metrics["clients"], 3);
  in.stream = std::pair<std::size_t, std::size_t>{64, 64};
  EXPECT_EQ(find(all_components(in, StatusThresholds{}), "stream").status, ComponentStatus::WARN) << "full";
}

TEST(Components, BookAgeIsJudgedByItsThresholds) {
  StatusThresholds t;
  t.book_age_ms_warn = 100;
  t.book_age_ms_error = 1000;
  auto in = healthy_inputs();
  auto snap = std::make_shared<engine::EngineSnapshot>(*in.snapshot);
  snap->books = {book("BINANCE", "BTCUSDT", 500), book("OKX", "BTCUSDT", 5000)};
  in.snapshot = snap;
  auto checks = all_components(in, t);
  EXPECT_EQ(find(checks, "exchange:BINANCE").status, ComponentStatus::WARN);
  EXPECT_EQ(find(checks, "exchange:OKX").status, ComponentStatus::ERROR);
  EXPECT_EQ(find(checks, "market_data_layer").status, ComponentStatus::WARN) << "one venue bad degrades the layer";
  snap->books = {book("BINANCE", "BTCUSDT", 0, false)};
  checks = all_components(in, t);
  EXPECT_EQ(find(checks, "market_data_layer").status, ComponentStatus::ERROR) << "a venue without a valid book";
  EXPECT_EQ(find(checks, "exchange:BINANCE").metrics["last_error"], "BTCUSDT: sequence gap");
}

TEST(Components, AVenuesOrderRejectRateIsJudgedOnItsExchange) {
  auto in = healthy_inputs();
  auto snap = std::make_shared<engine::EngineSnapshot>(*in.snapshot);
  auto view = std::make_shared<exec::ExecutionView>(*snap->execution);
  view->venue_health = {{"BINANCE", 100, 0.1, 12.5}, {"OKX", 100, 0.0, std::nullopt}};
  snap->execution = view;
  in.snapshot = snap;
  const auto checks = all_components(in, StatusThresholds{});
  EXPECT_EQ(find(checks, "exchange:BINANCE").status, ComponentStatus::ERROR) << "10 % > reject_rate_error 5 %";
  EXPECT_DOUBLE_EQ(find(checks, "exchange:BINANCE").metrics["order_latency_p95_ms"].get<double>(), 12.5);
  EXPECT_EQ(find(checks, "exchange:OKX").status, ComponentStatus::OK);
  EXPECT_TRUE(find(checks, "exchange:OKX").metrics["order_latency_p95_ms"].is_null());
}

TEST(Components, RejectRateAndHedgeLatencyAreJudgedByTheirThresholds) {
  auto in = healthy_inputs();
  auto snap = std::make_shared<engine::EngineSnapshot>(*in.snapshot);
  auto view = std::make_shared<exec::ExecutionView>(*snap->execution);
  view->counters.orders_rejected = 10;  // 1 %: above warn 0.5 %, below error 5 %
  view->hedge_latency_p95_ms = 600;     // above error 500
  snap->execution = view;
  in.snapshot = snap;
  auto checks = all_components(in, StatusThresholds{});
  EXPECT_EQ(find(checks, "executor").status, ComponentStatus::WARN);
  EXPECT_DOUBLE_EQ(find(checks, "executor").metrics["reject_rate"].get<double>(), 0.01);
  EXPECT_EQ(find(checks, "atomic_two_leg").status, ComponentStatus::ERROR);
  view->hedge_latency_p95_ms = 300;
  EXPECT_EQ(find(all_components(in, StatusThresholds{}), "atomic_two_leg").status, ComponentStatus::WARN);
  view->hedge_latency_p95_ms = 100;
  view->counters.hedges_lost = 1;
  EXPECT_EQ(find(all_components(in, StatusThresholds{}), "atomic_two_leg").status, ComponentStatus::ERROR);
}

TEST(Components, DeskStatesMapToHoldAndError) {
  auto in = healthy_inputs();
  in.control->mode = Mode::hold;
  in.incidents["postmortem_required"] = json::array({1});
  in.control->tamper_status = "TAMPER_DETECTED_HOLD";
  in.backup->status.status = store::BackupState::error;
  in.backup->status.last_error = "disk full";
  in.snapshot = nullptr;
  auto checks = all_components(in, StatusThresholds{});
  EXPECT_EQ(find(checks, "control_plane").status, ComponentStatus::HOLD);
  EXPECT_EQ(find(checks, "incidents").status, ComponentStatus::HOLD);
  EXPECT_EQ(find(checks, "keys_security").status, ComponentStatus::ERROR);
  EXPECT_EQ(find(checks, "backup_snapshotter").summary, "error: disk full");
  EXPECT_EQ(find(checks, "engine_loop").status, ComponentStatus::ERROR);
  EXPECT_EQ(find(checks, "live_readiness").status, ComponentStatus::WARN);
  EXPECT_EQ(find(checks, "live_readiness").metrics["reasons"][0], "engine_stale");
  in.control->mode = Mode::kill;
  EXPECT_EQ(find(all_components(in, StatusThresholds{}), "control_plane").status, ComponentStatus::ERROR);
}

TEST(Components, BeforeTheFirstSnapshotEveryEngineAreaIsErrorAndTheRegistryKeepsItsSize) {
  auto in = healthy_inputs();
  in.snapshot = nullptr;
  const auto checks = all_components(in, StatusThresholds{});
  EXPECT_GE(checks.size(), 20u);
  for (const char* id : {"engine_loop", "market_data_layer", "executor", "journal", "risk_governor", "recon", "pnl"}) {
    EXPECT_EQ(find(checks, id).status, ComponentStatus::ERROR) << id;
  }
}

TEST(Components, AnUnreadableViewIsThatAreasErrorNotAFailure) {
  auto in = healthy_inputs();
  auto snap = std::make_shared<engine::EngineSnapshot>(*in.snapshot);
  snap->recon = std::make_shared<json>(json{{"status", {{"status", "OK"}, {"passes", "three"}}}});
  in.snapshot = snap;
  const auto checks = all_components(in, StatusThresholds{});
  EXPECT_EQ(find(checks, "recon").status, ComponentStatus::ERROR);
  EXPECT_NE(find(checks, "recon").summary.find("unreadable view"), std::string::npos);
  EXPECT_EQ(find(checks, "executor").status, ComponentStatus::OK) << "the other areas are judged as before";
}

TEST(Components, RecordedMemoryIsJudgedByItsThresholds) {
  auto in = healthy_inputs();
  in.memory_usage_mb = 1500;
  EXPECT_EQ(find(all_components(in, StatusThresholds{}), "memory").status, ComponentStatus::WARN);
  in.memory_usage_mb = 3000;
  EXPECT_EQ(find(all_components(in, StatusThresholds{}), "memory").status, ComponentStatus::ERROR);
}

}  // namespace
}  // namespace propbot::status
