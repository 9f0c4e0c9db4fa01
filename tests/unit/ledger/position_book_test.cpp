// The position book live: two-leg hedging states, hedge lost, closing with realised
// PnL, flips, simulated and foreign fills in exposure, the strategy views, errors that
// change nothing, and the eviction bound.
#include "core/ledger/position_book.hpp"

#include <gtest/gtest.h>

#include "ledger_test_support.hpp"

namespace propbot::ledger {
namespace {

using testing::dec;
using testing::fill;
using testing::pair_opening;
using testing::single_opening;
using exec::Leg;

class PositionBookTest : public ::testing::Test {
 protected:
  PositionBookTest() : book(PositionBookOptions{.max_closed_positions = 1000,
                                                .default_lot = dec("0"),
                                                .lots = {{"BINANCE", "BTC-USDT", dec("0.001")},
                                                         {"OKX", "BTC-USDT", dec("0.01")}}}) {}

  PositionStatus status(std::uint64_t id) const {
    const Position* position = book.find(id);
    EXPECT_NE(position, nullptr) << "position " << id;
    return position != nullptr ? book.status_of(*position) : PositionStatus::closed;
  }
  Decimal leg_qty(std::uint64_t id, std::size_t leg) const { return book.find(id)->legs().at(leg).holding.quantity(); }

