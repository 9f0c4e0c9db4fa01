// The two-leg executor against scripted venues, a scripted desk and a SimClock: leg A
// first, every fill of A hedged at once for exactly what filled, retries then
// hedge_lost, unknown outcomes resolved by query (never re-sent), and the start-up
// reconciliation.
#include "core/exec/executor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/exec/memory_journal.hpp"
#include "tests/unit/exec/order_venue.hpp"

namespace propbot::exec {
namespace {

using testing::OrderVenue;
using testing::Reply;

Logger quiet() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

Decimal dec(const char* text) { return *Decimal::parse(text); }

// The product's MemoryJournal, with a scripted disk failure on demand.
class TestJournal final : public Journal {
 public:
  Result<RecordOutcome> record(OrderEntry& entry) override {
    if (fail_next) {
      fail_next = false;
      return make_error(Errc::io_error, "disk full (scripted)");
    }
    return inner.record(entry);
  }
  Result<RecordOutcome> record_fill(FillEntry& fill) override { return inner.record_fill(fill); }
  std::vector<OrderEntry> unfinished() const override { return inner.unfinished(); }
  std::optional<OrderEntry> last(std::string_view venue, std::string_view coid) const override {
    return inner.last(venue, coid);
  }
  std::vector<OrderEntry> orders_of(std::uint64_t id) const override { return inner.orders_of(id); }
  std::vector<OrderEntry> events_of(std::uint64_t id) const override { return inner.events_of(id); }
  std::optional<OrderEntry> by_venue_order_id(std::string_view venue, std::string_view id) const override {
    return inner.by_venue_order_id(venue, id);
  }
  std::vector<FillEntry> fills() const override { return inner.fills(); }
  std::optional<int> last_attempt(std::uint64_t id, Leg leg) const override { return inner.last_attempt(id, leg); }
  std::uint64_t max_intent_id() const override { return inner.max_intent_id(); }
  JournalStats stats() const override { return inner.stats(); }

  // The events recorded for one order of an intent, in order.
  std::vector<OrderEvent> events(std::uint64_t intent_id, const std::string& coid) const {
    std::vector<OrderEvent> out;
    for (const auto& entry : inner.events_of(intent_id)) {
      if (entry.client_order_id == coid) out.push_back(entry.event);
    }
    return out;
  }

  MemoryJournal inner;
  bool fail_next = false;
};

class Market final : public MarketLookup {
 public:
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    for (const auto& book : books) {
      if (book.spec().venue == venue && book.spec().symbol == symbol) return &book;
    }
    return nullptr;
  }
  void add(const venues::Venue& venue, double bid, double bid_qty, double ask, double ask_qty, MonoTime now) {
    md::OrderBook book(venue.instruments().front());
    const md::BookLevel bids[] = {{std::llround(bid * 10), std::llround(bid_qty * 1000)}};
    const md::BookLevel asks[] = {{std::llround(ask * 10), std::llround(ask_qty * 1000)}};
    book.apply_snapshot(bids, asks, 1, now);
    books.push_back(std::move(book));
  }
  std::vector<md::OrderBook> books;
};

class Desk final : public ExecutionDesk {
 public:
  Mode mode() const override { return current; }
  bool dry_run_mode() const override { return dry_run; }
  void safety_action(IncidentCode code, const std::string&, const std::string& summary) override {
    incidents.push_back(code);
    summaries.push_back(summary);
    if (code == IncidentCode::hedge_lost || code == IncidentCode::hedge_latency_violation) current = Mode::hold;
  }
  void audit(const std::string& action, const nlohmann::json&) override { audits.push_back(action); }
  void recon_finished(bool is_clean, const std::string& text) override {
    finished = true;
    clean = is_clean;
    summary = text;
  }
  Mode current = Mode::resume;
  bool dry_run = false;
  std::vector<IncidentCode> incidents;
  std::vector<std::string> summaries;
  std::vector<std::string> audits;
  bool finished = false;
  bool clean = false;
  std::string summary;
};

class Listener final : public ExecutionListener {
 public:
  void on_trade_opened(const TradeOpening& opening) override { opened.push_back(opening); }
  void on_fill(const FillEntry& fill) override { fills.push_back(fill); }
  void on_hedge_lost(std::uint64_t id, const std::string&) override { lost.push_back(id); }
  std::vector<TradeOpening> opened;
  std::vector<FillEntry> fills;
  std::vector<std::uint64_t> lost;
};

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() {
    // BINANCE's ask is thinner than OKX's bid: the long leg on BINANCE goes first.
    market.add(binance, 59990, 5, 60000, 1, clock.now());
    market.add(okx, 60030, 5, 60040, 5, clock.now());
  }

  std::unique_ptr<Executor> make(ExecutorOptions options = {}, TwinVenues* twins = nullptr,
                                 std::vector<venues::Venue*> venues = {}) {
    options.symbols = {"BTC-USDT"};
    if (venues.empty()) venues = {&binance, &okx};
    auto executor = std::make_unique<Executor>(options, clock, std::move(venues), journal, desk, market, &listener,
                                               quiet());
    executor->set_twins(twins);
    executor->reconcile();
    return executor;
  }

  // hedge_flatten, run to its end (5 s of the clock); its report.
  SafetyReport flattened(Executor& executor) {
    std::optional<SafetyReport> report;
    executor.hedge_flatten("test", [&](const SafetyReport& r) { report = r; });
    clock.advance(std::chrono::seconds(5));
    EXPECT_TRUE(report.has_value()) << "the flatten never ended";
    return report.value_or(SafetyReport{});
  }

