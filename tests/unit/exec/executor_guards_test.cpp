// The executor's standing guards against scripted venues and a SimClock: the dead-man
// switches (armed when a venue's private stream comes up, refreshed every third of the
// timeout, re-armed at once after a reconnect, a failed arm counted and shown, disarmed
// at shutdown) and the post-only staleness guard (a resting post-only order cancelled
// when the touch moved away from it or when it rested too long, audited with its reason).
#include "core/exec/executor.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/exec/memory_journal.hpp"
#include "tests/unit/exec/order_venue.hpp"

namespace propbot::exec {
namespace {

using namespace std::chrono_literals;
using testing::OrderVenue;
using testing::Reply;

// Books the test moves: one BTC-USDT book per venue, replaced by set().
class MovingBooks final : public MarketLookup {
 public:
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    for (const auto& book : books_) {
      if (book.spec().venue == venue && book.spec().symbol == symbol) return &book;
    }
    return nullptr;
  }
  void set(const venues::Venue& venue, double bid, double ask, MonoTime now) {
    std::erase_if(books_, [&](const md::OrderBook& book) { return book.spec().venue == venue.id(); });
    md::OrderBook book(venue.instruments().front());
    const md::BookLevel bids[] = {{std::llround(bid * 10), 5000}};
    const md::BookLevel asks[] = {{std::llround(ask * 10), 5000}};
    book.apply_snapshot(bids, asks, 1, now);
    books_.push_back(std::move(book));
  }

 private:
  std::vector<md::OrderBook> books_;
};

// A desk that always trades and keeps what the executor audits.
class AuditingDesk final : public ExecutionDesk {
 public:
  Mode mode() const override { return Mode::resume; }
  bool dry_run_mode() const override { return false; }
  void safety_action(IncidentCode, const std::string&, const std::string&) override {}
  void audit(const std::string& action, const nlohmann::json& details) override { audits.emplace_back(action, details); }
  void recon_finished(bool, const std::string&) override {}
  std::vector<std::pair<std::string, nlohmann::json>> audits;
};

class ExecutorGuardsTest : public ::testing::Test {
 protected:
  static Logger quiet_log() {
    LogOptions options;
    options.level = "error";
    return Logger::from_options(options);
  }

  ExecutorGuardsTest() {
    market.set(binance, 59990, 60000, clock.now());
    market.set(okx, 60030, 60040, clock.now());
  }

  std::unique_ptr<Executor> make(ExecutorOptions options) {
    options.symbols = {"BTC-USDT", "ETH-USDT"};
    auto executor = std::make_unique<Executor>(options, clock, std::vector<venues::Venue*>{&binance, &okx}, journal,
                                               desk, market, nullptr, quiet_log());
    executor->reconcile();
    return executor;
  }

  // A post-only buy resting on BINANCE at 59990 (the touch), its time guard a minute.
  Intent resting_buy(bool post_only = true) const {
    Intent intent;
    intent.strategy = "quoting";
    intent.kind = IntentKind::single;
    intent.symbol = "BTC-USDT";
    intent.venue = "BINANCE";
    intent.side = Side::buy;
    intent.price = *Decimal::parse("59990");
    intent.notional_usdt = *Decimal::parse("600");
    intent.post_only = post_only;
    intent.time_guard_ms = 60000;
    return intent;
  }

  // An executor whose venues have these switches, armed with `timeout`.
  std::unique_ptr<Executor> with_switches(venues::DeadManScope on_binance, venues::DeadManScope on_okx,
                                          std::chrono::milliseconds timeout) {
    binance.dead_man = on_binance;
    okx.dead_man = on_okx;
    ExecutorOptions options;
    options.dead_man_timeout = timeout;
    return make(options);
  }