  PositionBook book;
};

TEST_F(PositionBookTest, AHedgedPairIsOpenWithBothLegs) {
  EXPECT_DONE(book.open_position(pair_opening(1, "0.5")));
  EXPECT_EQ(status(1), PositionStatus::open) << "nothing filled is nothing unhedged";
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0.5", "65000")));
  EXPECT_DONE(book.on_fill(fill(1, "OKX", Leg::b, Side::sell, "0.5", "65100")));
  EXPECT_EQ(status(1), PositionStatus::open);
  ASSERT_EQ(book.find(1)->legs().size(), 2u);
  EXPECT_EQ(leg_qty(1, 0), dec("0.5"));
  EXPECT_EQ(leg_qty(1, 1), dec("-0.5"));
  EXPECT_EQ(book.net_exposure("BINANCE", "BTC-USDT"), dec("0.5"));
  EXPECT_EQ(book.net_exposure("OKX", "BTC-USDT"), dec("-0.5"));
}

TEST_F(PositionBookTest, PartialFillsOfAThenBMoveBetweenPartialAndOpen) {
  EXPECT_DONE(book.open_position(pair_opening(1, "1")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0.3", "65000")));
  EXPECT_EQ(status(1), PositionStatus::partial) << "A 30 %, B nothing: unhedged by 0.3";
  EXPECT_DONE(book.on_fill(fill(1, "OKX", Leg::b, Side::sell, "0.3", "65100")));
  EXPECT_EQ(status(1), PositionStatus::open) << "B matched the 30 %";
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0.7", "65010")));
  EXPECT_EQ(status(1), PositionStatus::partial) << "A 100 %, B 30 %";
  EXPECT_DONE(book.on_fill(fill(1, "OKX", Leg::b, Side::sell, "0.7", "65110")));
  EXPECT_EQ(status(1), PositionStatus::open);
  EXPECT_EQ(leg_qty(1, 0), dec("1"));
  EXPECT_EQ(leg_qty(1, 1), dec("-1"));
  EXPECT_EQ(book.find(1)->legs()[0].holding.entry_price(), dec("65007"));
  EXPECT_EQ(book.find(1)->legs()[1].holding.entry_price(), dec("65107"));
}

TEST_F(PositionBookTest, WithinOneLotOfTheCoarserVenueIsHedged) {
  EXPECT_DONE(book.open_position(pair_opening(1, "0.105")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0.105", "65000")));
  EXPECT_DONE(book.on_fill(fill(1, "OKX", Leg::b, Side::sell, "0.10", "65100")));
  EXPECT_EQ(status(1), PositionStatus::open) << "0.005 unhedged, OKX cannot trade less than 0.01";
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0.006", "65000")));
  EXPECT_EQ(status(1), PositionStatus::partial) << "0.011 > one lot of 0.01";
}

TEST_F(PositionBookTest, WithoutAKnownLotTheDefaultToleranceApplies) {
  PositionBook exact;  // default_lot 0: hedged means exactly hedged
  EXPECT_DONE(exact.open_position(pair_opening(1, "1", "arb", "SIM-A", "SIM-B")));
  EXPECT_DONE(exact.on_fill(fill(1, "SIM-A", Leg::a, Side::buy, "1", "100")));
  EXPECT_DONE(exact.on_fill(fill(1, "SIM-B", Leg::b, Side::sell, "0.999", "100")));
  EXPECT_EQ(exact.status_of(*exact.find(1)), PositionStatus::partial);
  PositionBook tolerant(PositionBookOptions{.max_closed_positions = 1000, .default_lot = dec("0.001"), .lots = {}});
  EXPECT_DONE(tolerant.open_position(pair_opening(1, "1", "arb", "SIM-A", "SIM-B")));
  EXPECT_DONE(tolerant.on_fill(fill(1, "SIM-A", Leg::a, Side::buy, "1", "100")));
  EXPECT_DONE(tolerant.on_fill(fill(1, "SIM-B", Leg::b, Side::sell, "0.999", "100")));
  EXPECT_EQ(tolerant.status_of(*tolerant.find(1)), PositionStatus::open);
}

TEST_F(PositionBookTest, AHedgeLostIsPartialEvenWithinALot) {
  EXPECT_DONE(book.open_position(pair_opening(1, "0.5")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0.001", "65000")));
  EXPECT_EQ(status(1), PositionStatus::open);
  EXPECT_DONE(book.mark_partial(1, "hedge_lost"));
  EXPECT_EQ(status(1), PositionStatus::partial);
  EXPECT_EQ(book.find(1)->partial_reason(), "hedge_lost");
  EXPECT_EQ(book.mark_partial(99, "hedge_lost").error().code, Errc::not_found);
}

TEST_F(PositionBookTest, ClosingLastsUntilEveryLegIsFlatThenClosedWithRealisedPnl) {
  EXPECT_DONE(book.open_position(pair_opening(1, "1")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "1", "65000")));
  EXPECT_DONE(book.on_fill(fill(1, "OKX", Leg::b, Side::sell, "1", "65100")));
  EXPECT_DONE(book.mark_closing(1));
  EXPECT_EQ(status(1), PositionStatus::closing);
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::sell, "1", "65200")));
  EXPECT_EQ(status(1), PositionStatus::closing) << "leg B still open";
  EXPECT_DONE(book.on_fill(fill(1, "OKX", Leg::b, Side::buy, "1", "65150")));
  EXPECT_EQ(status(1), PositionStatus::closed);
  EXPECT_EQ(book.find(1)->legs()[0].holding.realized_pnl(), dec("200"));
  EXPECT_EQ(book.find(1)->legs()[1].holding.realized_pnl(), dec("-50"));
  EXPECT_EQ(book.finished_count(), 1u);
  EXPECT_EQ(book.net_exposure("BINANCE", "BTC-USDT"), dec("0"));
  EXPECT_EQ(*book.open_notional_usdt("cross_exchange_arb"), dec("0"));
}

TEST_F(PositionBookTest, AFlattenFillNoSinglePositionHoldsIsSharedAmongThePositionsItReduces) {
  EXPECT_DONE(book.open_position(pair_opening(1, "0.5")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0.5", "65000")));
  EXPECT_DONE(book.on_fill(fill(1, "OKX", Leg::b, Side::sell, "0.5", "65100")));
  EXPECT_DONE(book.open_position(pair_opening(2, "0.3", "funding_basis")));
  EXPECT_DONE(book.on_fill(fill(2, "BINANCE", Leg::a, Side::buy, "0.3", "65010")));
  EXPECT_DONE(book.on_fill(fill(2, "OKX", Leg::b, Side::sell, "0.3", "65090")));
  PositionOpening paper = pair_opening(3, "1");
  paper.simulated = true;
  EXPECT_DONE(book.open_position(paper));
  exec::FillEntry paper_fill = fill(3, "BINANCE", Leg::a, Side::buy, "1", "65000");
  paper_fill.simulated = true;
  EXPECT_DONE(book.on_fill(paper_fill));

  // hedge_flatten sells the venue's net 0.8 on BINANCE, then buys 0.8 back on OKX.
  auto flatten = [](std::string venue, Side side, const char* qty, const char* price) {
    exec::FillEntry entry = fill(0, std::move(venue), Leg::single, side, qty, price);
    entry.intent_id = 9;
    entry.strategy = std::string(exec::kFlattenStrategy);
    return entry;
  };
  EXPECT_DONE(book.on_fill(flatten("BINANCE", Side::sell, "0.6", "65200")));
  EXPECT_EQ(leg_qty(1, 0), dec("0")) << "the oldest position first";
  EXPECT_EQ(leg_qty(2, 0), dec("0.2"));
  EXPECT_EQ(status(1), PositionStatus::closing);
  EXPECT_EQ(status(2), PositionStatus::closing);
  EXPECT_DONE(book.on_fill(flatten("BINANCE", Side::sell, "0.2", "65200")));
  EXPECT_DONE(book.on_fill(flatten("OKX", Side::buy, "0.8", "65150")));
  EXPECT_EQ(status(1), PositionStatus::closed);
  EXPECT_EQ(status(2), PositionStatus::closed);
  EXPECT_EQ(book.find(1)->legs()[0].holding.realized_pnl(), dec("100")) << "0.5 × (65200 − 65000)";
  EXPECT_EQ(book.net_exposure("BINANCE", "BTC-USDT"), dec("0"));
  EXPECT_EQ(book.net_exposure("OKX", "BTC-USDT"), dec("0"));
  EXPECT_EQ(leg_qty(3, 0), dec("1")) << "a simulated position is no venue's: a real flatten leaves it";
}

TEST_F(PositionBookTest, ARealizedProbeGivesEachPositionAFlattensFillReducedItsRealisedPnl) {
  EXPECT_DONE(book.open_position(pair_opening(1, "0.5")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0.5", "65000")));
  EXPECT_DONE(book.open_position(pair_opening(2, "0.3", "funding_basis")));
  EXPECT_DONE(book.on_fill(fill(2, "BINANCE", Leg::a, Side::buy, "0.3", "65010")));
  // Its own fill: only the position it names.
  exec::FillEntry own = fill(1, "OKX", Leg::b, Side::sell, "0.5", "65100");
  const RealizedProbe opening(book, own);
  EXPECT_DONE(book.on_fill(own));
  EXPECT_TRUE(opening.deltas(book).empty()) << "an opening fill realises nothing";
  // A flatten's fill under no position, shared oldest first: 0.5 of 1, 0.1 of 2.
  exec::FillEntry flatten = fill(0, "BINANCE", Leg::single, Side::sell, "0.6", "65200");
  flatten.strategy = std::string(exec::kFlattenStrategy);
  const RealizedProbe probe(book, flatten);
  EXPECT_DONE(book.on_fill(flatten));
  const auto deltas = probe.deltas(book);
  ASSERT_EQ(deltas.size(), 2u);
  EXPECT_EQ(deltas[0].first, 1u);
  EXPECT_EQ(deltas[0].second, dec("100")) << "0.5 × (65200 − 65000)";
  EXPECT_EQ(deltas[1].first, 2u);
  EXPECT_EQ(deltas[1].second, dec("19")) << "0.1 × (65200 − 65010)";
}

TEST_F(PositionBookTest, AClosingLegOnTheSameVenueReducesItsLegWhateverLegTheOrderNames) {
  EXPECT_DONE(book.open_position(single_opening(1, Side::sell, "2")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::single, Side::sell, "2", "100")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "2", "90")));
  ASSERT_EQ(book.find(1)->legs().size(), 1u);
  EXPECT_EQ(status(1), PositionStatus::closed);
  EXPECT_EQ(book.find(1)->legs()[0].holding.realized_pnl(), dec("20"));
}

TEST_F(PositionBookTest, HedgeOnAnAlternativeVenueAddsALegWithThePlannedSide) {
  EXPECT_DONE(book.open_position(pair_opening(1, "1")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "1", "65000")));
  EXPECT_DONE(book.on_fill(fill(1, "BYBIT", Leg::b, Side::sell, "1", "65050")));
  ASSERT_EQ(book.find(1)->legs().size(), 3u);
  EXPECT_EQ(book.find(1)->legs()[2].plan.venue, "BYBIT");
  EXPECT_EQ(book.find(1)->legs()[2].plan.side, PositionSide::short_side);
  EXPECT_EQ(status(1), PositionStatus::open) << "long 1 on BINANCE, short 1 on BYBIT";
}

TEST_F(PositionBookTest, ALegThatFlipsChangesDirectionAndKeepsPositionEqualToFills) {
  EXPECT_DONE(book.open_position(single_opening(1, Side::buy, "1")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::single, Side::buy, "1", "100")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::single, Side::sell, "1.5", "110")));
  const LegPosition& leg = book.find(1)->legs()[0].holding;
  EXPECT_EQ(leg.quantity(), dec("-0.5"));
  EXPECT_EQ(leg.entry_price(), dec("110"));
  EXPECT_EQ(leg.realized_pnl(), dec("10"));
  EXPECT_EQ(status(1), PositionStatus::open) << "a single order is directional by design";
  EXPECT_EQ(book.net_exposure("BINANCE", "BTC-USDT"), dec("-0.5"));
  EXPECT_EQ(*book.strategy_position("momentum", "BINANCE", "BTC-USDT"), dec("-0.5"));
}

TEST_F(PositionBookTest, SimulatedPositionsAreSimulatedAndNeverInExposure) {
  PositionOpening opening = pair_opening(1, "1", "paper_arb");
  opening.simulated = true;
  EXPECT_DONE(book.open_position(opening));
  auto a = fill(1, "BINANCE", Leg::a, Side::buy, "1", "65000");
  auto b = fill(1, "OKX", Leg::b, Side::sell, "0.2", "65100");
  a.simulated = true;
  b.simulated = false;  // even a fill not flagged: it belongs to a simulated position
  EXPECT_DONE(book.on_fill(a));
  EXPECT_DONE(book.on_fill(b));
  EXPECT_EQ(status(1), PositionStatus::simulated) << "unhedged, but simulated wins";
  EXPECT_EQ(book.net_exposure("BINANCE", "BTC-USDT"), dec("0"));
  EXPECT_EQ(book.net_exposure("OKX", "BTC-USDT"), dec("0"));
  EXPECT_TRUE(book.exposure().empty());
  EXPECT_EQ(*book.strategy_position("paper_arb", "BINANCE", "BTC-USDT"), dec("1"))
      << "the strategy sees its dry-run book";
  auto foreign_simulated = fill(0, "BINANCE", Leg::single, Side::buy, "3", "65000");
  foreign_simulated.simulated = true;
  EXPECT_DONE(book.on_fill(foreign_simulated));
  EXPECT_EQ(book.net_exposure("BINANCE", "BTC-USDT"), dec("0"));
}

TEST_F(PositionBookTest, ForeignFillsCountInExposureUnderNoPosition) {
  EXPECT_DONE(book.open_position(pair_opening(1, "1")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "1", "65000")));
  EXPECT_DONE(book.on_fill(fill(0, "BINANCE", Leg::single, Side::sell, "0.4", "65000")));
  EXPECT_DONE(book.on_fill(fill(0, "OKX", Leg::single, Side::buy, "2", "3000", "ETH-USDT")));
  EXPECT_EQ(book.positions().size(), 1u) << "no position for a foreign fill";
  EXPECT_EQ(leg_qty(1, 0), dec("1"));
  EXPECT_EQ(book.net_exposure("BINANCE", "BTC-USDT"), dec("0.6"));
  EXPECT_EQ(book.net_exposure("OKX", "ETH-USDT"), dec("2"));
  const auto rows = book.exposure();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].venue, "BINANCE");
  EXPECT_EQ(rows[1].symbol, "ETH-USDT");
}