  static Intent pair_intent() {
    Intent intent;
    intent.strategy = "cross_exchange_arb";
    intent.kind = IntentKind::hedged_pair;
    intent.symbol = "BTC-USDT";
    intent.long_venue = "BINANCE";
    intent.short_venue = "OKX";
    intent.notional_usdt = dec("1000");
    intent.long_price = dec("60000");
    intent.short_price = dec("60030");
    return intent;
  }

  SimClock clock;
  OrderVenue binance{"BINANCE"};
  OrderVenue okx{"OKX"};
  TestJournal journal;
  Market market;
  Desk desk;
  Listener listener;
};

TEST_F(ExecutorTest, AFilledInFullIsHedgedAtOnceForTheSameQuantity) {
  auto executor = make();
  ASSERT_TRUE(desk.finished && desk.clean);
  auto id = executor->submit(pair_intent());
  ASSERT_TRUE(id) << id.error().message;

  ASSERT_EQ(binance.placed.size(), 1u);
  const auto& a = binance.placed[0];
  EXPECT_EQ(a.side, Side::buy);
  EXPECT_EQ(a.time_in_force, venues::TimeInForce::ioc);
  EXPECT_EQ(a.quantity, dec("0.016")) << "1000 USDT at 60000, rounded down to the 0.001 step";
  EXPECT_EQ(*a.price, dec("60060")) << "the expected price plus the default 10 bps, on the tick";
  ASSERT_EQ(okx.placed.size(), 1u) << "B goes out as soon as A's fill is known";
  EXPECT_EQ(okx.placed[0].side, Side::sell);
  EXPECT_EQ(okx.placed[0].quantity, dec("0.016"));
  EXPECT_LT(*okx.placed[0].price, dec("60030")) << "a protected sell below the touch";

  const ExecutionView view = executor->view();
  ASSERT_FALSE(view.trades.empty());
  EXPECT_EQ(view.trades[0].state, TradeState::hedged);
  ASSERT_EQ(view.hedge_log.size(), 1u);
  EXPECT_DOUBLE_EQ(view.hedge_log[0].partial_fill_pct, 100.0);
  EXPECT_EQ(view.hedge_log[0].trade_parent_id, *id);
  EXPECT_TRUE(view.hedge_log[0].hedge_latency_ms.has_value());
  EXPECT_EQ(listener.opened.size(), 1u);

  // Journal before send, and every step recorded in lifecycle order.
  const std::string a_id = a.client_order_id;
  EXPECT_EQ(journal.events(*id, a_id),
            (std::vector<OrderEvent>{OrderEvent::intent, OrderEvent::new_order, OrderEvent::sent, OrderEvent::filled}));
  EXPECT_EQ(journal.events(*id, okx.placed[0].client_order_id),
            (std::vector<OrderEvent>{OrderEvent::intent, OrderEvent::new_order, OrderEvent::sent, OrderEvent::filled}));
  EXPECT_TRUE(journal.unfinished().empty());
  auto parts = parse_client_order_id(a_id);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->intent_id, *id);
  EXPECT_EQ(parts->leg, Leg::a);
}

TEST_F(ExecutorTest, EveryPartialFillOfAIsHedgedImmediatelyForExactlyWhatFilled) {
  binance.replies = {Reply::hold};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_TRUE(okx.placed.empty()) << "nothing filled yet: nothing to hedge";
  const std::string a_id = binance.placed[0].client_order_id;

  // 30 % through the private stream.
  venues::OrderState update = OrderVenue::state_of(binance.placed[0]);
  update.status = venues::OrderStatus::partially_filled;
  update.filled_quantity = dec("0.0048");
  executor->on_order_update("BINANCE", update);
  ASSERT_EQ(okx.placed.size(), 1u);
  EXPECT_EQ(okx.placed[0].quantity, dec("0.004")) << "30 % of 0.016 rounded down to B's step";

  // Then the rest.
  update.status = venues::OrderStatus::filled;
  update.filled_quantity = dec("0.016");
  executor->on_order_update("BINANCE", update);
  ASSERT_EQ(okx.placed.size(), 2u);
  EXPECT_EQ(okx.placed[1].quantity, dec("0.012")) << "the unhedged rest, no more";
  EXPECT_NE(okx.placed[0].client_order_id, okx.placed[1].client_order_id) << "each hedge order is a new attempt";

  const ExecutionView view = executor->view();
  ASSERT_EQ(view.hedge_log.size(), 2u);
  EXPECT_NEAR(view.hedge_log[0].partial_fill_pct, 30.0, 1e-9);
  EXPECT_NEAR(view.hedge_log[1].partial_fill_pct, 100.0, 1e-9);
  EXPECT_EQ(view.trades[0].state, TradeState::hedged);
  EXPECT_EQ(view.trades[0].b_filled, dec("0.016"));
}

TEST_F(ExecutorTest, BRefusedEverywhereIsHedgeLostP0AndTheListenerMarksThePositionPartial) {
  okx.replies = {Reply::reject, Reply::expire_unfilled, Reply::reject};
  auto executor = make();
  auto id = executor->submit(pair_intent());
  ASSERT_TRUE(id);
  EXPECT_EQ(okx.placed.size(), 3u) << "three attempts on the hedge venue, no alternative configured";
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_lost);
  EXPECT_EQ(desk.current, Mode::hold);
  ASSERT_EQ(listener.lost.size(), 1u);
  EXPECT_EQ(listener.lost[0], *id);
  EXPECT_EQ(executor->view().trades[0].state, TradeState::hedge_lost);
  // A new intent is refused in HOLD.
  EXPECT_FALSE(executor->submit(pair_intent()));
}

TEST_F(ExecutorTest, BRetriedThenFilledStaysHedged) {
  okx.replies = {Reply::expire_unfilled, Reply::fill};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_EQ(okx.placed.size(), 2u);
  EXPECT_TRUE(desk.incidents.empty());
  EXPECT_EQ(executor->view().trades[0].state, TradeState::hedged);
}

