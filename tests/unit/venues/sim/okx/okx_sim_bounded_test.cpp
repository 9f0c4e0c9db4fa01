// Bounded memory (issue 11): the OKX simulator keeps what it adds per order (fee, pnl,
// cancelSource, cTime) and its post-only cancels for no more orders than the engine's
// closed-order store — here 8 per book — however many orders a client sends. An order
// pushed out answers every query exactly as one that never existed; a recent one still
// answers with its fee and cancelSource. Counts from describe()["retained_order_records"].
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/venues/sim/okx/okx_sim_fixture.hpp"

namespace propbot::venues::sim::okx_test {
namespace {

constexpr std::size_t kBound = 8;
constexpr const char* kNeverPlaced = "8999999999999";  // below the post-only id range, above any engine id

class OkxSimBoundedTest : public OkxSimTest {
 protected:
  OkxSimBoundedTest() { max_closed_orders = kBound; }

  json retained() {
    json records = venue->describe()["retained_order_records"];
    return records.is_object() ? records : json::object();
  }
  // A missing figure reads as a huge count.
  std::size_t retained(const char* field) { return retained().value(field, std::size_t{999'999}); }

  std::string placed(const json& order) {
    json reply = place(order);
    EXPECT_EQ(reply["code"], "0") << reply.dump();
    return reply["data"][0].value("ordId", "");
  }
  // Rests far below the market.
  std::string resting_buy(const std::string& client_id) {
    return placed({{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"}, {"ordType", "limit"},
                   {"sz", "1"}, {"px", "50000"}, {"clOrdId", client_id}});
  }
  // Fills at once against the market model's best ask, paying the taker fee.
  std::string market_buy(const std::string& client_id) {
    return placed({{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"}, {"ordType", "market"},
                   {"sz", "1"}, {"clOrdId", client_id}});
  }
  // Would take (the ask is ~60003): accepted, then canceled with cancelSource 31.
  std::string post_only_that_would_take(const std::string& client_id) {
    return placed({{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"}, {"ordType", "post_only"},
                   {"sz", "1"}, {"px", "61000"}, {"clOrdId", client_id}});
  }
  json cancel(const std::string& ord_id) {
    json reply = body_of(
        call("POST", "/api/v5/trade/cancel-order", json{{"instId", "BTC-USDT-SWAP"}, {"ordId", ord_id}}.dump()));
    return reply["data"][0];
  }
  // The whole answer of GET trade/order for `selector` ("ordId=…" or "clOrdId=…").
  json query(const std::string& selector) {
    return body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&" + selector));
  }
  void place_and_cancel(std::size_t count, const std::string& prefix) {
    for (std::size_t i = 0; i < count; ++i) {
      ASSERT_EQ(cancel(resting_buy(prefix + std::to_string(i)))["sCode"], "0");
    }
  }
};

TEST_F(OkxSimBoundedTest, ManyPlacedAndCanceledOrdersLeaveNoMoreRecordsThanTheBound) {
  place_and_cancel(12 * kBound, "loop");

  EXPECT_EQ(retained("max_closed_orders"), kBound) << retained().dump();
  EXPECT_EQ(retained("closed_orders"), kBound);
  EXPECT_LE(retained("order_extras"), kBound);
  EXPECT_EQ(retained("post_only_cancels"), 0u);
}

TEST_F(OkxSimBoundedTest, AForgottenOrderAnswersLikeAnUnknownOneAndARecentOneKeepsItsFeeAndCancelSource) {
  const std::string old_fill = market_buy("oldfill");
  const std::string old_cancel = resting_buy("oldcxl");
  ASSERT_EQ(cancel(old_cancel)["sCode"], "0");
  place_and_cancel(2 * kBound, "push");
  const std::string new_fill = market_buy("newfill");
  const std::string new_cancel = resting_buy("newcxl");
  ASSERT_EQ(cancel(new_cancel)["sCode"], "0");

  const json unknown_by_id = query(std::string("ordId=") + kNeverPlaced);
  const json unknown_by_client = query("clOrdId=neverplaced");
  ASSERT_EQ(unknown_by_id["code"], "51603") << unknown_by_id.dump();
  EXPECT_EQ(query("ordId=" + old_fill), unknown_by_id);
  EXPECT_EQ(query("ordId=" + old_cancel), unknown_by_id);
  EXPECT_EQ(query("clOrdId=oldfill"), unknown_by_client);
  EXPECT_EQ(query("clOrdId=oldcxl"), unknown_by_client);
  const json unknown_cancel = cancel(kNeverPlaced);
  const json forgotten_cancel = cancel(old_cancel);
  EXPECT_EQ(forgotten_cancel["sCode"], unknown_cancel["sCode"]) << forgotten_cancel.dump();
  EXPECT_EQ(forgotten_cancel["sMsg"], unknown_cancel["sMsg"]);

  const json filled = query("ordId=" + new_fill)["data"][0];
  EXPECT_EQ(filled["state"], "filled") << filled.dump();
  const std::string fee = filled.value("fee", "");
  EXPECT_TRUE(fee.size() > 1 && fee[0] == '-') << "a taker fill pays a fee, shown negative: " << filled.dump();
  EXPECT_EQ(filled["clOrdId"], "newfill");
  const json canceled = query("clOrdId=newcxl")["data"][0];
  EXPECT_EQ(canceled["ordId"], new_cancel) << canceled.dump();
  EXPECT_EQ(canceled["state"], "canceled");
  EXPECT_EQ(canceled["cancelSource"], "1");
  EXPECT_LE(retained("order_extras"), kBound);
}

// Each book numbers its orders from 1: the ETH book forgetting the market model's
// replaced quotes must leave a BTC order with the same ordId its fields.
TEST_F(OkxSimBoundedTest, ABookForgettingAnOrderLeavesTheSameOrdIdOnAnotherBookAlone) {
  const std::string canceled = resting_buy("btc1");
  ASSERT_EQ(cancel(canceled)["sCode"], "0");
  for (int i = 0; i < 3; ++i) tick(60000.0);
  const json order = query("ordId=" + canceled)["data"][0];
  EXPECT_EQ(order["clOrdId"], "btc1") << order.dump();
  EXPECT_EQ(order["cancelSource"], "1");
}

TEST_F(OkxSimBoundedTest, AFillOutlivingItsForgottenOrderKeepsItsShape) {
  // 0.1 contract each: one fill against the best ask.
  const std::string auto_id = placed({{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"},
                                      {"ordType", "market"}, {"sz", "0.1"}});
  const std::string own_id = placed({{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"},
                                     {"ordType", "market"}, {"sz", "0.1"}, {"clOrdId", "ownid"}});
  const json before = body_of(call("GET", "/api/v5/trade/fills?instType=SWAP"))["data"];
  place_and_cancel(2 * kBound, "push");
  ASSERT_EQ(query("ordId=" + auto_id)["code"], "51603");

  const json after = body_of(call("GET", "/api/v5/trade/fills?instType=SWAP"))["data"];
  EXPECT_EQ(after, before);
  ASSERT_EQ(after.size(), 2u) << after.dump();
  EXPECT_EQ(after[0]["ordId"], own_id);
  EXPECT_EQ(after[0]["clOrdId"], "ownid");
  EXPECT_EQ(after[1]["ordId"], auto_id);
  EXPECT_EQ(after[1]["clOrdId"], "");
}

TEST_F(OkxSimBoundedTest, PostOnlyCancelsAreKeptForTheNewestOrdersOnly) {
  const json unknown_by_id = query(std::string("ordId=") + kNeverPlaced);
  const json unknown_by_client = query("clOrdId=neverplaced");
  // A client id is free again once its order is canceled: the query by client id
  // answers the newest order that carried it.
  const std::string first = post_only_that_would_take("same1");
  const std::string second = post_only_that_would_take("same1");
  ASSERT_NE(first, second);
  EXPECT_EQ(query("clOrdId=same1")["data"][0]["ordId"], second);
  for (std::size_t i = 0; i + 1 < kBound; ++i) post_only_that_would_take("po" + std::to_string(i));

  // kBound + 1 cancels: the first is pushed out, the second is not.
  EXPECT_EQ(retained("post_only_cancels"), kBound);
  EXPECT_EQ(query("ordId=" + first), unknown_by_id);
  const json kept = query("clOrdId=same1")["data"][0];
  EXPECT_EQ(kept["ordId"], second) << kept.dump();
  EXPECT_EQ(kept["state"], "canceled");
  EXPECT_EQ(kept["cancelSource"], "31");
  EXPECT_EQ(cancel(second)["sCode"], "51400");

  post_only_that_would_take("last");
  EXPECT_EQ(query("clOrdId=same1"), unknown_by_client);
  EXPECT_EQ(query("ordId=" + second), unknown_by_id);
  EXPECT_EQ(cancel(second)["sCode"], cancel(kNeverPlaced)["sCode"]);
  EXPECT_EQ(query("clOrdId=last")["data"][0]["cancelSource"], "31");

  for (std::size_t i = 0; i < 12 * kBound; ++i) post_only_that_would_take("many" + std::to_string(i));
  EXPECT_EQ(retained("post_only_cancels"), kBound);
  EXPECT_LE(retained("order_extras"), kBound);
}

}  // namespace
}  // namespace propbot::venues::sim::okx_test
