// PnL attribution on a scripted trade set whose every bucket is computed by hand: a
// hedged BTC pair opened on two venues, funded, marked, partly closed, then closed —
// the realised price PnL taken from the real PositionBook through RealizedProbe, as
// the engine will feed it. Then: the desk is the exact sum of its strategies, the
// JSON contract of GET /api/ui/pnl, simulated fills, other-asset fees and funding,
// the strategy bound and errors that change nothing.
#include "core/ledger/pnl_attribution.hpp"

#include <gtest/gtest.h>

#include "core/ledger/position_book.hpp"
#include "pnl_test_support.hpp"

namespace propbot::ledger {
namespace {

using exec::Leg;
using testing::attributed;
using testing::dec;
using testing::kDayStart;
using testing::kHour;
using testing::pnl_options;

constexpr std::string_view kArb = "cross_exchange_arb";

class PnlAttributionTest : public ::testing::Test {
 protected:
  PnlAttributionTest() : pnl(pnl_options(), kDayStart) {}

  // One fill of position 1 through the book (its realised PnL read by RealizedProbe)
  // and into the attribution. Returns the realised price PnL the fill carried.
  Decimal trade(std::string venue, Leg leg, Side side, std::string_view qty, std::string_view price,
                std::string_view reference, std::string_view fee, bool maker, std::string fee_asset = "USDT") {
    exec::FillEntry entry = testing::fill(1, venue, leg, side, qty, price);
    entry.strategy = std::string(kArb);
    const RealizedProbe probe(book, entry);
    EXPECT_DONE(book.on_fill(entry));
    Decimal realized;
    for (const auto& [position, delta] : probe.deltas(book)) realized = *realized.add(delta);
    AttributedFill fill = attributed(std::string(kArb), side, qty, price, reference, fee, maker, clock_ms);
    fill.venue = std::move(venue);
    fill.position_id = 1;
    fill.fee_asset = std::move(fee_asset);
    fill.realized_price_pnl = realized;
    EXPECT_DONE(pnl.on_fill(fill));
    clock_ms += 60'000;
    return realized;
  }

  // The open legs of position 1 at the marks, as the engine computes unrealised PnL.
  Decimal unrealized_at(std::string_view binance_mark, std::string_view okx_mark) const {
    Decimal sum;
    for (const PositionLeg& leg : book.at(1).legs()) {
      const Decimal mark = dec(leg.plan.venue == "BINANCE" ? binance_mark : okx_mark);
      sum = *sum.add(*leg.holding.unrealized_pnl(mark));
    }
    return sum;
  }

  const PnlBuckets& arb() const { return pnl.find(kArb)->total.buckets; }