TEST_F(ExecutorTest, AnUnansweredHedgeIsLostAtTheDeadline) {
  okx.replies = {Reply::hold};
  ExecutorOptions options;
  options.hedge_deadline = std::chrono::seconds(3);
  options.place_deadline = std::chrono::seconds(10);
  auto executor = make(options);
  ASSERT_TRUE(executor->submit(pair_intent()));
  clock.advance(std::chrono::seconds(2));
  EXPECT_TRUE(desk.incidents.empty());
  clock.advance(std::chrono::seconds(2));
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_lost);
}

TEST_F(ExecutorTest, ANetworkErrorIsResolvedByQueryNeverByResending) {
  binance.replies = {Reply::network_error};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_EQ(binance.placed.size(), 1u) << "never re-sent";
  EXPECT_GE(binance.queries, 1);
  ASSERT_EQ(okx.placed.size(), 1u) << "the query found the fill, which is hedged";
  EXPECT_EQ(executor->view().counters.unknown_outcomes, 1u);
}

TEST_F(ExecutorTest, IntentsWaitForReconciliationAndTheMode) {
  auto executor = std::make_unique<Executor>(ExecutorOptions{}, clock, std::vector<venues::Venue*>{&binance, &okx},
                                             journal, desk, market, &listener, quiet());
  auto before = executor->submit(pair_intent());
  ASSERT_FALSE(before);
  EXPECT_NE(before.error().message.find("not_reconciled"), std::string::npos);
  executor->reconcile();
  desk.current = Mode::hold;
  auto held = executor->submit(pair_intent());
  ASSERT_FALSE(held);
  EXPECT_NE(held.error().message.find("mode_blocks"), std::string::npos);
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_TRUE(okx.placed.empty());
}

TEST_F(ExecutorTest, BothLegsAreCheckedForMinimumsBeforeAnythingIsSent) {
  auto executor = make();
  Intent tiny = pair_intent();
  tiny.notional_usdt = dec("4");  // 0.0000666 BTC: below the step and min notional
  auto result = executor->submit(tiny);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("below_minimum"), std::string::npos);
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_EQ(journal.stats().orders_recorded, 0u) << "nothing journaled for a refused intent";
}

TEST_F(ExecutorTest, AJournalThatCannotRecordMeansNothingIsSent) {
  auto executor = make();
  journal.fail_next = true;
  auto result = executor->submit(pair_intent());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::io_error);
  EXPECT_TRUE(binance.placed.empty());
}

TEST_F(ExecutorTest, FillsAreJournaledOnceAndAttributedToTheirPosition) {
  auto executor = make();
  auto id = executor->submit(pair_intent());
  ASSERT_TRUE(id);
  venues::Fill fill;
  fill.symbol = "BTC-USDT";
  fill.client_order_id = binance.placed[0].client_order_id;
  fill.trade_id = "t1";
  fill.side = Side::buy;
  fill.price = dec("60000");
  fill.quantity = dec("0.016");
  executor->on_fill("BINANCE", fill);
  executor->on_fill("BINANCE", fill);  // the stream and the recovery both saw it
  ASSERT_EQ(listener.fills.size(), 1u);
  EXPECT_EQ(listener.fills[0].position_id, *id);
  EXPECT_EQ(listener.fills[0].leg, Leg::a);
  EXPECT_EQ(journal.fills().size(), 1u);
  EXPECT_EQ(journal.stats().duplicate_suppressed_total, 1u);
}

TEST_F(ExecutorTest, HedgeLatencyP95OverItsLimitIsAP0) {
  ExecutorOptions options;
  options.hedge_latency_limit_ms = 50;
  options.hedge_latency_min_samples = 1;
  options.hedge_deadline = std::chrono::seconds(30);
  options.place_deadline = std::chrono::seconds(30);
  okx.replies = {Reply::hold};
  auto executor = make(options);
  ASSERT_TRUE(executor->submit(pair_intent()));
  ASSERT_EQ(okx.held.size(), 1u);
  clock.advance(std::chrono::milliseconds(120));
  venues::OrderState acked = OrderVenue::state_of(okx.placed[0]);
  acked.status = venues::OrderStatus::filled;
  acked.filled_quantity = okx.placed[0].quantity;
  okx.held[0](acked);
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_latency_violation);
  EXPECT_NEAR(*executor->view().hedge_log[0].hedge_latency_ms, 120.0, 1e-6);
}

TEST_F(ExecutorTest, AVenueTheRouterFindsBadDropsTheTradeBeforeLegAWithAP1) {
  auto executor = make();
  Intent wide = pair_intent();
  wide.notional_usdt = dec("500000");  // more than the 1 BTC on BINANCE's ask can fill
  auto result = executor->submit(wide);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("route_blocked"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("book_too_thin"), std::string::npos) << result.error().message;
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_TRUE(okx.placed.empty());
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::route_blocked_all_venues_bad);
}

TEST_F(ExecutorTest, EveryTradedLegsRouteDecisionIsAuditedAfterLegAIsOut) {
  auto executor = make();
  desk.audits.clear();  // the start-up reconciliation's
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_TRUE(desk.audits.empty()) << "nothing written on the path to the wire";
  clock.advance(std::chrono::milliseconds(300));
  EXPECT_EQ(std::count(desk.audits.begin(), desk.audits.end(), "route_decision"), 2);
}

