// GET /api/ui/positions as the API prints it: one golden document covering an open
// pair with marks, a simulated position, a closed one, a partial pair with an unfilled
// leg and a foreign fill; numbers, nulls, id as a string, opened_at in ISO-8601 UTC.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "core/ledger/position_book.hpp"
#include "ledger_test_support.hpp"

namespace propbot::ledger {
namespace {

using exec::Leg;
using testing::dec;
using testing::fill;
using testing::pair_opening;
using testing::single_opening;

TEST(PositionsJsonTest, AnEmptyBookPrintsTwoEmptyLists) {
  EXPECT_EQ(PositionBook().positions_json().dump(), R"({"exposure":[],"positions":[]})");
}

TEST(PositionsJsonTest, TheDocumentMatchesTheGolden) {
  PositionBook book(PositionBookOptions{.max_closed_positions = 1000, .default_lot = dec("0.001"), .lots = {}});

  PositionOpening hedged = pair_opening(7, "0.5");
  hedged.opened_at_ms = 1'795'000'000'123;
  EXPECT_DONE(book.open_position(hedged));
  EXPECT_DONE(book.on_fill(fill(7, "BINANCE", Leg::a, Side::buy, "0.5", "65000")));
  EXPECT_DONE(book.on_fill(fill(7, "OKX", Leg::b, Side::sell, "0.5", "65100")));

  PositionOpening dry_run = single_opening(8, Side::buy, "0.2");
  dry_run.simulated = true;
  EXPECT_DONE(book.open_position(dry_run));
  auto simulated_fill = fill(8, "BINANCE", Leg::single, Side::buy, "0.2", "64000");
  simulated_fill.simulated = true;
  EXPECT_DONE(book.on_fill(simulated_fill));

  EXPECT_DONE(book.open_position(single_opening(9, Side::buy, "0.1")));
  EXPECT_DONE(book.on_fill(fill(9, "BINANCE", Leg::single, Side::buy, "0.1", "65000")));
  EXPECT_DONE(book.on_fill(fill(9, "BINANCE", Leg::single, Side::sell, "0.1", "65100")));

  EXPECT_DONE(book.open_position(pair_opening(10, "0.3")));
  EXPECT_DONE(book.on_fill(fill(10, "BINANCE", Leg::a, Side::buy, "0.3", "65000")));

  EXPECT_DONE(book.on_fill(fill(0, "OKX", Leg::single, Side::sell, "2", "3000.5", "ETH-USDT")));

  book.on_mark("BINANCE", "BTC-USDT", dec("65050"));
  book.on_mark("OKX", "BTC-USDT", dec("65060.0"));

  const auto expected = nlohmann::json::parse(R"({
    "positions": [
      {"id": "7", "strategy": "cross_exchange_arb", "symbol": "BTC-USDT", "status": "open",
       "opened_at": "2026-11-18T11:06:40.123Z",
       "legs": [{"venue": "BINANCE", "side": "long", "qty": 0.5, "entry_price": 65000.0,
                 "mark_price": 65050.0, "unrealized_pnl_usdt": 25.0},
                {"venue": "OKX", "side": "short", "qty": 0.5, "entry_price": 65100.0,
                 "mark_price": 65060.0, "unrealized_pnl_usdt": 20.0}]},
      {"id": "8", "strategy": "momentum", "symbol": "BTC-USDT", "status": "simulated",
       "opened_at": "2026-11-18T11:06:40.000Z",
       "legs": [{"venue": "BINANCE", "side": "long", "qty": 0.2, "entry_price": 64000.0,
                 "mark_price": 65050.0, "unrealized_pnl_usdt": 210.0}]},
      {"id": "9", "strategy": "momentum", "symbol": "BTC-USDT", "status": "closed",
       "opened_at": "2026-11-18T11:06:40.000Z",
       "legs": [{"venue": "BINANCE", "side": "long", "qty": 0.0, "entry_price": null,
                 "mark_price": 65050.0, "unrealized_pnl_usdt": 0.0}]},
      {"id": "10", "strategy": "cross_exchange_arb", "symbol": "BTC-USDT", "status": "partial",
       "opened_at": "2026-11-18T11:06:40.000Z",
       "legs": [{"venue": "BINANCE", "side": "long", "qty": 0.3, "entry_price": 65000.0,
                 "mark_price": 65050.0, "unrealized_pnl_usdt": 15.0},
                {"venue": "OKX", "side": "short", "qty": 0.0, "entry_price": null,
                 "mark_price": 65060.0, "unrealized_pnl_usdt": 0.0}]}
    ],
    "exposure": [
      {"venue": "BINANCE", "symbol": "BTC-USDT", "net_qty": 0.8, "notional_usdt": 52040.0},
      {"venue": "OKX", "symbol": "BTC-USDT", "net_qty": -0.5, "notional_usdt": 32530.0},
      {"venue": "OKX", "symbol": "ETH-USDT", "net_qty": -2.0, "notional_usdt": null}
    ]})");
  const nlohmann::json actual = book.positions_json();
  EXPECT_EQ(actual, expected) << actual.dump(2);
  // The exact bytes the route sends: keys sorted, numbers at their shortest form.
  EXPECT_EQ(actual["exposure"][0].dump(),
            R"({"net_qty":0.8,"notional_usdt":52040.0,"symbol":"BTC-USDT","venue":"BINANCE"})");
  EXPECT_EQ(actual["positions"][2]["legs"][0].dump(),
            R"({"entry_price":null,"mark_price":65050.0,"qty":0.0,"side":"long","unrealized_pnl_usdt":0.0,"venue":"BINANCE"})");
}

TEST(PositionsJsonTest, AFlippedLegPrintsItsCurrentSideAndAFlatExposureRowIsOmitted) {
  PositionBook book;
  EXPECT_DONE(book.open_position(single_opening(1, Side::buy, "1")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::single, Side::buy, "1", "100")));
  EXPECT_DONE(book.on_fill(fill(1, "BINANCE", Leg::single, Side::sell, "1.25", "120")));
  EXPECT_DONE(book.on_fill(fill(0, "OKX", Leg::single, Side::buy, "1", "100")));
  EXPECT_DONE(book.on_fill(fill(0, "OKX", Leg::single, Side::sell, "1", "100")));
  const auto doc = book.positions_json();
  const auto& leg = doc["positions"][0]["legs"][0];
  EXPECT_EQ(leg["side"], "short");
  EXPECT_EQ(leg["qty"], 0.25);
  EXPECT_EQ(leg["entry_price"], 120.0);
  EXPECT_TRUE(leg["mark_price"].is_null());
  EXPECT_TRUE(leg["unrealized_pnl_usdt"].is_null()) << "no mark, no unrealised PnL";
  ASSERT_EQ(doc["exposure"].size(), 1u);
  EXPECT_EQ(doc["exposure"][0]["venue"], "BINANCE");
  EXPECT_EQ(doc["exposure"][0]["net_qty"], -0.25);
}

}  // namespace
}  // namespace propbot::ledger
