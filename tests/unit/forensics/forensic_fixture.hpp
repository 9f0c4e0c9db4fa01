// ForensicTest: a fresh data directory with the real propbot.db, an IncidentLog whose
// sink is a ForensicWriter (its recorder sets the reference on the same log, serialised
// with the test thread by one mutex, as the control plane's lock does in the daemon),
// and a fake engine snapshot holding one of everything a bundle shows.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/control/incident_log.hpp"
#include "core/engine/snapshot.hpp"
#include "core/forensics/forensic_writer.hpp"
#include "core/store/data_dir.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::forensics::test {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  return nlohmann::json::parse(read_file(path), nullptr, false);
}

inline Decimal dec(const char* text) { return *Decimal::parse(text); }

// One book, one refused opportunity, a strategy with a secret-looking parameter, a
// regime, an executor view with a trade and a hedge, positions and risk views.
inline std::shared_ptr<const engine::EngineSnapshot> fake_snapshot() {
  auto snap = std::make_shared<engine::EngineSnapshot>();
  snap->ts = UtcTime{std::chrono::seconds(1'700'000'000)};
  snap->mode = Mode::resume;
  snap->bundle_version = 7;
  engine::BookView book;
  book.venue = "BINANCE";
  book.symbol = "BTC-USDT";
  book.valid = true;
  book.bid = 42000.5;
  book.ask = 42001;
  book.funding_rate = 0.0001;
  snap->books.push_back(book);
  engine::OpportunityView opportunity;
  opportunity.strategy = "cross_exchange_arb";
  opportunity.kind = "hedged_pair";
  opportunity.symbol = "BTC-USDT";
  opportunity.long_venue = "BINANCE";
  opportunity.short_venue = "OKX";
  opportunity.intent_notional_usdt = 500;
  opportunity.reason = "spread 12 bps over fees";
  opportunity.status = "blocked_by_risk";
  opportunity.risk_reason = "max_total_notional";
  snap->opportunities.push_back(opportunity);
  engine::StrategyView strategy;
  strategy.name = "cross_exchange_arb";
  strategy.state = "active";
  strategy.params = {{"min_edge_bps", 5}, {"api_key", "sk-live-do-not-leak"}};
  snap->strategies.push_back(strategy);
  snap->policy.loaded = true;
  snap->policy.regimes.push_back({"BTC-USDT", "calm", 0.8, false});
  auto execution = std::make_shared<exec::ExecutionView>();
  exec::TradeView trade;
  trade.id = 41;
  trade.strategy = "cross_exchange_arb";
  trade.symbol = "BTC-USDT";
  trade.state = exec::TradeState::hedge_lost;
  trade.leg_a_venue = "OKX";
  trade.leg_b_venue = "BINANCE";
  trade.target = dec("0.01");
  trade.a_filled = dec("0.01");
  trade.reason = "leg B rejected";
  execution->trades.push_back(trade);
  exec::HedgeRecord hedge;
  hedge.trade_parent_id = 41;
  hedge.client_order_id = "pb41b1";
  hedge.venue = "BINANCE";
  hedge.partial_fill_pct = 100;
  hedge.hedge_sent = dec("0.01");
  hedge.hedge_latency_ms = 37.5;
  hedge.ts_ms = 1'700'000'000'000;
  execution->hedge_log.push_back(hedge);
  snap->execution = execution;
  snap->positions = std::make_shared<const nlohmann::json>(
      nlohmann::json{{"positions", nlohmann::json::array()}, {"exposure", {{{"venue", "OKX"}, {"net_qty", 0.01}}}}});
  snap->risk = std::make_shared<const nlohmann::json>(nlohmann::json{{"risk_snapshot", {{"total_notional_usdt", 420}}}});
  return snap;
}

class ForensicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok());
    auto opened = store::open_store(temp_.path(), "2023-11-14T22:13:20.000Z");
    ASSERT_TRUE(opened.ok()) << opened.error().describe();
    database_.emplace(std::move(*opened));
  }
  void TearDown() override {
    if (writer_) writer_->stop();  // before the log it records on
  }

  static Logger quiet() {
    LogOptions options;
    options.level = "error";
    return Logger::from_options(options);
  }

  // The writer as the log's sink, with `options` (data_dir filled in).
  void start(ForensicWriterOptions options = {}) {
    options.data_dir = temp_.path();
    writer_ = std::make_unique<ForensicWriter>(options, clock_, quiet());
    log_.emplace(*database_, clock_, writer_.get());
    writer_->attach_recorder([this](std::int64_t id, const std::string& ref, const nlohmann::json&) -> Status {
      std::lock_guard lock(mutex_);
      auto set = log_->set_forensic_ref(id, ref);
      if (!set) return set.error();
      return {};
    });
  }

  control::Incident open_p0(const std::string& summary = "position mismatch on BINANCE") {
    std::lock_guard lock(mutex_);
    auto opened = log_->open({Severity::P0, IncidentCode::manual, "recon", summary, "HOLD"});
    EXPECT_TRUE(opened.ok()) << opened.error().describe();
    return opened.ok() ? *opened : control::Incident{};
  }

  control::Incident get(std::int64_t id) {
    std::lock_guard lock(mutex_);
    auto incident = log_->get(id);
    EXPECT_TRUE(incident.ok());
    return incident.ok() ? *incident : control::Incident{};
  }

  // Waits (up to 10 s) until `done` holds.
  template <typename Predicate>
  bool eventually(Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }

  bool captured(std::int64_t id) { return get(id).forensic_captured(); }

  std::filesystem::path root() const { return std::filesystem::path(temp_.path()) / "incidents_forensic"; }

  store::test_support::TempDir temp_;
  SimClock clock_;
  std::optional<store::Database> database_;
  std::mutex mutex_;  // the log's one thread at a time
  std::unique_ptr<ForensicWriter> writer_;
  std::optional<control::IncidentLog> log_;
};

}  // namespace propbot::forensics::test