TEST_F(ExecutorTest, AnOperatorResetClearsTheStandingTripsAndOnlyThose) {
  ExecutorOptions options;
  options.max_orders_per_min = 1;
  auto executor = make(options);
  ASSERT_TRUE(executor->submit(pair_intent()));
  auto refused = executor->submit(pair_intent());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("runaway_breaker"), std::string::npos) << refused.error().message;
  ASSERT_FALSE(executor->view().breaker_trips.empty());
  EXPECT_TRUE(executor->breaker_trip().has_value());

  EXPECT_TRUE(executor->reset_breaker(std::string("funding_basis")).empty()) << "another strategy had no trip";
  EXPECT_FALSE(executor->view().breaker_trips.empty());
  const std::vector<risk::Trip> cleared = executor->reset_breaker(std::nullopt);
  ASSERT_FALSE(cleared.empty());
  EXPECT_EQ(cleared.front().kind, risk::BreakerKind::orders_per_min);
  EXPECT_TRUE(executor->view().breaker_trips.empty());
  EXPECT_FALSE(executor->breaker_trip().has_value());
  EXPECT_TRUE(executor->reset_breaker(std::nullopt).empty()) << "nothing stands any more";
}

// A third venue, BYBIT, sells BTC 30 below BINANCE's ask (5 bps) with depth to spare.
class RoutingTest : public ExecutorTest {
 protected:
  RoutingTest() { market.add(bybit, 59960, 5, 59970, 5, clock.now()); }
  std::unique_ptr<Executor> make_three(ExecutorOptions options = {}) {
    return make(options, nullptr, {&binance, &okx, &bybit});
  }
  OrderVenue bybit{"BYBIT"};
};

TEST_F(RoutingTest, AnEntryLegGoesWhereTheRouterFindsItCheaperAndTheDecisionSaysSo) {
  auto executor = make_three();
  desk.audits.clear();
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_TRUE(binance.placed.empty()) << "the strategy's long venue is 5 bps dearer";
  ASSERT_EQ(bybit.placed.size(), 1u);
  EXPECT_EQ(bybit.placed[0].side, Side::buy);
  ASSERT_EQ(okx.placed.size(), 1u) << "the short leg stays where it was best";
  EXPECT_EQ(okx.placed[0].side, Side::sell);
  const ExecutionView view = executor->view();
  ASSERT_FALSE(view.trades.empty());
  EXPECT_EQ(view.trades[0].state, TradeState::hedged);
  ASSERT_EQ(listener.opened.size(), 1u);
  bool long_on_bybit = false;
  for (const TradeLeg& leg : listener.opened[0].legs) long_on_bybit |= leg.venue == "BYBIT" && leg.side == Side::buy;
  EXPECT_TRUE(long_on_bybit) << "the ledger is told where the leg really went";
}

TEST_F(RoutingTest, AnOperatorsVenuesStayWhereTheyAreNamed) {
  auto executor = make_three();
  Intent pinned = pair_intent();
  pinned.venues_pinned = true;
  ASSERT_TRUE(executor->submit(pinned));
  EXPECT_EQ(binance.placed.size(), 1u);
  EXPECT_TRUE(bybit.placed.empty());
}

TEST_F(RoutingTest, AVenueThatRefusedOrdersLatelyLosesItsTurnAndTheHistoryIsShown) {
  auto executor = make_three();
  bybit.replies = {Reply::reject};
  // First trade: routed to BYBIT, which refuses leg A; nothing filled, nothing to hedge.
  ASSERT_TRUE(executor->submit(pair_intent()));
  ASSERT_EQ(bybit.placed.size(), 1u);
  EXPECT_TRUE(okx.placed.empty() || binance.placed.empty());
  const std::size_t okx_before = okx.placed.size();
  // Second: BYBIT's reject rate (1 of 1) is over the router's 20 %: BINANCE gets the buy.
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_EQ(bybit.placed.size(), 1u);
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_EQ(binance.placed[0].side, Side::buy);
  EXPECT_GT(okx.placed.size(), okx_before);

  const ExecutionView view = executor->view();
  ASSERT_EQ(view.venue_health.size(), 3u);
  for (const VenueHealthView& health : view.venue_health) {
    if (health.venue == "BYBIT") {
      EXPECT_EQ(health.samples, 1u);
      EXPECT_DOUBLE_EQ(health.reject_rate, 1.0);
    }
    if (health.venue == "BINANCE") {
      EXPECT_EQ(health.samples, 1u);
      EXPECT_DOUBLE_EQ(health.reject_rate, 0.0);
      EXPECT_TRUE(health.latency_p95_ms.has_value());
    }
  }
}

TEST_F(ExecutorTest, APrivateStreamThatComesBackHasTheVenuesOpenOrdersCancelled) {
  binance.replies = {Reply::hold};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  executor->on_private_stream("BINANCE", true);  // the first connection: nothing to do
  EXPECT_EQ(binance.cancel_alls, 0);
  executor->on_private_stream("BINANCE", false);
  executor->on_private_stream("BINANCE", true);
  EXPECT_EQ(binance.cancel_alls, 1);
  EXPECT_EQ(okx.cancel_alls, 0) << "only the venue that was blind";
  EXPECT_EQ(binance.known.at(binance.placed[0].client_order_id).status, venues::OrderStatus::canceled);
}

TEST_F(ExecutorTest, TheDeadOrderHunterCancelsOpenOrdersNobodyKnows) {
  binance.replies = {Reply::hold};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));  // a working order of ours: not a zombie
  venues::OrderRequest stray;
  stray.symbol = "BTC-USDT";
  stray.client_order_id = "zombie1";
  stray.quantity = dec("1");
  okx.known["zombie1"] = OrderVenue::state_of(stray);
  clock.advance(std::chrono::seconds(59));
  EXPECT_TRUE(okx.cancels.empty());
  clock.advance(std::chrono::seconds(2));
  ASSERT_EQ(okx.cancels.size(), 1u);
  EXPECT_EQ(okx.cancels[0], "zombie1");
  EXPECT_TRUE(binance.cancels.empty()) << "our own working order stays";
  EXPECT_EQ(executor->view().counters.zombies_cancelled, 1u);
}