TEST_F(PositionBookTest, AFillForAnUnknownPositionOpensOneWithoutStrategy) {
  EXPECT_DONE(book.on_fill(fill(42, "OKX", Leg::b, Side::sell, "1", "65000")));
  const Position* position = book.find(42);
  ASSERT_NE(position, nullptr);
  EXPECT_EQ(position->strategy(), "");
  EXPECT_EQ(position->symbol(), "BTC-USDT");
  EXPECT_EQ(position->legs()[0].plan.side, PositionSide::short_side);
  EXPECT_EQ(book.net_exposure("OKX", "BTC-USDT"), dec("-1"));
}

TEST_F(PositionBookTest, AnOpeningGivenUpWithoutAFillClosesWhenClosing) {
  EXPECT_DONE(book.open_position(pair_opening(1, "1")));
  EXPECT_DONE(book.mark_closing(1));
  EXPECT_EQ(status(1), PositionStatus::closed);
  EXPECT_EQ(book.mark_closing(7).error().code, Errc::not_found);
}

TEST_F(PositionBookTest, StrategyViewsSumTheirOwnLegsAtTheMarkOrTheEntry) {
  EXPECT_DONE(book.open_position(pair_opening(1, "1", "arb")));
  EXPECT_DONE(book.open_position(single_opening(2, Side::buy, "2", "arb", "OKX")));
  EXPECT_DONE(book.open_position(single_opening(3, Side::buy, "5", "other")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "1", "100")));
  EXPECT_DONE(book.on_fill(fill(1, "OKX", Leg::b, Side::sell, "1", "101")));
  EXPECT_DONE(book.on_fill(fill(2, "OKX", Leg::single, Side::buy, "2", "102")));
  EXPECT_DONE(book.on_fill(fill(3, "BINANCE", Leg::single, Side::buy, "5", "100")));
  EXPECT_EQ(*book.open_notional_usdt("arb"), dec("405")) << "100 + 101 + 2 × 102 at entry";
  book.on_mark("OKX", "BTC-USDT", dec("110"));
  EXPECT_EQ(*book.open_notional_usdt("arb"), dec("430")) << "100 + 110 + 2 × 110";
  EXPECT_EQ(*book.strategy_position("arb", "OKX", "BTC-USDT"), dec("1")) << "−1 + 2";
  EXPECT_EQ(*book.strategy_position("arb", "BINANCE", "BTC-USDT"), dec("1"));
  EXPECT_EQ(*book.strategy_position("arb", "BINANCE", "ETH-USDT"), dec("0"));
  EXPECT_EQ(*book.open_notional_usdt("nobody"), dec("0"));
  EXPECT_EQ(book.mark("OKX", "BTC-USDT"), dec("110"));
  EXPECT_EQ(book.mark("BINANCE", "BTC-USDT"), std::nullopt);
}

