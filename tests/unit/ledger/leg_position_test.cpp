// One leg's money: quantity = Σ signed fills, a weighted entry that resets when flat or
// flipped, realised PnL only on reductions, and unrealised = (mark − entry) × qty.
#include "core/ledger/leg_position.hpp"

#include <random>

#include <gtest/gtest.h>

#include "ledger_test_support.hpp"

namespace propbot::ledger {
namespace {

using testing::dec;

TEST(LegPositionTest, AddsAtTheWeightedAverageEntry) {
  LegPosition leg;
  EXPECT_DONE(leg.apply(Side::buy, dec("1"), dec("100")));
  EXPECT_DONE(leg.apply(Side::buy, dec("3"), dec("200")));
  EXPECT_EQ(leg.quantity(), dec("4"));
  EXPECT_EQ(leg.entry_price(), dec("175"));
  EXPECT_EQ(leg.realized_pnl(), dec("0"));
}

TEST(LegPositionTest, EntryRoundsToTenDigitsNearest) {
  LegPosition leg;
  EXPECT_DONE(leg.apply(Side::buy, dec("1"), dec("1")));
  EXPECT_DONE(leg.apply(Side::buy, dec("2"), dec("2")));
  EXPECT_EQ(leg.entry_price(), dec("1.6666666667"));
}

TEST(LegPositionTest, ReducingRealisesAgainstTheEntryWhichStays) {
  LegPosition leg;
  EXPECT_DONE(leg.apply(Side::buy, dec("2"), dec("100")));
  EXPECT_DONE(leg.apply(Side::sell, dec("0.5"), dec("110")));
  EXPECT_EQ(leg.quantity(), dec("1.5"));
  EXPECT_EQ(leg.entry_price(), dec("100"));
  EXPECT_EQ(leg.realized_pnl(), dec("5"));
}

TEST(LegPositionTest, AShortGainsWhenThePriceFallsAndResetsWhenFlat) {
  LegPosition leg;
  EXPECT_DONE(leg.apply(Side::sell, dec("1"), dec("100")));
  EXPECT_EQ(leg.quantity(), dec("-1"));
  EXPECT_EQ(*leg.unrealized_pnl(dec("90")), dec("10"));
  EXPECT_EQ(*leg.unrealized_pnl(dec("104")), dec("-4"));
  EXPECT_DONE(leg.apply(Side::buy, dec("1"), dec("90")));
  EXPECT_TRUE(leg.flat());
  EXPECT_EQ(leg.entry_price(), dec("0"));
  EXPECT_EQ(leg.realized_pnl(), dec("10"));
  EXPECT_EQ(*leg.unrealized_pnl(dec("50")), dec("0"));
}

TEST(LegPositionTest, AFlipRealisesTheClosedPartAndOpensTheRestAtTheFillPrice) {
  LegPosition leg;
  EXPECT_DONE(leg.apply(Side::buy, dec("1"), dec("100")));
  EXPECT_DONE(leg.apply(Side::sell, dec("3"), dec("120")));
  EXPECT_EQ(leg.quantity(), dec("-2"));
  EXPECT_EQ(leg.entry_price(), dec("120"));
  EXPECT_EQ(leg.realized_pnl(), dec("20"));
  EXPECT_EQ(*leg.unrealized_pnl(dec("110")), dec("20"));
}

TEST(LegPositionTest, RefusesANonPositiveFillAndChangesNothing) {
  LegPosition leg;
  EXPECT_DONE(leg.apply(Side::buy, dec("1"), dec("100")));
  EXPECT_EQ(leg.apply(Side::buy, dec("0"), dec("100")).error().code, Errc::invalid_argument);
  EXPECT_EQ(leg.apply(Side::sell, dec("-1"), dec("100")).error().code, Errc::invalid_argument);
  EXPECT_EQ(leg.apply(Side::sell, dec("1"), dec("0")).error().code, Errc::invalid_argument);
  EXPECT_EQ(leg.quantity(), dec("1"));
  EXPECT_EQ(leg.entry_price(), dec("100"));
}

TEST(LegPositionTest, AnOverflowIsAnErrorAndChangesNothing) {
  LegPosition leg;
  EXPECT_DONE(leg.apply(Side::buy, dec("1"), dec("100")));
  const auto huge = Decimal::from_mantissa(INT64_MAX, 0);
  const auto refused = leg.apply(Side::buy, huge, dec("100"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::overflow);
  EXPECT_EQ(leg.quantity(), dec("1"));
  EXPECT_EQ(leg.entry_price(), dec("100"));
}

// Conservation: realised + unrealised = the cash the fills moved + what is held at the
// mark, for any sequence — up to the entry's rounding at 10 digits.
TEST(LegPositionTest, PnlIsConservedOverRandomFills) {
  std::mt19937_64 random(7);
  for (int run = 0; run < 200; ++run) {
    LegPosition leg;
    double cash = 0;
    double held = 0;
    for (int i = 0; i < 40; ++i) {
      const Side side = random() % 2 ? Side::buy : Side::sell;
      const auto qty = Decimal::from_mantissa(static_cast<std::int64_t>(1 + random() % 5000), 3);
      const auto price = Decimal::from_mantissa(static_cast<std::int64_t>(9'000'000 + random() % 2'000'000), 2);
      ASSERT_TRUE(leg.apply(side, qty, price).ok());
      const double signed_qty = side == Side::buy ? qty.to_double() : -qty.to_double();
      cash -= signed_qty * price.to_double();
      held += signed_qty;
    }
    EXPECT_NEAR(leg.quantity().to_double(), held, 1e-9);
    const Decimal mark = dec("100000");
    const double total = leg.realized_pnl().to_double() + leg.unrealized_pnl(mark)->to_double();
    EXPECT_NEAR(total, cash + held * mark.to_double(), 1e-3) << "run " << run;
  }
}

}  // namespace
}  // namespace propbot::ledger
