// rebuild(orders, fills) gives the live book back: first on hand-written journals
// (what opens, closes, marks partial and gives up a position), then on random executor
// runs where a journaling executor drives a live book and the journal it wrote is
// rebuilt and compared field by field.
#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "core/ledger/position_book.hpp"
#include "ledger_test_support.hpp"

namespace propbot::ledger {
namespace {

using exec::FillEntry;
using exec::Leg;
using exec::OrderEntry;
using exec::OrderEvent;
using testing::dec;
using testing::make_fill;
using testing::pair_opening;
using testing::single_opening;

// Plays the executor: every call journals what a real one would journal and drives
// the live book the way it would, so the journal can be rebuilt and compared.
class JournalingExecutor {
 public:
  explicit JournalingExecutor(PositionBookOptions options = {}) : live(std::move(options)) {}

  void open(const PositionOpening& opening) {
    for (const LegPlan& leg : opening.legs) {
      journal_order(opening.position_id, leg.venue, leg.leg, OrderEvent::intent, false,
                    leg.side == PositionSide::long_side ? Side::buy : Side::sell, leg.target_qty, opening.strategy,
                    opening.symbol, opening.simulated, opening.opened_at_ms);
    }
    ASSERT_TRUE(live.open_position(opening).ok());
    openings[opening.position_id] = opening;
  }

  void fill(FillEntry entry) {
    entry.seq = ++seq;
    entry.trade_id = "trade-" + std::to_string(entry.seq);
    if (auto it = openings.find(entry.position_id); it != openings.end()) entry.simulated = it->second.simulated;
    fills.push_back(entry);
    const auto applied = live.on_fill(entry);
    ASSERT_TRUE(applied.ok()) << applied.error().describe();
  }

  // The hedge goes to another venue: its order is journaled before it fills.
  void order_on(std::uint64_t id, const std::string& venue, Leg leg, Side side, Decimal qty, bool reduce_only) {
    const PositionOpening& o = openings.at(id);
    journal_order(id, venue, leg, OrderEvent::intent, reduce_only, side, qty, o.strategy, o.symbol, o.simulated, 0);
  }

  void start_closing(std::uint64_t id) {
    if (!live.mark_closing(id).ok()) return;  // evicted: nothing to close
    const PositionOpening& o = openings.at(id);
    for (const LegPlan& leg : o.legs) {
      journal_order(id, leg.venue, leg.leg, OrderEvent::intent, true,
                    leg.side == PositionSide::long_side ? Side::sell : Side::buy, leg.target_qty, o.strategy, o.symbol,
                    o.simulated, 0);
    }
  }

  void lose_hedge(std::uint64_t id) {
    if (!live.mark_partial(id, std::string(kHedgeLostReason)).ok()) return;
    const PositionOpening& o = openings.at(id);
    const LegPlan& hedge = o.legs.back();
    journal_order(id, hedge.venue, hedge.leg, OrderEvent::cancelled, false, Side::sell, hedge.target_qty, o.strategy,
                  o.symbol, o.simulated, 0, std::string(kHedgeLostReason));
  }

  // Every opening order refused, nothing filled: the executor abandons the trade.
  void give_up(std::uint64_t id) {
    const PositionOpening& o = openings.at(id);
    for (const LegPlan& leg : o.legs) {
      journal_order(id, leg.venue, leg.leg, OrderEvent::rejected, false,
                    leg.side == PositionSide::long_side ? Side::buy : Side::sell, leg.target_qty, o.strategy, o.symbol,
                    o.simulated, 0, "venue_rejected");
    }
    ASSERT_TRUE(live.mark_closing(id).ok());
  }

  PositionBook live;
  std::vector<OrderEntry> orders;
  std::vector<FillEntry> fills;
  std::map<std::uint64_t, PositionOpening> openings;

 private:
  void journal_order(std::uint64_t id, const std::string& venue, Leg leg, OrderEvent event, bool reduce_only,
                     Side side, Decimal qty, const std::string& strategy, const std::string& symbol, bool simulated,
                     std::int64_t ts_ms, std::string reason = {}) {
    OrderEntry entry;
    entry.seq = ++seq;
    entry.ts_ms = ts_ms;
    entry.venue = venue;
    // One order per (position, venue, leg, reduce_only): later events repeat its id.
    entry.client_order_id = "pb" + std::to_string(id) + venue + std::string(exec::to_string(leg)) + (reduce_only ? "r" : "o");
    entry.event = event;
    entry.intent_id = id;
    entry.position_id = id;
    entry.strategy = strategy;
    entry.leg = leg;
    entry.symbol = symbol;
    entry.side = side;
    entry.reduce_only = reduce_only;
    entry.quantity = qty;
    entry.reason = std::move(reason);
    entry.simulated = simulated;
    orders.push_back(std::move(entry));
  }