TEST_F(PositionBookTest, BadInputsAreRefusedAndChangeNothing) {
  EXPECT_EQ(book.open_position(pair_opening(0, "1")).error().code, Errc::invalid_argument);
  PositionOpening no_legs = pair_opening(1, "1");
  no_legs.legs.clear();
  EXPECT_EQ(book.open_position(no_legs).error().code, Errc::invalid_argument);
  EXPECT_DONE(book.open_position(pair_opening(1, "1")));
  EXPECT_EQ(book.open_position(pair_opening(1, "2")).error().code, Errc::already_exists);
  EXPECT_EQ(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0", "1")).error().code, Errc::invalid_argument);
  EXPECT_EQ(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "1", "-1")).error().code, Errc::invalid_argument);
  EXPECT_EQ(book.on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "1", "1", "ETH-USDT")).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(book.on_fill(fill(5, "BINANCE", Leg::a, Side::buy, "0", "1")).error().code, Errc::invalid_argument);
  EXPECT_EQ(book.find(5), nullptr) << "a refused fill opens nothing";
  EXPECT_FALSE(book.find(1)->traded());
  EXPECT_TRUE(book.exposure().empty());
}

TEST_F(PositionBookTest, ClosedPositionsAreKeptUpToTheBoundOldestEvictedFirst) {
  PositionBook bounded(PositionBookOptions{.max_closed_positions = 3, .default_lot = {}, .lots = {}});
  for (std::uint64_t id = 1; id <= 4; ++id) {  // never closed: never evicted
    EXPECT_DONE(bounded.open_position(single_opening(id, Side::buy, "1")));
    EXPECT_DONE(bounded.on_fill(fill(id, "BINANCE", Leg::single, Side::buy, "1", "100")));
  }
  for (std::uint64_t id = 10; id <= 15; ++id) {
    EXPECT_DONE(bounded.open_position(single_opening(id, Side::buy, "1")));
    EXPECT_DONE(bounded.on_fill(fill(id, "BINANCE", Leg::single, Side::buy, "1", "100")));
  }
  // Close them in an order that is not their id order: 12, 10, 15, 11, 13.
  for (std::uint64_t id : {12, 10, 15, 11, 13}) {
    EXPECT_DONE(bounded.on_fill(fill(id, "BINANCE", Leg::single, Side::sell, "1", "101")));
  }
  EXPECT_EQ(bounded.finished_count(), 3u);
  EXPECT_EQ(bounded.find(12), nullptr);
  EXPECT_EQ(bounded.find(10), nullptr);
  for (std::uint64_t id : {15, 11, 13, 14, 1, 2, 3, 4}) EXPECT_NE(bounded.find(id), nullptr) << id;
  EXPECT_EQ(bounded.positions().size(), 8u);
  EXPECT_EQ(bounded.net_exposure("BINANCE", "BTC-USDT"), dec("5")) << "eviction never touches exposure";
}

