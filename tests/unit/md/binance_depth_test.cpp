#include "core/md/binance_depth.hpp"

#include <gtest/gtest.h>

#include "tests/unit/md/md_test_support.hpp"

namespace propbot::md {
namespace {

class BinanceDepthTest : public ::testing::Test {
 protected:
  LevelGrid grid_ = testing::binance_grid();
  BinanceDepthUpdate update_;
  BinanceDepthSnapshot snapshot_;

  std::string parse_error(const std::string& text) {
    const Status status = parse_binance_depth_update(text, grid_, update_);
    if (status.ok()) return "ok";
    EXPECT_EQ(status.error().code, Errc::parse_error);
    return status.error().message;
  }
};

TEST_F(BinanceDepthTest, ParsesTheCanonicalDepthUpdate) {
  const std::string text = testing::read_fixture("binance/depth_update.json");
  ASSERT_FALSE(text.empty());
  const Status status = parse_binance_depth_update(text, grid_, update_);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(update_.stream, "");
  EXPECT_EQ(update_.symbol, "BTCUSDT");
  EXPECT_EQ(update_.event_time_ms, 1732000000123);
  EXPECT_EQ(update_.transaction_time_ms, 1732000000120);
  EXPECT_EQ(update_.first_id, 5801234561);
  EXPECT_EQ(update_.final_id, 5801234600);
  EXPECT_EQ(update_.prev_final_id, 5801234550);
  ASSERT_EQ(update_.bids.size(), 5u);
  EXPECT_EQ(update_.bids[0].price_ticks, 970'001);
  EXPECT_EQ(update_.bids[0].qty_lots, 1'234);
  EXPECT_EQ(update_.bids[1].qty_lots, 0);  // "0" removes the level
  ASSERT_EQ(update_.asks.size(), 5u);
  EXPECT_EQ(update_.asks[4].price_ticks, 970'100);
  EXPECT_EQ(update_.asks[4].qty_lots, 25'000);
}

TEST_F(BinanceDepthTest, ParsesTheCombinedStreamWrapper) {
  const std::string text = testing::read_fixture("binance/depth_update_combined.json");
  const Status status = parse_binance_depth_update(text, grid_, update_);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(update_.stream, "btcusdt@depth@100ms");
  EXPECT_EQ(update_.final_id, 5801234600);
  EXPECT_EQ(update_.asks.size(), 5u);
  // The wrapper's keys in the other order parse the same.
  const std::string bare = testing::read_fixture("binance/depth_update.json");
  const std::string reordered = "{\"data\":" + bare.substr(0, bare.find_last_of('}') + 1) +
                                ",\"stream\":\"btcusdt@depth\"}";
  ASSERT_TRUE(parse_binance_depth_update(reordered, grid_, update_).ok());
  EXPECT_EQ(update_.stream, "btcusdt@depth");
}

TEST_F(BinanceDepthTest, ParsesTheRestSnapshot) {
  const std::string text = testing::read_fixture("binance/depth_snapshot.json");
  const Status status = parse_binance_depth_snapshot(text, grid_, snapshot_);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(snapshot_.last_update_id, 5801234580);
  EXPECT_EQ(snapshot_.event_time_ms, 1732000000050);
  EXPECT_EQ(snapshot_.transaction_time_ms, 1732000000045);
  ASSERT_EQ(snapshot_.bids.size(), 4u);
  EXPECT_EQ(snapshot_.bids[0].price_ticks, 970'000);
  EXPECT_EQ(snapshot_.bids[0].qty_lots, 3'100);
  ASSERT_EQ(snapshot_.asks.size(), 4u);
  // The protocols.md A2 example, on a grid that fits it.
  const LevelGrid fine = LevelGrid::create(testing::dec("0.000001"), testing::dec("1")).value();
  ASSERT_TRUE(parse_binance_depth_snapshot(
                  R"({"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,)"
                  R"("bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]})",
                  fine, snapshot_)
                  .ok());
  EXPECT_EQ(snapshot_.asks[0].price_ticks, 4'000'002);
  EXPECT_EQ(snapshot_.bids[0].qty_lots, 431);
}

TEST_F(BinanceDepthTest, NamesTheMissingField) {
  const std::string full = testing::binance_update_json(1, 2, 0, {{"1.0", "1"}}, {});
  EXPECT_EQ(parse_error(full), "ok");
  std::string without_pu = full;
  without_pu.erase(without_pu.find(",\"pu\":0"), 7);
  EXPECT_EQ(parse_error(without_pu), "depthUpdate: field 'pu' missing");
  EXPECT_EQ(parse_error(R"({"stream":"btcusdt@depth"})"), "depthUpdate: field 'data' missing");
  EXPECT_EQ(parse_binance_depth_snapshot(R"({"lastUpdateId":1,"bids":[]})", grid_, snapshot_).error().message,
            "depth snapshot: field 'asks' missing");
}

TEST_F(BinanceDepthTest, RefusesOffGridPricesWrongTypesAndBrokenJson) {
  EXPECT_NE(parse_error(testing::binance_update_json(1, 2, 0, {{"97000.15", "1"}}, {})).find("field 'b' level 0 price "
                                                                                              "'97000.15' is off_grid"),
            std::string::npos);
  EXPECT_NE(parse_error(testing::binance_update_json(1, 2, 0, {}, {{"97000.1", "0.0001"}})).find("field 'a' level 0 size"),
            std::string::npos);
  std::string wrong_type = testing::binance_update_json(1, 2, 0, {}, {});
  wrong_type.replace(wrong_type.find("\"U\":1"), 5, "\"U\":\"1\"");
  EXPECT_EQ(parse_error(wrong_type), "depthUpdate: field 'U' is not an integer");
  EXPECT_NE(parse_error(testing::binance_update_json(5, 2, 0, {}, {})).find("'U' (5) is greater than 'u' (2)"),
            std::string::npos);
  std::string other_event = testing::binance_update_json(1, 2, 0, {}, {});
  other_event.replace(other_event.find("depthUpdate"), 11, "bookTicker");
  EXPECT_EQ(parse_error(other_event), "depthUpdate: field 'e' is 'bookTicker', expected 'depthUpdate'");
  EXPECT_NE(parse_error("{\"e\":\"depthUpdate\",").find("malformed JSON at byte"), std::string::npos);
  EXPECT_NE(parse_error(testing::binance_update_json(1, 2, 0, {}, {}) + "x").find("trailing"), std::string::npos);
  const std::string twice = "{\"u\":1," + testing::binance_update_json(1, 2, 0, {}, {}).substr(1);
  EXPECT_EQ(parse_error(twice), "depthUpdate: field 'u' appears twice");
  EXPECT_NE(parse_error(R"({"e":"depthUpdate","b":[["1.0"]]})").find("field 'b' level 0 is not"), std::string::npos);
}

TEST_F(BinanceDepthTest, ReusesItsBuffersWithoutGrowingThemAgain) {
  const std::string text = testing::read_fixture("binance/depth_update.json");
  ASSERT_TRUE(parse_binance_depth_update(text, grid_, update_).ok());
  const BookLevel* bids = update_.bids.data();
  const std::size_t capacity = update_.bids.capacity();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(parse_binance_depth_update(text, grid_, update_).ok());
  EXPECT_EQ(update_.bids.data(), bids);
  EXPECT_EQ(update_.bids.capacity(), capacity);
}

}  // namespace
}  // namespace propbot::md