  std::uint64_t seq = 0;
};

// Everything observable: the API document plus what it does not print.
void expect_same_books(const PositionBook& live, const PositionBook& rebuilt, const std::string& where) {
  const nlohmann::json live_doc = live.positions_json();
  const nlohmann::json rebuilt_doc = rebuilt.positions_json();
  EXPECT_EQ(live_doc, rebuilt_doc) << where << ", first difference: " << nlohmann::json::diff(live_doc, rebuilt_doc)[0];
  ASSERT_EQ(live.positions().size(), rebuilt.positions().size()) << where;
  EXPECT_EQ(live.finished_count(), rebuilt.finished_count()) << where;
  std::set<std::string> strategies;
  for (const auto& [id, position] : live.positions()) {
    const Position* twin = rebuilt.find(id);
    ASSERT_NE(twin, nullptr) << where << " position " << id;
    strategies.insert(position.strategy());
    EXPECT_EQ(position.closing(), twin->closing()) << where << " position " << id;
    EXPECT_EQ(position.partial_reason(), twin->partial_reason()) << where << " position " << id;
    ASSERT_EQ(position.legs().size(), twin->legs().size()) << where << " position " << id;
    for (std::size_t i = 0; i < position.legs().size(); ++i) {
      EXPECT_EQ(position.legs()[i].holding.realized_pnl(), twin->legs()[i].holding.realized_pnl())
          << where << " position " << id << " leg " << i;
      EXPECT_EQ(position.legs()[i].holding.entry_price(), twin->legs()[i].holding.entry_price());
    }
  }
  for (const std::string& strategy : strategies) {
    EXPECT_EQ(*live.open_notional_usdt(strategy), *rebuilt.open_notional_usdt(strategy)) << where << " " << strategy;
    for (const char* venue : {"BINANCE", "OKX", "BYBIT"}) {
      EXPECT_EQ(*live.strategy_position(strategy, venue, "BTC-USDT"),
                *rebuilt.strategy_position(strategy, venue, "BTC-USDT"))
          << where << " " << strategy << " " << venue;
    }
  }
  const auto live_rows = live.exposure();
  const auto rebuilt_rows = rebuilt.exposure();
  ASSERT_EQ(live_rows.size(), rebuilt_rows.size()) << where;
  for (std::size_t i = 0; i < live_rows.size(); ++i) {
    EXPECT_EQ(live_rows[i].venue, rebuilt_rows[i].venue);
    EXPECT_EQ(live_rows[i].symbol, rebuilt_rows[i].symbol);
    EXPECT_EQ(live_rows[i].net_qty, rebuilt_rows[i].net_qty) << where;
  }
}

PositionBook rebuilt_from(const JournalingExecutor& executor, PositionBookOptions options = {}) {
  auto rebuilt = PositionBook::rebuild(executor.orders, executor.fills, std::move(options));
  EXPECT_TRUE(rebuilt.ok()) << (rebuilt.ok() ? "" : rebuilt.error().describe());
  return rebuilt.ok() ? std::move(rebuilt).value() : PositionBook();
}

TEST(PositionRebuildTest, OrdersOpenCloseAndMarkPartialFillsMoveTheLegs) {
  JournalingExecutor executor;
  executor.open(pair_opening(1, "1"));
  executor.fill(make_fill(1, "BINANCE", Leg::a, Side::buy, dec("0.3"), dec("65000")));
  executor.fill(make_fill(1, "OKX", Leg::b, Side::sell, dec("0.3"), dec("65100")));
  executor.fill(make_fill(1, "BINANCE", Leg::a, Side::buy, dec("0.7"), dec("65010")));
  executor.lose_hedge(1);
  executor.open(single_opening(2, Side::sell, "2"));
  executor.fill(make_fill(2, "BINANCE", Leg::single, Side::sell, dec("2"), dec("100")));
  executor.start_closing(2);
  executor.fill(make_fill(2, "BINANCE", Leg::single, Side::buy, dec("2"), dec("90")));
  executor.open(single_opening(3, Side::buy, "1"));
  executor.give_up(3);
  executor.open(single_opening(4, Side::buy, "1"));  // orders still out, nothing filled
  executor.fill(make_fill(0, "OKX", Leg::single, Side::buy, dec("5"), dec("3000"), "ETH-USDT"));

  const PositionBook rebuilt = rebuilt_from(executor);
  expect_same_books(executor.live, rebuilt, "hand-written");
  EXPECT_EQ(rebuilt.status_of(*rebuilt.find(1)), PositionStatus::partial);
  EXPECT_EQ(rebuilt.find(1)->partial_reason(), "hedge_lost");
  EXPECT_EQ(rebuilt.find(1)->strategy(), "cross_exchange_arb");
  EXPECT_EQ(rebuilt.find(1)->opened_at_ms(), 1'795'000'000'000);
  EXPECT_EQ(rebuilt.status_of(*rebuilt.find(2)), PositionStatus::closed);
  EXPECT_EQ(rebuilt.find(2)->legs()[0].holding.realized_pnl(), dec("20"));
  EXPECT_EQ(rebuilt.status_of(*rebuilt.find(3)), PositionStatus::closed) << "given up";
  EXPECT_EQ(rebuilt.status_of(*rebuilt.find(4)), PositionStatus::open) << "its order may still fill";
  EXPECT_EQ(rebuilt.net_exposure("OKX", "ETH-USDT"), dec("5"));
}

TEST(PositionRebuildTest, AFillThatBreaksAnInvariantNamesItsSeq) {
  JournalingExecutor executor;
  executor.open(single_opening(1, Side::buy, "1"));
  FillEntry bad = make_fill(1, "BINANCE", Leg::single, Side::buy, dec("1"), dec("100"), "ETH-USDT");
  bad.seq = 9;
  const auto rebuilt = PositionBook::rebuild(executor.orders, {bad});
  ASSERT_FALSE(rebuilt.ok());
  EXPECT_EQ(rebuilt.error().code, Errc::invalid_argument);
  EXPECT_NE(rebuilt.error().message.find("journal seq 9"), std::string::npos) << rebuilt.error().message;
}

TEST(PositionRebuildTest, InputsInAnyOrderAreReplayedBySeq) {
  JournalingExecutor executor;
  executor.open(pair_opening(1, "1"));
  executor.fill(make_fill(1, "BINANCE", Leg::a, Side::buy, dec("1"), dec("65000")));
  executor.start_closing(1);
  executor.fill(make_fill(1, "BINANCE", Leg::a, Side::sell, dec("1"), dec("65100")));
  auto orders = executor.orders;
  auto fills = executor.fills;
  std::reverse(orders.begin(), orders.end());
  std::reverse(fills.begin(), fills.end());
  const auto rebuilt = PositionBook::rebuild(orders, fills);
  ASSERT_TRUE(rebuilt.ok());
  expect_same_books(executor.live, *rebuilt, "reversed inputs");
}

// A random executor run: openings (pairs and singles, some simulated), fills that
// build, reduce, flip and flatten legs, hedges on another venue, foreign fills,
// closings, lost hedges and given-up openings, with marks all along.
void run_random_executor(JournalingExecutor& executor, std::mt19937_64& random, int steps, bool give_ups) {
  const std::vector<std::string> strategies = {"cross_exchange_arb", "funding_carry", "momentum"};
  const auto pick = [&](auto n) { return static_cast<std::size_t>(random() % n); };
  const auto quantity = [&] { return Decimal::from_mantissa(static_cast<std::int64_t>(1 + random() % 900), 3); };
  const auto price = [&] { return Decimal::from_mantissa(static_cast<std::int64_t>(6'400'000 + random() % 200'000), 2); };
  std::vector<std::uint64_t> ids;
  std::set<std::uint64_t> traded;
  std::uint64_t next_id = 100;

  for (int step = 0; step < steps; ++step) {
    const auto roll = pick(100);
    if (ids.empty() || roll < 12) {
      const std::uint64_t id = next_id += 1 + pick(3);
      PositionOpening opening = pick(3) == 0 ? single_opening(id, pick(2) ? Side::buy : Side::sell, "0.5")
                                             : pair_opening(id, "0.5");
      opening.strategy = strategies[pick(strategies.size())];
      opening.opened_at_ms = 1'795'000'000'000 + step * 1000;
      opening.simulated = pick(5) == 0;
      executor.open(opening);
      ids.push_back(id);
      continue;
    }
    const std::uint64_t id = ids[pick(ids.size())];
    const PositionOpening& opening = executor.openings.at(id);
    const Position* position = executor.live.find(id);
    if (roll < 60) {  // a fill on a planned leg, mostly in its direction
      const LegPlan& leg = opening.legs[pick(opening.legs.size())];
      const Side opens = leg.side == PositionSide::long_side ? Side::buy : Side::sell;
      const Side side = pick(4) == 0 ? (opens == Side::buy ? Side::sell : Side::buy) : opens;
      executor.fill(make_fill(id, leg.venue, leg.leg, side, quantity(), price()));
      traded.insert(id);
    } else if (roll < 64 && opening.legs.size() == 2) {  // leg B hedged on another venue
      const Decimal qty = quantity();
      executor.order_on(id, "BYBIT", Leg::b, Side::sell, qty, false);
      executor.fill(make_fill(id, "BYBIT", Leg::b, Side::sell, qty, price()));
      traded.insert(id);
    } else if (roll < 72) {  // a foreign fill, sometimes a dry-run one
      FillEntry foreign = make_fill(0, pick(2) ? "BINANCE" : "OKX", Leg::single, pick(2) ? Side::buy : Side::sell,
                                    quantity(), price(), pick(3) ? "BTC-USDT" : "ETH-USDT");
      foreign.simulated = pick(4) == 0;
      executor.fill(foreign);
    } else if (roll < 80 && position != nullptr && !position->closing()) {  // close and flatten every leg
      executor.start_closing(id);
      for (const PositionLeg& leg : std::vector<PositionLeg>(position->legs())) {
        const Decimal open = leg.holding.quantity();
        if (open.is_zero()) continue;
        executor.fill(make_fill(id, leg.plan.venue, leg.plan.leg, open.is_negative() ? Side::buy : Side::sell,
                                *open.abs(), price()));
      }
    } else if (roll < 84 && opening.legs.size() == 2) {
      executor.lose_hedge(id);
    } else if (roll < 88 && give_ups && position != nullptr && !traded.contains(id) && !position->closing()) {
      executor.give_up(id);
      std::erase(ids, id);  // abandoned: no order of it is left to fill
    } else {
      const char* venue = pick(2) ? "BINANCE" : "OKX";
      executor.live.on_mark(venue, "BTC-USDT", price());
    }
  }
}

void apply_marks_of(const PositionBook& from, PositionBook& to) {
  for (const char* venue : {"BINANCE", "OKX", "BYBIT"}) {
    if (const auto mark = from.mark(venue, "BTC-USDT")) to.on_mark(venue, "BTC-USDT", *mark);
  }
}

TEST(PositionRebuildTest, RandomExecutorRunsRebuildToTheLiveBook) {
  const PositionBookOptions options{.max_closed_positions = 1000,
                                    .default_lot = dec("0.001"),
                                    .lots = {{"OKX", "BTC-USDT", dec("0.01")}}};
  std::set<PositionStatus> statuses_seen;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 random(seed);
    JournalingExecutor executor(options);
    run_random_executor(executor, random, 400, /*give_ups=*/true);
    PositionBook rebuilt = rebuilt_from(executor, options);
    apply_marks_of(executor.live, rebuilt);
    expect_same_books(executor.live, rebuilt, "seed " + std::to_string(seed));
    if (HasFailure()) return;
    for (const auto& [id, position] : rebuilt.positions()) statuses_seen.insert(rebuilt.status_of(position));
  }
  EXPECT_EQ(statuses_seen.size(), kAllPositionStatuses.size()) << "the runs must reach every status";
}

TEST(PositionRebuildTest, RebuildEvictsAsTheLiveBookDid) {
  const PositionBookOptions options{.max_closed_positions = 5, .default_lot = dec("0.001"), .lots = {}};
  std::size_t evictions_seen = 0;
  for (std::uint64_t seed = 100; seed < 130; ++seed) {
    std::mt19937_64 random(seed);
    JournalingExecutor executor(options);
    run_random_executor(executor, random, 600, /*give_ups=*/false);
    EXPECT_LE(executor.live.finished_count(), 5u);
    evictions_seen += executor.openings.size() - executor.live.positions().size();
    PositionBook rebuilt = rebuilt_from(executor, options);
    apply_marks_of(executor.live, rebuilt);
    expect_same_books(executor.live, rebuilt, "seed " + std::to_string(seed));
    if (HasFailure()) return;
  }
  EXPECT_GT(evictions_seen, 0u) << "the runs must reach the bound for this test to mean anything";
}

}  // namespace
}  // namespace propbot::ledger