  // An executor with the staleness guard set so, and one order resting on BINANCE from
  // resting_buy(post_only) (the venue holds its answer).
  std::unique_ptr<Executor> with_resting_order(double max_distance_bps, Nanos max_age, bool post_only = true) {
    binance.replies = {Reply::hold};
    ExecutorOptions options;
    options.post_only_max_distance_bps = max_distance_bps;
    options.post_only_max_age = max_age;
    auto executor = make(options);
    EXPECT_TRUE(executor->submit(resting_buy(post_only)));
    EXPECT_EQ(binance.placed.size(), 1u);
    return executor;
  }

  static DeadManView switch_of(const ExecutionView& view, const std::string& venue) {
    for (const auto& entry : view.dead_man) {
      if (entry.venue == venue) return entry;
    }
    ADD_FAILURE() << "no dead-man entry for " << venue;
    return {};
  }

  std::vector<nlohmann::json> audited(const std::string& action) const {
    std::vector<nlohmann::json> out;
    for (const auto& [name, details] : desk.audits) {
      if (name == action) out.push_back(details);
    }
    return out;
  }

  SimClock clock;
  OrderVenue binance{"BINANCE"};
  OrderVenue okx{"OKX"};
  MemoryJournal journal;
  MovingBooks market;
  AuditingDesk desk;
};

// ---- dead-man switches -------------------------------------------------------------

// A ledger where "quoting" holds `held` BTC on BINANCE.
class QuotingHolding final : public PositionLookup {
 public:
  std::optional<ClosablePosition> closable(std::string_view, std::string_view, std::string_view,
                                           std::string_view) const override {
    return std::nullopt;
  }
  std::optional<Decimal> strategy_holding(std::string_view strategy, std::string_view venue,
                                          std::string_view symbol) const override {
    if (strategy != "quoting" || venue != "BINANCE" || symbol != "BTC-USDT") return Decimal();
    return held;
  }
  Decimal held;
};

TEST_F(ExecutorGuardsTest, AReduceOnlySingleOnlyReducesWhatTheStrategyHoldsThere) {
  auto executor = make(ExecutorOptions{});
  Intent close = resting_buy(false);
  close.reduce_only = true;  // 600 USDT at 59990: 0.01 BTC
  // No ledger to ask: refused, nothing sent (a reduce-only flag is no licence to trade).
  EXPECT_FALSE(executor->submit(close));
  QuotingHolding ledger;
  executor->set_positions(&ledger);
  ledger.held = *Decimal::parse("0.004");  // long: a buy would add to it
  EXPECT_FALSE(executor->submit(close));
  ledger.held = *Decimal::parse("-0.004");  // short 0.004: the buy closes it, no more
  ASSERT_TRUE(executor->submit(close));
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_EQ(binance.placed[0].quantity, *Decimal::parse("0.004"));
  EXPECT_TRUE(binance.placed[0].reduce_only);
  EXPECT_EQ(executor->view().counters.skipped.at("no_position"), 2u);
}

TEST_F(ExecutorGuardsTest, ArmsEachVenueWhenItsStreamComesUpAndRefreshesEveryThirdOfTheTimeout) {
  auto executor = with_switches(venues::DeadManScope::per_symbol, venues::DeadManScope::per_account, 3000ms);
  EXPECT_TRUE(binance.arms.empty()) << "nothing is armed before the venue's private stream is up";
  EXPECT_EQ(switch_of(executor->view(), "BINANCE").state, DeadManState::waiting);

  executor->on_private_stream("BINANCE", true);
  ASSERT_EQ(binance.arms.size(), 2u) << "one switch per configured symbol";
  EXPECT_EQ(binance.arms[0], std::make_pair(std::string("BTC-USDT"), 3000ms));
  EXPECT_EQ(binance.arms[1], std::make_pair(std::string("ETH-USDT"), 3000ms));
  EXPECT_TRUE(okx.arms.empty());
  const DeadManView armed = switch_of(executor->view(), "BINANCE");
  EXPECT_EQ(armed.state, DeadManState::armed);
  EXPECT_EQ(armed.scope, "per_symbol");
  EXPECT_EQ(armed.armed_timeout_ms, 3000);
  EXPECT_GT(armed.last_armed_ms, 0);

  executor->on_private_stream("OKX", true);
  ASSERT_EQ(okx.arms.size(), 1u) << "an account-wide switch is one call";
  EXPECT_EQ(switch_of(executor->view(), "OKX").scope, "per_account");

  clock.advance(999ms);
  EXPECT_EQ(binance.arms.size(), 2u);
  clock.advance(1ms);
  EXPECT_EQ(binance.arms.size(), 4u) << "refreshed at a third of the timeout";
  EXPECT_EQ(okx.arms.size(), 2u);
  clock.advance(1000ms);
  EXPECT_EQ(binance.arms.size(), 6u);
}

TEST_F(ExecutorGuardsTest, ReArmsAtOnceAfterAReconnect) {
  auto executor = with_switches(venues::DeadManScope::per_account, venues::DeadManScope::unsupported, 60000ms);
  executor->on_private_stream("BINANCE", true);
  ASSERT_EQ(binance.arms.size(), 1u);
  executor->on_private_stream("BINANCE", false);
  clock.advance(5s);
  EXPECT_EQ(binance.arms.size(), 1u);
  executor->on_private_stream("BINANCE", true);
  EXPECT_EQ(binance.arms.size(), 2u) << "the reconnect re-arms without waiting for the refresh";
}

TEST_F(ExecutorGuardsTest, AFailedArmIsCountedShownAndTriedAgainAtTheNextRefresh) {
  binance.arm_fails = 1;
  auto executor = with_switches(venues::DeadManScope::per_account, venues::DeadManScope::unsupported, 3000ms);
  executor->on_private_stream("BINANCE", true);
  ExecutionView view = executor->view();
  EXPECT_EQ(view.counters.dead_man_arm_failures, 1u);
  DeadManView failed = switch_of(view, "BINANCE");
  EXPECT_EQ(failed.state, DeadManState::failed);
  EXPECT_EQ(failed.arm_failures, 1u);
  EXPECT_NE(failed.last_error.find("scripted"), std::string::npos) << failed.last_error;
  EXPECT_EQ(failed.last_armed_ms, 0);

  clock.advance(1000ms);
  EXPECT_EQ(binance.arms.size(), 2u);
  EXPECT_EQ(switch_of(executor->view(), "BINANCE").state, DeadManState::armed);
  EXPECT_EQ(executor->view().counters.dead_man_arm_failures, 1u) << "a failure stays counted";
}

TEST_F(ExecutorGuardsTest, DisarmsEverySwitchAtShutdownAndNeverRefreshesAgain) {
  auto executor = with_switches(venues::DeadManScope::per_symbol, venues::DeadManScope::per_account, 3000ms);
  executor->on_private_stream("BINANCE", true);
  executor->on_private_stream("OKX", true);
  bool done = false;
  executor->disarm_dead_man([&] { done = true; });
  EXPECT_TRUE(done);
  ASSERT_EQ(binance.arms.size(), 4u);
  EXPECT_EQ(binance.arms[2].second, 0ms);
  EXPECT_EQ(binance.arms[3].second, 0ms);
  ASSERT_EQ(okx.arms.size(), 2u);
  EXPECT_EQ(okx.arms[1].second, 0ms);
  EXPECT_EQ(switch_of(executor->view(), "OKX").state, DeadManState::disarmed);
  clock.advance(10s);
  executor->on_private_stream("OKX", true);
  EXPECT_EQ(binance.arms.size(), 4u);
  EXPECT_EQ(okx.arms.size(), 2u) << "after the disarm nothing arms the switch again";
}

TEST_F(ExecutorGuardsTest, VenuesWithoutASwitchAndATimeoutOfZeroArmNothing) {
  auto executor = with_switches(venues::DeadManScope::unsupported, venues::DeadManScope::per_account, 3000ms);
  executor->on_private_stream("BINANCE", true);
  EXPECT_EQ(switch_of(executor->view(), "BINANCE").state, DeadManState::unsupported);

  auto quiet = with_switches(venues::DeadManScope::unsupported, venues::DeadManScope::per_account, 0ms);
  quiet->on_private_stream("OKX", true);
  clock.advance(10s);
  EXPECT_TRUE(okx.arms.empty());
  EXPECT_EQ(switch_of(quiet->view(), "OKX").state, DeadManState::off);
  bool done = false;
  quiet->disarm_dead_man([&] { done = true; });
  EXPECT_TRUE(done) << "nothing armed: the disarm answers at once";
}

// ---- the post-only staleness guard ----------------------------------------------------

TEST_F(ExecutorGuardsTest, CancelsARestingPostOnlyOrderWhenTheTouchMovedAwayFromIt) {
  auto executor = with_resting_order(5, 0ms);
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_EQ(binance.placed[0].time_in_force, venues::TimeInForce::post_only);

  clock.advance(1s);
  market.set(binance, 60015, 60025, clock.now());  // 25 / 60015 ≈ 4.2 bps away: within 5
  clock.advance(1s);
  EXPECT_TRUE(binance.cancels.empty()) << "still near the touch";

  market.set(binance, 60100, 60110, clock.now());  // 110 / 60100 ≈ 18.3 bps away
  clock.advance(250ms);
  ASSERT_EQ(binance.cancels.size(), 1u);
  EXPECT_EQ(binance.cancels[0], binance.placed[0].client_order_id);
  EXPECT_EQ(executor->view().counters.stale_post_only_cancels, 1u);
  clock.advance(300ms);  // the audit is written in the next batch
  const auto stale = audited("post_only_stale_cancel");
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0]["reason"], "post_only_away_from_touch");
  EXPECT_EQ(stale[0]["client_order_id"], binance.placed[0].client_order_id);
  EXPECT_EQ(stale[0]["distance_bps"], 18);
  clock.advance(5s);
  EXPECT_EQ(binance.cancels.size(), 1u) << "cancelled once";
}