// ---- closes -----------------------------------------------------------------------

class HeldPositions final : public PositionLookup {
 public:
  std::optional<ClosablePosition> closable(std::string_view strategy, std::string_view, std::string_view,
                                           std::string_view) const override {
    if (strategy != "cross_exchange_arb" || held.held.empty()) return std::nullopt;
    return held;
  }
  ClosablePosition held;
};

TEST_F(ExecutorTest, AReduceOnlyCloseIsSizedToThePositionAttributedToItAndGoesOutInHold) {
  HeldPositions positions;
  positions.held.position_id = 41;
  positions.held.held = {{"BINANCE", dec("0.01")}, {"OKX", dec("-0.012")}};  // long BINANCE, short OKX
  auto executor = make();
  executor->set_positions(&positions);
  desk.current = Mode::hold;
  Intent close = pair_intent();
  close.long_venue = "OKX";       // buy back the short
  close.short_venue = "BINANCE";  // sell the long
  close.long_price = dec("60040");
  close.short_price = dec("59990");
  close.reduce_only = true;
  auto id = executor->submit(close);
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_EQ(binance.placed.size() + okx.placed.size(), 2u);
  for (const auto* venue : {&binance, &okx}) {
    ASSERT_EQ(venue->placed.size(), 1u);
    EXPECT_TRUE(venue->placed[0].reduce_only);
    EXPECT_EQ(venue->placed[0].quantity, dec("0.01")) << "the smaller leg of the position, not the 1000 USDT";
  }
  EXPECT_EQ(binance.placed[0].side, Side::sell);
  EXPECT_EQ(okx.placed[0].side, Side::buy);
  EXPECT_EQ(journal.last("BINANCE", binance.placed[0].client_order_id)->position_id, 41u);
  EXPECT_TRUE(listener.opened.empty()) << "a close opens nothing";

  // Nothing to close: refused.
  positions.held.held.clear();
  auto refused = executor->submit(close);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("no_position"), std::string::npos);
  // And an entry in HOLD still is.
  EXPECT_FALSE(executor->submit(pair_intent()));
}

// ---- cancel_all and hedge_flatten ---------------------------------------------------

TEST_F(ExecutorTest, CancelAllCancelsEverywhereVerifiesAndClosesTheIntake) {
  binance.replies = {Reply::hold};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  venues::OrderRequest stray;
  stray.symbol = "BTC-USDT";
  stray.client_order_id = "manual1";
  stray.quantity = dec("1");
  okx.known["manual1"] = OrderVenue::state_of(stray);

  std::optional<SafetyReport> report;
  executor->cancel_all([&](const SafetyReport& r) { report = r; });
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->flat);
  EXPECT_EQ(report->orders_cancelled, 2) << "the working A and the stray one";
  EXPECT_GE(binance.cancel_alls, 1);
  EXPECT_GE(okx.cancel_alls, 1);
  EXPECT_FALSE(executor->intake_open());
  auto refused = executor->submit(pair_intent());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("intake_closed"), std::string::npos);
}

TEST_F(ExecutorTest, HedgeFlattenClosesEveryVenuePositionReduceOnlyAndVerifies) {
  auto executor = make();
  venues::Position long_btc;
  long_btc.symbol = "BTC-USDT";
  long_btc.quantity = dec("0.25");
  binance.held_positions.push_back(long_btc);
  venues::Position short_btc = long_btc;
  short_btc.quantity = dec("-0.2");
  okx.held_positions.push_back(short_btc);

  std::optional<SafetyReport> report;
  executor->hedge_flatten("test", [&](const SafetyReport& r) { report = r; });
  clock.advance(std::chrono::seconds(5));
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->flat) << (report->remaining.empty() ? "" : report->remaining.front());
  EXPECT_EQ(report->flatten_orders, 2);
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_EQ(binance.placed[0].side, Side::sell);
  EXPECT_TRUE(binance.placed[0].reduce_only);
  EXPECT_EQ(binance.placed[0].quantity, dec("0.25"));
  ASSERT_EQ(okx.placed.size(), 1u);
  EXPECT_EQ(okx.placed[0].side, Side::buy);
  EXPECT_EQ(okx.placed[0].quantity, dec("0.2"));
  EXPECT_TRUE(binance.held_positions[0].quantity.is_zero());
  EXPECT_TRUE(okx.held_positions[0].quantity.is_zero());
  ASSERT_FALSE(desk.incidents.empty());
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_flatten_called);
  // Journal before send for the flatten orders too.
  auto entry = journal.last("BINANCE", binance.placed[0].client_order_id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->strategy, "system");
  EXPECT_TRUE(entry->reduce_only);
}

TEST_F(ExecutorTest, AFlattenThatCannotCloseSaysWhatIsLeft) {
  auto executor = make();
  venues::Position long_btc;
  long_btc.symbol = "BTC-USDT";
  long_btc.quantity = dec("0.25");
  binance.held_positions.push_back(long_btc);
  binance.replies = {Reply::expire_unfilled, Reply::expire_unfilled, Reply::expire_unfilled};
  std::optional<SafetyReport> report;
  executor->hedge_flatten("test", [&](const SafetyReport& r) { report = r; });
  clock.advance(std::chrono::seconds(5));
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->flat);
  ASSERT_FALSE(report->remaining.empty());
  EXPECT_NE(report->remaining[0].find("BINANCE: BTC-USDT position 0.25"), std::string::npos);
  EXPECT_EQ(binance.placed.size(), 3u) << "one order per round, three rounds";
}

// ---- start-up reconciliation ------------------------------------------------------

class ReconTest : public ExecutorTest {};