TEST_F(PositionBookTest, ALateFillReopensAClosedPositionAndItLeavesTheEvictionQueue) {
  PositionBook bounded(PositionBookOptions{.max_closed_positions = 1, .default_lot = {}, .lots = {}});
  EXPECT_DONE(bounded.open_position(single_opening(1, Side::buy, "1")));
  EXPECT_DONE(bounded.on_fill(fill(1, "BINANCE", Leg::single, Side::buy, "1", "100")));
  EXPECT_DONE(bounded.on_fill(fill(1, "BINANCE", Leg::single, Side::sell, "1", "100")));
  EXPECT_EQ(bounded.finished_count(), 1u);
  EXPECT_DONE(bounded.on_fill(fill(1, "BINANCE", Leg::single, Side::buy, "0.1", "100")));
  EXPECT_EQ(bounded.finished_count(), 0u);
  EXPECT_EQ(bounded.status_of(*bounded.find(1)), PositionStatus::open);
  EXPECT_DONE(bounded.open_position(single_opening(2, Side::buy, "1")));
  EXPECT_DONE(bounded.mark_closing(2));
  EXPECT_NE(bounded.find(1), nullptr) << "open again, so never evicted";
}

TEST(PositionTypesTest, NamesAreStable) {
  EXPECT_EQ(to_string(PositionSide::long_side), "long");
  EXPECT_EQ(to_string(PositionSide::short_side), "short");
  EXPECT_EQ(parse_position_side("short"), PositionSide::short_side);
  const char* names[] = {"open", "partial", "closing", "closed", "simulated"};
  for (std::size_t i = 0; i < kAllPositionStatuses.size(); ++i) {
    EXPECT_EQ(to_string(kAllPositionStatuses[i]), names[i]);
    EXPECT_EQ(parse_position_status(names[i]), kAllPositionStatuses[i]);
  }
  EXPECT_EQ(parse_position_status("OPEN"), std::nullopt);
}

}  // namespace
}  // namespace propbot::ledger