TEST_F(ExecutorGuardsTest, CancelsARestingPostOnlyOrderOlderThanTheMaximumAge) {
  auto executor = with_resting_order(0, 2s);
  market.set(binance, 61000, 61010, clock.now());  // far away, but the distance check is off
  clock.advance(1750ms);
  EXPECT_TRUE(binance.cancels.empty());
  clock.advance(500ms);
  ASSERT_EQ(binance.cancels.size(), 1u) << "the intent's one-minute time guard does not keep it past the max age";
  clock.advance(300ms);
  const auto stale = audited("post_only_stale_cancel");
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0]["reason"], "post_only_max_age");
  EXPECT_GE(stale[0]["age_ms"].get<std::int64_t>(), 2000);
}

TEST_F(ExecutorGuardsTest, ACancelTheVenueRefusesIsCountedAsFailedAndAnUnknownOrderIsNot) {
  auto executor = with_resting_order(0, 2s);
  binance.cancel_fails = 1;
  clock.advance(2250ms);
  ASSERT_EQ(binance.cancels.size(), 1u);
  EXPECT_EQ(executor->view().counters.cancels_sent, 1u);
  EXPECT_EQ(executor->view().counters.cancels_failed, 1u);
}

TEST_F(ExecutorGuardsTest, LeavesOrdersThatAreNotPostOnlyToTheirTimeGuard) {
  auto executor = with_resting_order(5, 1s, false);
  market.set(binance, 60100, 60110, clock.now());
  clock.advance(5s);
  EXPECT_TRUE(binance.cancels.empty());
  EXPECT_EQ(executor->view().counters.stale_post_only_cancels, 0u);
}

}  // namespace
}  // namespace propbot::exec