TEST_F(ReconTest, ASentOrderTheVenueFilledIsRecordedAndItsHedgeFinishedInHold) {
  // A previous process: A journaled as sent, then killed before the answer came.
  {
    binance.replies = {Reply::hold};
    auto first = make();
    ASSERT_TRUE(first->submit(pair_intent()));
  }
  ASSERT_EQ(binance.placed.size(), 1u);
  const std::string a_id = binance.placed[0].client_order_id;
  binance.known[a_id].status = venues::OrderStatus::filled;  // it filled while we were down
  binance.known[a_id].filled_quantity = dec("0.016");
  desk = Desk{};
  desk.current = Mode::hold;  // a restart is always HOLD

  auto second = make();
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_EQ(binance.placed.size(), 1u) << "A was never re-sent";
  ASSERT_EQ(okx.placed.size(), 1u) << "the interrupted hedge is finished, in HOLD";
  EXPECT_EQ(okx.placed[0].quantity, dec("0.016"));
  EXPECT_EQ(journal.last("BINANCE", a_id)->event, OrderEvent::filled);
  EXPECT_EQ(second->view().recon.hedges_resumed, 1);
}

TEST_F(ReconTest, AResumedHedgeWaitsForItsVenuesBookAndReconEndsWhenItIsDone) {
  {
    binance.replies = {Reply::hold};
    auto first = make();
    ASSERT_TRUE(first->submit(pair_intent()));
  }
  const std::string a_id = binance.placed[0].client_order_id;
  binance.known[a_id].status = venues::OrderStatus::filled;
  binance.known[a_id].filled_quantity = dec("0.016");
  // A restart: OKX's instruments and book are still loading.
  md::OrderBook okx_book = market.books.back();
  market.books.pop_back();
  desk = Desk{};
  desk.current = Mode::hold;
  auto second = make();
  EXPECT_TRUE(okx.placed.empty()) << "no book yet: the hedge waits";
  EXPECT_FALSE(desk.finished) << "recon is not over while a hedge it resumed is open";
  EXPECT_TRUE(desk.incidents.empty()) << "not lost: the deadline has not passed";
  market.books.push_back(okx_book);
  clock.advance(std::chrono::milliseconds(200));
  ASSERT_EQ(okx.placed.size(), 1u);
  EXPECT_EQ(okx.placed[0].quantity, dec("0.016"));
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_EQ(second->view().recon.hedges_resumed, 1);
}

TEST_F(ReconTest, AResumedHedgeWhoseVenueNeverComesBackIsLostAtTheDeadline) {
  {
    binance.replies = {Reply::hold};
    auto first = make();
    ASSERT_TRUE(first->submit(pair_intent()));
  }
  const std::string a_id = binance.placed[0].client_order_id;
  binance.known[a_id].status = venues::OrderStatus::filled;
  binance.known[a_id].filled_quantity = dec("0.016");
  market.books.pop_back();  // OKX never delivers a book
  desk = Desk{};
  desk.current = Mode::hold;
  auto second = make();
  clock.advance(std::chrono::seconds(4));
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_lost);
  EXPECT_TRUE(desk.finished) << "the lost hedge ended the trade, so the recon";
}

class Unhedged final : public PositionLookup {
 public:
  std::optional<ClosablePosition> closable(std::string_view, std::string_view, std::string_view,
                                           std::string_view) const override {
    return std::nullopt;
  }
  std::vector<std::uint64_t> unhedged() const override { return ids; }
  std::vector<std::uint64_t> ids;
};

TEST_F(ReconTest, APairWhoseOrdersAllEndedApartIsHedgedFromTheLedgersWord) {
  // A previous process: A filled, then the crash came before B was sent, and an earlier
  // recon ended B's plan: no order of the pair is unfinished any more.
  {
    okx.replies = {Reply::hold};
    auto first = make();
    ASSERT_TRUE(first->submit(pair_intent()));
  }
  const std::string b_id = okx.placed[0].client_order_id;
  okx.known.erase(b_id);  // the venue never got B
  okx.placed.clear();
  md::OrderBook okx_book = market.books.back();
  market.books.pop_back();  // the second run dies before OKX's book arrives...
  {
    desk = Desk{};
    auto second = make();  // ...after resolving B as not_at_venue: every order has ended
  }
  market.books.push_back(okx_book);
  ASSERT_TRUE(journal.unfinished().empty());
  Unhedged ledger;
  ledger.ids = {1};
  desk = Desk{};
  desk.current = Mode::hold;
  auto third = std::make_unique<Executor>(ExecutorOptions{}, clock, std::vector<venues::Venue*>{&binance, &okx},
                                          journal, desk, market, &listener, quiet());
  third->set_positions(&ledger);
  third->reconcile();
  ASSERT_EQ(okx.placed.size(), 1u) << "the hedge the crash interrupted goes out";
  EXPECT_EQ(okx.placed[0].quantity, dec("0.016"));
  EXPECT_TRUE(desk.finished);
}

TEST_F(ReconTest, FillsTheVenueMadeWhileTheDeskWasDownAreRecoveredFromItsHistory) {
  {
    binance.replies = {Reply::hold};
    auto first = make();
    ASSERT_TRUE(first->submit(pair_intent()));
  }
  const std::string a_id = binance.placed[0].client_order_id;
  binance.known[a_id].status = venues::OrderStatus::filled;  // filled while we were down
  binance.known[a_id].filled_quantity = dec("0.016");
  venues::Fill fill;  // the venue's history names the order only by its own id
  fill.symbol = "BTC-USDT";
  fill.venue_order_id = binance.known[a_id].venue_order_id;
  fill.trade_id = "h1";
  fill.side = Side::buy;
  fill.price = dec("60000");
  fill.quantity = dec("0.016");
  fill.ts = clock.utc();
  binance.history.push_back(fill);
  listener.fills.clear();
  desk = Desk{};
  desk.current = Mode::hold;

  auto second = make();
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_GE(binance.fill_history_reads, 1);
  ASSERT_EQ(listener.fills.size(), 1u) << "the lost fill reached the ledger";
  EXPECT_EQ(listener.fills[0].client_order_id, a_id) << "attributed by the venue's order id";
  EXPECT_EQ(listener.fills[0].leg, Leg::a);
  EXPECT_EQ(second->view().recon.fills_recovered, 1);
  EXPECT_NE(desk.summary.find("recovered 1 fill"), std::string::npos) << desk.summary;
  // Read again (another restart): the journal keeps it once.
  listener.fills.clear();
  desk = Desk{};
  auto third = make();
  EXPECT_TRUE(listener.fills.empty());
}

