// ConfigService's shadow validation step in process (ConfigServiceOptions::shadow empty,
// as tests and tools run it): validate and apply replay the market tape of the engine's
// latest snapshot through the changed strategies. An engine stand-in serves a snapshot
// with a tape of 120 BINANCE/OKX books and counts reloads.
#include "core/config_service/config_service.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "core/store/data_dir.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/unit/shadow/tape_books.hpp"

namespace propbot::config_service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Logger quiet() {
  LogOptions options;
  options.level = "error";
  options.to_stderr = false;
  return Logger::from_options(options);
}

// A snapshot with a tape; every reload applies.
class TapeEngine final : public engine::EngineHandle {
 public:
  TapeEngine() {
    engine::MarketTape tape(engine::tape_options(300, 100'000, 5));
    MonoTime at{std::chrono::seconds(500)};
    for (int i = 0; i < 120; ++i) {
      at += std::chrono::milliseconds(100);
      const bool okx = i % 2 == 1;
      tape.on_book(shadow::testing::book_of(okx ? "OKX" : "BINANCE", okx ? 100.10 : 99.99, okx ? 100.12 : 100.01, 5,
                                            static_cast<std::uint64_t>(i + 1), at),
                   at);
    }
    auto snap = std::make_shared<engine::EngineSnapshot>();
    snap->tape = tape.view(at + std::chrono::seconds(2), UtcTime{std::chrono::seconds(1'765'000'000)});
    snapshot_ = std::move(snap);
  }
  engine::ReloadReport reload(engine::EngineBundle, std::chrono::milliseconds) override {
    ++reloads;
    engine::ReloadReport report;
    report.applied = true;
    return report;
  }
  std::shared_ptr<const engine::EngineSnapshot> snapshot() const override { return snapshot_; }
  int reloads = 0;

 private:
  std::shared_ptr<const engine::EngineSnapshot> snapshot_;
};

// cross_exchange_arb's params as paper.yaml gives them; `body` is its on_book.
std::string arb_with(const std::string& body) {
  return "local M = {name = 'cross_exchange_arb', params = {\n"                                               // 1
         "  min_spread_bps = {type = 'number', default = 4}, exit_spread_bps = {type = 'number', default = 1},\n"  // 2
         "  notional_usdt = {type = 'number', default = 1000}, taker_fee_bps = {type = 'number', default = 4}}}\n" // 3
         "function M.on_book(ctx, ev)\n"                                                                       // 4
         "  ctx.state.n = (ctx.state.n or 0) + 1\n"                                                            // 5
         + body +                                                                                              // 6..
         "end\nreturn M\n";
}
const std::string kWarmUpThenFault = arb_with("  if ctx.state.n > 50 then local missing = nil; return missing.price end\n");
const std::string kProposesEveryOther = arb_with(
    "  local a, b = ctx:book('BINANCE', ev.symbol), ctx:book('OKX', ev.symbol)\n"
    "  if not a or not b or ctx.state.n % 2 ~= 0 then return end\n"
    "  ctx:propose{symbol = ev.symbol, long_venue = 'BINANCE', short_venue = 'OKX', notional_usdt = 100,\n"
    "    long_price = a.ask, short_price = b.bid, reason = 'every other'}\n");

class ConfigShadowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path source = PROPBOT_SOURCE_DIR;
    for (const char* dir : {"configs", "strategies", "policies"}) {
      fs::copy(source / dir, fs::path(bundle_.path()) / dir, fs::copy_options::recursive);
    }
    ASSERT_TRUE(store::open_store(data_.path(), "2026-12-08T00:00:00.000Z").ok());
    options_.profile = config::Profile::paper;
    options_.config_file = bundle_.path() + "/configs/paper.yaml";
    options_.data_dir = data_.path();
    auto loaded = config::load_config(options_);
    ASSERT_TRUE(loaded.config.has_value());
    auto db = store::Database::open(data_.path() + "/propbot.db");
    ASSERT_TRUE(db.ok());
    ConfigServiceOptions service_options;
    service_options.load_options = options_;
    ConfigService::Startup startup;
    auto service = ConfigService::open(std::move(*db), clock_, nullptr, quiet(), service_options, *loaded.config, startup);
    ASSERT_TRUE(service.ok()) << service.error().describe();
    service_ = std::move(*service);
    ASSERT_TRUE(service_->started(engine_, startup).ok());
  }

  static json arb_files(const std::string& text) { return json{{"files", {{"strategies/cross_exchange_arb.lua", text}}}}; }

  propbot::testing::TempDir bundle_;
  propbot::testing::TempDir data_;
  SimClock clock_;
  config::LoadOptions options_;
  TapeEngine engine_;
  std::unique_ptr<ConfigService> service_;
};

TEST_F(ConfigShadowTest, AFaultAfterTheWarmUpIsRefusedByValidateAndApply) {
  const ConfigAnswer valid = service_->validate(arb_files(kWarmUpThenFault));
  ASSERT_EQ(valid.status, 200) << valid.body.dump();
  EXPECT_EQ(valid.body["valid"], false) << valid.body.dump();
  ASSERT_EQ(valid.body["errors"].size(), 1u) << valid.body.dump();
  EXPECT_EQ(valid.body["errors"][0]["file"], "strategies/cross_exchange_arb.lua");
  EXPECT_EQ(valid.body["errors"][0]["line"], 6);
  EXPECT_NE(valid.body["errors"][0]["message"].get<std::string>().find("shadow replay of the last 12 s (120 events)"),
            std::string::npos)
      << valid.body.dump();
  EXPECT_EQ(valid.body["shadow"]["cross_exchange_arb"]["candidate"]["first_fault"]["at"],
            "strategies/cross_exchange_arb.lua:6");
  EXPECT_GE(valid.body["shadow"]["cross_exchange_arb"]["candidate"]["calls"].get<int>(), 51);
  EXPECT_FALSE(valid.body["shadow"]["cross_exchange_arb"]["running"].is_null());

  json body = arb_files(kWarmUpThenFault);
  body["message"] = "warm-up then fault";
  const ConfigAnswer refused = service_->apply(body, control::Actor{"alice", "operator", "10.0.0.1"});
  EXPECT_EQ(refused.status, 422) << refused.body.dump();
  EXPECT_EQ(refused.code, "validation_failed");
  EXPECT_EQ(refused.body["errors"][0]["line"], 6);
  EXPECT_EQ(refused.body["shadow"]["cross_exchange_arb"]["candidate"]["faults"].get<int>() > 0, true);
  EXPECT_EQ(engine_.reloads, 0) << "nothing reached the engine";
}

TEST_F(ConfigShadowTest, ACorrectChangeIsAppliedWithItsProposalsBesideTheRunningVersions) {
  json body = arb_files(kProposesEveryOther);
  body["message"] = "every other book";
  const ConfigAnswer applied = service_->apply(body, control::Actor{"alice", "operator", "10.0.0.1"});
  ASSERT_EQ(applied.status, 200) << applied.body.dump();
  EXPECT_EQ(applied.body["applied"], true);
  EXPECT_EQ(engine_.reloads, 1);
  const json& shown = applied.body["shadow"]["cross_exchange_arb"];
  EXPECT_EQ(shown["candidate"]["proposals"], 60) << shown.dump();  // every other of 120 books
  EXPECT_EQ(shown["candidate"]["faults"], 0);
  EXPECT_TRUE(shown["running"].is_object()) << shown.dump();
  EXPECT_EQ(shown["events"], 120);
  // The shipped funding_basis did not change: not replayed.
  EXPECT_FALSE(applied.body["shadow"].contains("funding_basis")) << applied.body.dump();
}

}  // namespace
}  // namespace propbot::config_service