  PositionBook book;
  PnlAttribution pnl;
  std::int64_t clock_ms = kDayStart + kHour;
};

TEST_F(PnlAttributionTest, AScriptedHedgedPairSumsExactlyToHandComputedBuckets) {
  EXPECT_DONE(book.open_position(testing::pair_opening(1, "2", std::string(kArb))));

  // Open. Leg A buys 2 @ 60010 against an ask of 60000, taker, fee 12 USDT:
  //   slippage (60010 − 60000) × 2 = 20.
  EXPECT_EQ(trade("BINANCE", Leg::a, Side::buy, "2", "60010", "60000", "12", false), dec("0"));
  // Leg B sells 2 @ 60100 against a bid of 60095, maker, rebate 2.40 (fee −2.40):
  //   slippage (60095 − 60100) × 2 = −10 (improvement).
  EXPECT_EQ(trade("OKX", Leg::b, Side::sell, "2", "60100", "60095", "-2.40", true), dec("0"));
  // Funding: the long pays 3.00 on BINANCE, the short receives 4.50 on OKX → +1.50.
  EXPECT_DONE(pnl.on_funding({std::string(kArb), "BINANCE", "BTC-USDT", "USDT", dec("-3.00"), clock_ms}));
  EXPECT_DONE(pnl.on_funding({std::string(kArb), "OKX", "BTC-USDT", "USDT", dec("4.50"), clock_ms}));
  // Marks 60050 / 60060: long (60050 − 60010) × 2 = 80, short (60100 − 60060) × 2 = 80.
  ASSERT_EQ(unrealized_at("60050", "60060"), dec("160"));
  EXPECT_DONE(pnl.set_unrealized(kArb, unrealized_at("60050", "60060")));

  // Partial close, 1 of 2 on each side, both taker, 6 USDT fee each:
  //   sell 1 @ 60070 (bid 60075): realised (60070 − 60010) × 1 = 60, slippage (60075 − 60070) = 5;
  //   buy 1 @ 60080 (ask 60078): realised (60100 − 60080) × 1 = 20, slippage (60080 − 60078) = 2.
  EXPECT_EQ(trade("BINANCE", Leg::a, Side::sell, "1", "60070", "60075", "6", false), dec("60"));
  EXPECT_EQ(trade("OKX", Leg::b, Side::buy, "1", "60080", "60078", "6", false), dec("20"));
  // What is left at the same marks: 40 + 40.
  ASSERT_EQ(unrealized_at("60050", "60060"), dec("80"));
  EXPECT_DONE(pnl.set_unrealized(kArb, unrealized_at("60050", "60060")));
  // Midway: realised 80, unrealised 80, funding 1.50, rebates 2.40, fees 24, slippage 17:
  //   total = 80 + 80 + 1.50 + 2.40 − 24 = 139.90; spread = 80 + 17 = 97;
  //   Σ buckets = 97 + 1.50 + 80 + 2.40 − 24 − 17 = 139.90.
  EXPECT_EQ(*arb().total_pnl(), dec("139.90"));
  EXPECT_EQ(*arb().pnl_from_spread(), dec("97"));
  EXPECT_EQ(*arb().sum_of_buckets(), dec("139.90"));

  // Full close:
  //   sell 1 @ 60020 (bid 60022), taker, fee 0.01 BNB (kept apart): realised 10, slippage 2;
  //   buy 1 @ 60030 (ask 60031), maker, rebate 1.20: realised (60100 − 60030) = 70, slippage −1.
  EXPECT_EQ(trade("BINANCE", Leg::a, Side::sell, "1", "60020", "60022", "0.01", false, "BNB"), dec("10"));
  EXPECT_EQ(trade("OKX", Leg::b, Side::buy, "1", "60030", "60031", "-1.20", true), dec("70"));
  ASSERT_EQ(unrealized_at("60050", "60060"), dec("0"));
  EXPECT_DONE(pnl.set_unrealized(kArb, dec("0")));

  // Hand-computed buckets:
  //   realised price PnL 60 + 20 + 10 + 70 = 160
  //   slippage_cost      20 − 10 + 5 + 2 + 2 − 1 = 18
  //   fees_paid          12 + 6 + 6 = 24 (the BNB fee is not here)
  //   pnl_from_rebate    2.40 + 1.20 = 3.60
  //   pnl_from_funding   −3.00 + 4.50 = 1.50
  //   pnl_from_basis     0 (flat)
  //   pnl_from_spread    160 + 18 = 178
  //   total = 160 + 0 + 1.50 + 3.60 − 24 = 141.10
  //         = 178 + 1.50 + 0 + 3.60 − 24 − 18 = 141.10
  const PnlBuckets& b = arb();
  EXPECT_EQ(b.realized_price_pnl, dec("160"));
  EXPECT_EQ(b.slippage_cost, dec("18"));
  EXPECT_EQ(b.fees_paid, dec("24"));
  EXPECT_EQ(b.rebates, dec("3.60"));
  EXPECT_EQ(b.funding, dec("1.50"));
  EXPECT_EQ(b.unrealized_price_pnl, dec("0"));
  EXPECT_EQ(*b.pnl_from_spread(), dec("178"));
  EXPECT_EQ(*b.realized_usdt(), dec("141.10"));
  EXPECT_EQ(*b.total_pnl(), dec("141.10"));
  EXPECT_EQ(*b.sum_of_buckets(), dec("141.10"));
  EXPECT_EQ(*b.check_identity(), dec("0"));
  EXPECT_EQ(*pnl.check_identity(), dec("0"));
  EXPECT_EQ(pnl.find(kArb)->total.fees_other_assets, (AssetAmounts{{"BNB", dec("0.01")}}));

  // The same events all fell today: today's figures equal the totals.
  EXPECT_EQ(pnl.find(kArb)->today, pnl.find(kArb)->total);

  // The JSON view prints the same numbers.
  const nlohmann::json view = pnl.to_json();
  EXPECT_EQ(view["realized_total_usdt"], 141.1);
  EXPECT_EQ(view["realized_today_usdt"], 141.1);
  EXPECT_EQ(view["total_pnl_usdt"], 141.1);
  EXPECT_EQ(view["fees_paid_usdt"], 24);
  EXPECT_EQ(view["attribution"]["pnl_from_spread"], 178);
  EXPECT_EQ(view["attribution"]["pnl_from_funding"], 1.5);
  EXPECT_EQ(view["attribution"]["pnl_from_basis"], 0);
  EXPECT_EQ(view["attribution"]["pnl_from_rebate"], 3.6);
  EXPECT_EQ(view["attribution"]["fees_paid"], 24);
  EXPECT_EQ(view["attribution"]["slippage_cost"], 18);
  EXPECT_EQ(view["fees_other_assets"]["BNB"], 0.01);
  EXPECT_EQ(view["by_strategy"][std::string(kArb)]["attribution"], view["attribution"]);
  EXPECT_EQ(view["tca"]["samples"]["fills"], 6);
  EXPECT_EQ(view["tca"]["samples"]["fills_with_reference"], 6);
  EXPECT_EQ(view["tca"]["samples"]["taker_fills_with_reference"], 4);
}

TEST_F(PnlAttributionTest, TheDeskIsTheExactSumOfItsStrategies) {
  AttributedFill a = attributed("alpha", Side::buy, "0.3", "60000.5", "60000", "0.72");
  a.realized_price_pnl = dec("12.345");
  AttributedFill b = attributed("beta", Side::sell, "1.5", "3000.25", "3000.30", "-0.15", true);
  b.realized_price_pnl = dec("-4.2");
  AttributedFill foreign = attributed("", Side::sell, "0.01", "59990", std::nullopt, "0.06");
  foreign.realized_price_pnl = dec("0.5");
  EXPECT_DONE(pnl.on_fill(a));
  EXPECT_DONE(pnl.on_fill(b));
  EXPECT_DONE(pnl.on_fill(foreign));
  EXPECT_DONE(pnl.on_funding({"beta", "OKX", "ETH-USDT", "USDT", dec("0.33"), kDayStart + kHour}));
  EXPECT_DONE(pnl.set_unrealized("alpha", dec("-1.25")));
  EXPECT_DONE(pnl.set_unrealized("beta", dec("2.5")));

  ASSERT_NE(pnl.find(""), nullptr) << "a fill without a strategy is booked as unattributed";
  EXPECT_EQ(pnl.find(kUnattributed)->total.buckets.realized_price_pnl, dec("0.5"));

  const auto desk = pnl.desk_total();
  ASSERT_TRUE(desk.ok());
  // alpha: slippage 0.5 × 0.3 = 0.15; beta: (3000.30 − 3000.25) × 1.5 = 0.075.
  EXPECT_EQ(desk->buckets.slippage_cost, dec("0.225"));
  EXPECT_EQ(desk->buckets.realized_price_pnl, dec("8.645"));  // 12.345 − 4.2 + 0.5
  EXPECT_EQ(desk->buckets.fees_paid, dec("0.78"));            // 0.72 + 0.06
  EXPECT_EQ(desk->buckets.rebates, dec("0.15"));
  EXPECT_EQ(desk->buckets.funding, dec("0.33"));
  EXPECT_EQ(desk->buckets.unrealized_price_pnl, dec("1.25"));
  // total = 8.645 + 1.25 + 0.33 + 0.15 − 0.78 = 9.595
  EXPECT_EQ(*desk->buckets.total_pnl(), dec("9.595"));
  EXPECT_EQ(*desk->buckets.check_identity(), dec("0"));

  PnlBuckets sum;
  for (const auto& [name, account] : pnl.strategies()) EXPECT_DONE(sum.add(account.total.buckets));
  EXPECT_EQ(sum, desk->buckets);
  EXPECT_EQ(desk->tca.fills, 3);
}

TEST_F(PnlAttributionTest, AFlattensFillSharedOutAmongStrategiesRealisesForEach) {
  // Two strategies long BTC on BINANCE; one flatten sell closes both (RealizedProbe
  // names both positions). The fill goes under the flatten with its fee and slippage,
  // each share of realised PnL to the strategy whose position it closed.
  EXPECT_DONE(book.open_position(testing::single_opening(1, Side::buy, "0.5", "alpha")));
  EXPECT_DONE(book.on_fill(testing::fill(1, "BINANCE", Leg::single, Side::buy, "0.5", "65000")));
  EXPECT_DONE(book.open_position(testing::single_opening(2, Side::buy, "0.1", "beta")));
  EXPECT_DONE(book.on_fill(testing::fill(2, "BINANCE", Leg::single, Side::buy, "0.1", "65010")));
  exec::FillEntry flatten = testing::fill(0, "BINANCE", Leg::single, Side::sell, "0.6", "65200");
  flatten.strategy = std::string(exec::kFlattenStrategy);
  const RealizedProbe probe(book, flatten);
  EXPECT_DONE(book.on_fill(flatten));

  EXPECT_DONE(pnl.on_fill(attributed(flatten.strategy, Side::sell, "0.6", "65200", "65205", "3.9")));
  for (const auto& [position, share] : probe.deltas(book)) {
    EXPECT_DONE(pnl.on_realized(book.at(position).strategy(), share, clock_ms));
  }
  EXPECT_EQ(pnl.find("alpha")->total.buckets.realized_price_pnl, dec("100"));  // 0.5 × (65200 − 65000)
  EXPECT_EQ(pnl.find("beta")->total.buckets.realized_price_pnl, dec("19"));    // 0.1 × (65200 − 65010)
  const PnlBuckets& flattener = pnl.find(exec::kFlattenStrategy)->total.buckets;
  EXPECT_EQ(flattener.fees_paid, dec("3.9"));
  EXPECT_EQ(flattener.slippage_cost, dec("3"));  // (65205 − 65200) × 0.6
  // Desk: 119 + 3 = 122 from spread; total 119 − 3.9 = 115.1.
  EXPECT_EQ(*pnl.desk_total()->buckets.pnl_from_spread(), dec("122"));
  EXPECT_EQ(*pnl.desk_total()->buckets.total_pnl(), dec("115.1"));
  EXPECT_EQ(*pnl.check_identity(), dec("0"));
}

TEST_F(PnlAttributionTest, SimulatedFillsAreCountedApartAndNeverInPnl) {
  AttributedFill dry = attributed(std::string(kArb), Side::buy, "1", "60010", "60000", "5");
  dry.realized_price_pnl = dec("100");
  dry.simulated = true;
  EXPECT_DONE(pnl.on_fill(dry));
  EXPECT_DONE(pnl.on_fill(dry));
  EXPECT_EQ(pnl.simulated_fills_ignored(), 2);
  EXPECT_EQ(pnl.find(kArb), nullptr);
  EXPECT_EQ(pnl.desk_total()->buckets, PnlBuckets{});
  EXPECT_EQ(pnl.to_json()["simulated_fills_ignored"], 2);
  EXPECT_EQ(pnl.to_json()["realized_total_usdt"], 0);
}

TEST_F(PnlAttributionTest, FeesAndFundingInAnotherAssetAreKeptApartFromTheUsdtBuckets) {
  AttributedFill bnb = attributed(std::string(kArb), Side::buy, "1", "60000", std::nullopt, "0.002");
  bnb.fee_asset = "BNB";
  AttributedFill rebate_in_bnb = bnb;
  rebate_in_bnb.fee = dec("-0.0005");
  AttributedFill zero_fee_any_asset = bnb;
  zero_fee_any_asset.fee = dec("0");
  EXPECT_DONE(pnl.on_fill(bnb));
  EXPECT_DONE(pnl.on_fill(rebate_in_bnb));
  EXPECT_DONE(pnl.on_fill(zero_fee_any_asset));
  EXPECT_DONE(pnl.on_funding({std::string(kArb), "OKX", "BTC-USD", "BTC", dec("0.0001"), kDayStart + kHour}));

  const PnlSpan& span = pnl.find(kArb)->total;
  EXPECT_EQ(span.buckets.fees_paid, dec("0"));
  EXPECT_EQ(span.buckets.rebates, dec("0"));
  EXPECT_EQ(span.buckets.funding, dec("0"));
  EXPECT_EQ(span.fees_other_assets, (AssetAmounts{{"BNB", dec("0.0015")}}));
  EXPECT_EQ(span.funding_other_assets, (AssetAmounts{{"BTC", dec("0.0001")}}));
  // Commission counts only the fills whose fee is in USDT (or zero): one, fee 0.
  EXPECT_EQ(span.tca.fee_notional, dec("60000"));
  const nlohmann::json view = pnl.to_json();
  EXPECT_EQ(view["fees_other_assets"]["BNB"], 0.0015);
  EXPECT_EQ(view["funding_other_assets"]["BTC"], 0.0001);
  EXPECT_EQ(view["fees_paid_usdt"], 0);
}

TEST_F(PnlAttributionTest, TheJsonViewHasTheContractsFieldNames) {
  EXPECT_DONE(pnl.on_fill(attributed("alpha", Side::buy, "1", "100", "100", "0.1")));
  const nlohmann::json view = pnl.to_json();
  for (const char* key : {"realized_today_usdt", "realized_total_usdt", "unrealized_usdt", "fees_paid_usdt",
                          "total_pnl_usdt", "max_day_drawdown_bps", "attribution", "by_strategy", "tca",
                          "fees_other_assets", "simulated_fills_ignored"}) {
    EXPECT_TRUE(view.contains(key)) << key;
  }
  for (const char* key : {"pnl_from_spread", "pnl_from_funding", "pnl_from_basis", "pnl_from_rebate", "fees_paid",
                          "slippage_cost"}) {
    EXPECT_TRUE(view["attribution"].contains(key)) << key;
  }
  for (const char* key : {"taker_impact_bps", "maker_fill_rate", "avg_slippage_bps", "reject_rate",
                          "cancel_fail_rate", "commission_bps", "samples"}) {
    EXPECT_TRUE(view["tca"].contains(key)) << key;
  }
  const nlohmann::json& alpha = view["by_strategy"]["alpha"];
  for (const char* key : {"realized_today_usdt", "realized_total_usdt", "unrealized_usdt", "fees_paid_usdt",
                          "total_pnl_usdt", "max_day_drawdown_bps", "attribution", "tca"}) {
    EXPECT_TRUE(alpha.contains(key)) << key;
  }
  EXPECT_EQ(alpha["fees_paid_usdt"], 0.1);
  EXPECT_EQ(view["day"], "2024-10-04");
}

TEST_F(PnlAttributionTest, StrategiesPastTheBoundAreBookedAsUnattributed) {
  PnlAttributionOptions options = pnl_options();
  options.max_strategies = 2;
  PnlAttribution bounded(options, kDayStart);
  EXPECT_DONE(bounded.on_fill(attributed("s1", Side::buy, "1", "100", std::nullopt)));
  EXPECT_DONE(bounded.on_fill(attributed("", Side::buy, "1", "100", std::nullopt)));
  EXPECT_DONE(bounded.on_fill(attributed("s2", Side::buy, "1", "100", std::nullopt)));
  AttributedFill third = attributed("s3", Side::buy, "1", "100", std::nullopt, "1");
  EXPECT_DONE(bounded.on_fill(third));
  EXPECT_EQ(bounded.find("s3"), nullptr);
  EXPECT_EQ(bounded.strategies().size(), 3u) << "s1, s2 and unattributed";
  EXPECT_EQ(bounded.find(kUnattributed)->total.buckets.fees_paid, dec("1"));
  EXPECT_EQ(bounded.strategies_folded(), 1);
  const Status refused = bounded.set_unrealized("s3", dec("5"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::out_of_range);
  EXPECT_DONE(bounded.set_unrealized("s1", dec("5")));
}

TEST_F(PnlAttributionTest, ABadFillOrAnOverflowChangesNothing) {
  EXPECT_DONE(pnl.on_fill(attributed(std::string(kArb), Side::buy, "1", "100", "99", "0.5")));
  const StrategyPnl before = *pnl.find(kArb);

  const Status zero_qty = pnl.on_fill(attributed(std::string(kArb), Side::buy, "0", "100", "99"));
  ASSERT_FALSE(zero_qty.ok());
  EXPECT_EQ(zero_qty.error().code, Errc::invalid_argument);
  const Status bad_reference = pnl.on_fill(attributed(std::string(kArb), Side::buy, "1", "100", "0"));
  ASSERT_FALSE(bad_reference.ok());
  EXPECT_EQ(bad_reference.error().code, Errc::invalid_argument);

  AttributedFill huge = attributed(std::string(kArb), Side::buy, "1", "100", std::nullopt);
  huge.realized_price_pnl = Decimal::from_mantissa(9'000'000'000'000'000'000, 0);
  EXPECT_DONE(pnl.on_fill(huge));
  const StrategyPnl after_huge = *pnl.find(kArb);
  const Status overflow = pnl.on_fill(huge);
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.error().code, Errc::overflow);
  EXPECT_EQ(pnl.find(kArb)->total, after_huge.total);
  EXPECT_EQ(pnl.find(kArb)->today, after_huge.today);
  EXPECT_EQ(before.total.tca.fills + 1, after_huge.total.tca.fills);
}

}  // namespace
}  // namespace propbot::ledger