TEST_F(ReconTest, AnOrderNeverReceivedIsRejectedAndAStaleOpenOneCancelled) {
  {
    binance.replies = {Reply::hold};
    auto first = make();
    ASSERT_TRUE(first->submit(pair_intent()));
  }
  const std::string a_id = binance.placed[0].client_order_id;
  // Case 1: the venue never got it.
  binance.known.erase(a_id);
  desk = Desk{};
  auto second = make();
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_EQ(journal.last("BINANCE", a_id)->event, OrderEvent::rejected);
  EXPECT_EQ(journal.last("BINANCE", a_id)->reason, "not_at_venue");
  EXPECT_TRUE(okx.placed.empty());
  EXPECT_TRUE(journal.unfinished().empty()) << "the planned hedge ended too";
}

TEST_F(ReconTest, OrdersTheJournalDoesNotExplainAreCancelledAndAudited) {
  venues::OrderRequest stray;
  stray.symbol = "BTC-USDT";
  stray.client_order_id = "someoneelse1";
  stray.quantity = dec("1");
  binance.known["someoneelse1"] = OrderVenue::state_of(stray);
  auto executor = make();
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << "cancelled: explained away";
  ASSERT_EQ(binance.cancels.size(), 1u);
  EXPECT_EQ(binance.cancels[0], "someoneelse1");
  EXPECT_EQ(executor->view().recon.unexplained_orders, 1);
  EXPECT_NE(std::find(desk.audits.begin(), desk.audits.end(), "recon_unexplained_order"), desk.audits.end());
}

TEST_F(ReconTest, AVenueThatDoesNotAnswerKeepsReconPending) {
  {
    binance.replies = {Reply::hold};
    auto first = make();
    ASSERT_TRUE(first->submit(pair_intent()));
  }
  desk = Desk{};
  binance.query_fails = 3;
  auto second = make();
  EXPECT_FALSE(desk.finished) << "fails closed";
  EXPECT_FALSE(second->reconciled());
  clock.advance(std::chrono::seconds(10));
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(second->reconciled());
}

// ---- dry run: the venues' paper twins -----------------------------------------------

// Scripted twins with the venues' ids: what a simulated trade sends lands here.
class Twins final : public TwinVenues {
 public:
  venues::Venue* twin(std::string_view venue) const override {
    for (venues::Venue* each : all()) {
      if (each->id() == venue) return each;
    }
    return nullptr;
  }
  std::vector<venues::Venue*> all() const override { return {&binance, &okx}; }
  void on_book(const md::OrderBook&) override {}
  bool working() const override { return false; }
  mutable OrderVenue binance{"BINANCE"};
  mutable OrderVenue okx{"OKX"};
};

class DryRunTest : public ExecutorTest {
 protected:
  Twins twins;
};

TEST_F(DryRunTest, ASimulatedPairGoesToTheTwinsNeverToTheVenuesAndIsHedgedThere) {
  desk.dry_run = true;
  twins.okx.replies = {Reply::reject};  // the first hedge is refused: retried at the twin
  auto executor = make({}, &twins);
  auto id = executor->submit(pair_intent());
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_TRUE(okx.placed.empty());
  ASSERT_EQ(twins.binance.placed.size(), 1u);
  EXPECT_EQ(twins.binance.placed[0].side, Side::buy);
  ASSERT_EQ(twins.okx.placed.size(), 2u) << "the refused hedge was retried, at the twin";
  EXPECT_EQ(twins.okx.placed[1].quantity, dec("0.016"));
  ASSERT_FALSE(executor->view().trades.empty());
  EXPECT_EQ(executor->view().trades[0].state, TradeState::hedged);
  ASSERT_EQ(listener.opened.size(), 1u);
  EXPECT_TRUE(listener.opened[0].simulated) << "the ledger opens a simulated position";
  for (const auto& entry : journal.inner.events_of(*id)) EXPECT_TRUE(entry.simulated) << entry.client_order_id;

  // A twin's fill comes back under the venue's id and is journaled simulated.
  venues::Fill fill;
  fill.symbol = "BTC-USDT";
  fill.client_order_id = twins.binance.placed[0].client_order_id;
  fill.trade_id = "paper-1";
  fill.side = Side::buy;
  fill.price = dec("60000");
  fill.quantity = dec("0.016");
  executor->on_fill("BINANCE", fill);
  ASSERT_EQ(listener.fills.size(), 1u);
  EXPECT_TRUE(listener.fills[0].simulated);
  EXPECT_EQ(listener.fills[0].position_id, *id);
  EXPECT_EQ(listener.fills[0].leg, Leg::a);
}

TEST_F(DryRunTest, SwitchingDryRunOffSendsTheNextTradeToTheVenues) {
  desk.dry_run = true;
  auto executor = make({}, &twins);
  ASSERT_TRUE(executor->submit(pair_intent()));
  desk.dry_run = false;  // the operators left dry run
  auto real = executor->submit(pair_intent());
  ASSERT_TRUE(real) << real.error().message;
  EXPECT_EQ(twins.binance.placed.size(), 1u);
  EXPECT_EQ(twins.okx.placed.size(), 1u);
  ASSERT_EQ(binance.placed.size(), 1u);
  ASSERT_EQ(okx.placed.size(), 1u);
  EXPECT_NE(binance.placed[0].client_order_id, twins.binance.placed[0].client_order_id);
  EXPECT_FALSE(journal.last("BINANCE", binance.placed[0].client_order_id)->simulated);
  EXPECT_FALSE(listener.opened.back().simulated);
}

TEST_F(DryRunTest, WithoutTwinsADryRunTradeIsRefusedAndNothingIsSent) {
  desk.dry_run = true;
  auto executor = make();
  auto result = executor->submit(pair_intent());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("unknown_venue"), std::string::npos) << result.error().message;
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_TRUE(okx.placed.empty());
}

TEST_F(DryRunTest, ACloseFollowsItsPositionAndARealOneWaitsWhileDryRunIsOn) {
  HeldPositions positions;
  positions.held.position_id = 41;
  positions.held.simulated = true;
  positions.held.held = {{"BINANCE", dec("-0.01")}, {"OKX", dec("0.01")}};
  auto executor = make({}, &twins);
  executor->set_positions(&positions);
  Intent close = pair_intent();
  close.reduce_only = true;
  ASSERT_TRUE(executor->submit(close)) << "dry run is off: a simulated position still closes on paper";
  EXPECT_TRUE(binance.placed.empty());
  ASSERT_EQ(twins.binance.placed.size(), 1u);
  EXPECT_TRUE(twins.binance.placed[0].reduce_only);

  positions.held.simulated = false;
  desk.dry_run = true;
  auto refused = executor->submit(close);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("no_position"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(binance.placed.empty());
}

TEST_F(DryRunTest, FlattenClosesRealPositionsAtTheVenuesAndSimulatedOnesAtTheTwins) {
  desk.dry_run = true;  // the safety path ignores it: real risk is closed for real
  venues::Position real;
  real.symbol = "BTC-USDT";
  real.quantity = dec("0.25");
  binance.held_positions.push_back(real);
  venues::Position paper = real;
  paper.quantity = dec("-0.1");
  twins.okx.held_positions.push_back(paper);
  // The ledger holds one real and one simulated position there.
  class Holders final : public PositionLookup {
   public:
    std::optional<ClosablePosition> closable(std::string_view, std::string_view, std::string_view,
                                             std::string_view) const override {
      return std::nullopt;
    }
    std::uint64_t holder(std::string_view, std::string_view, bool simulated) const override { return simulated ? 7 : 9; }
  } holders;
  auto executor = make({}, &twins);
  executor->set_positions(&holders);

  const SafetyReport report = flattened(*executor);
  EXPECT_TRUE(report.flat) << (report.remaining.empty() ? "" : report.remaining.front());
  EXPECT_EQ(report.flatten_orders, 2);
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_FALSE(journal.last("BINANCE", binance.placed[0].client_order_id)->simulated);
  ASSERT_EQ(twins.okx.placed.size(), 1u);
  EXPECT_EQ(twins.okx.placed[0].side, Side::buy);
  EXPECT_TRUE(journal.last("OKX", twins.okx.placed[0].client_order_id)->simulated);
  EXPECT_EQ(journal.last("OKX", twins.okx.placed[0].client_order_id)->position_id, 7u) << "closes the simulated one";
  EXPECT_EQ(journal.last("BINANCE", binance.placed[0].client_order_id)->position_id, 9u) << "closes the real one";
  EXPECT_TRUE(okx.placed.empty());
  EXPECT_TRUE(twins.binance.placed.empty());
  EXPECT_GT(twins.okx.cancel_alls, 0) << "cancel_all sweeps the twins too";
}

TEST_F(DryRunTest, AVenuesOrderWithASimulatedOrdersIdIsNotExplainedByIt) {
  desk.dry_run = true;
  twins.binance.replies = {Reply::hold};
  auto executor = make({}, &twins);
  ASSERT_TRUE(executor->submit(pair_intent()));
  ASSERT_EQ(twins.binance.placed.size(), 1u);
  const std::string paper_id = twins.binance.placed[0].client_order_id;
  binance.known[paper_id] = OrderVenue::state_of(twins.binance.placed[0]);  // cannot happen; if it did
  clock.advance(std::chrono::seconds(61));
  ASSERT_EQ(binance.cancels.size(), 1u) << "the hunter cancels it at the venue";
  EXPECT_TRUE(twins.binance.cancels.empty() || twins.binance.cancels[0] == paper_id);
}

TEST_F(ReconTest, ASimulatedOrderUnfinishedAtACrashEndsWithoutAskingTheVenue) {
  std::string a_id;
  {
    desk.dry_run = true;
    Twins before;
    before.binance.replies = {Reply::hold};
    auto first = make({}, &before);
    ASSERT_TRUE(first->submit(pair_intent()));
    ASSERT_EQ(before.binance.placed.size(), 1u);
    a_id = before.binance.placed[0].client_order_id;
  }
  ASSERT_EQ(journal.unfinished().size(), 2u) << "A sent, B planned";
  desk = Desk{};
  Twins after;  // a fresh process: fresh twins
  auto second = make({}, &after);
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_EQ(binance.queries, 0) << "the venue never had it";
  EXPECT_EQ(after.binance.queries, 0);
  EXPECT_TRUE(okx.placed.empty());
  EXPECT_TRUE(after.okx.placed.empty()) << "a simulated hedge is not resumed";
  EXPECT_TRUE(journal.unfinished().empty());
  const auto ended = journal.last("BINANCE", a_id);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->event, OrderEvent::cancelled);
  EXPECT_EQ(ended->reason, "simulated_restart");
}

}  // namespace
}  // namespace propbot::exec
