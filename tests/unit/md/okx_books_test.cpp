#include "core/md/okx_books.hpp"

#include <gtest/gtest.h>

#include "tests/unit/md/md_test_support.hpp"

namespace propbot::md {
namespace {

class OkxBooksTest : public ::testing::Test {
 protected:
  LevelGrid grid_ = testing::okx_grid();
  OkxBooksMessage message_;

  std::string parse_error(const std::string& text) {
    const Status status = parse_okx_books(text, grid_, message_);
    if (status.ok()) return "ok";
    EXPECT_EQ(status.error().code, Errc::parse_error);
    return status.error().message;
  }
};

TEST_F(OkxBooksTest, ParsesTheCanonicalSnapshotKeepingTheTextAsReceived) {
  const std::string text = testing::read_fixture("okx/books_snapshot.json");
  ASSERT_FALSE(text.empty());
  const Status status = parse_okx_books(text, grid_, message_);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(message_.channel, "books");
  EXPECT_EQ(message_.inst_id, "BTC-USDT-SWAP");
  EXPECT_EQ(message_.action, OkxBookAction::snapshot);
  EXPECT_EQ(message_.ts_ms, 1732000000100);
  EXPECT_EQ(message_.prev_seq_id, -1);
  EXPECT_EQ(message_.seq_id, 1200001);
  EXPECT_EQ(message_.checksum, 185585025);
  ASSERT_EQ(message_.bids.size(), 30u);
  ASSERT_EQ(message_.asks.size(), 30u);
  EXPECT_EQ(message_.bids[0].price_ticks, 970'001);
  EXPECT_EQ(message_.bids[0].size_lots, 41'500);  // 415 contracts at lotSz 0.01
  EXPECT_EQ(message_.bids[0].price_text.view(), "97000.1");
  EXPECT_EQ(message_.bids[0].size_text.view(), "415");
  EXPECT_EQ(message_.bids[4].price_text.view(), "96998.90");  // trailing zero kept
  EXPECT_EQ(message_.bids[4].price_ticks, 969'989);
  EXPECT_EQ(message_.asks[1].size_text.view(), "1.25");
  EXPECT_EQ(message_.asks[1].size_lots, 125);
}

TEST_F(OkxBooksTest, ParsesAnUpdateAndAHeartbeat) {
  ASSERT_TRUE(parse_okx_books(testing::read_fixture("okx/books_update.json"), grid_, message_).ok());
  EXPECT_EQ(message_.action, OkxBookAction::update);
  EXPECT_EQ(message_.prev_seq_id, 1200001);
  EXPECT_EQ(message_.seq_id, 1200007);
  EXPECT_EQ(message_.checksum, 32645696);
  ASSERT_EQ(message_.asks.size(), 3u);
  EXPECT_EQ(message_.asks[0].size_lots, 0);
  ASSERT_TRUE(parse_okx_books(testing::read_fixture("okx/books_heartbeat.json"), grid_, message_).ok());
  EXPECT_TRUE(message_.bids.empty());
  EXPECT_TRUE(message_.asks.empty());
  EXPECT_EQ(message_.prev_seq_id, message_.seq_id);
}

TEST_F(OkxBooksTest, NamesTheMissingOrBrokenField) {
  const std::string good = testing::okx_books_json(false, 1, 2, -5, {{"1.0", "1"}}, {});
  EXPECT_EQ(parse_error(good), "ok");
  std::string no_seq = good;
  no_seq.erase(no_seq.find(",\"seqId\":2"), 10);
  EXPECT_EQ(parse_error(no_seq), "books: field 'seqId' missing");
  std::string no_checksum = good;
  no_checksum.erase(no_checksum.find("\"checksum\":-5,"), 14);
  EXPECT_EQ(parse_error(no_checksum), "books: field 'checksum' missing");
  std::string big_checksum = good;
  big_checksum.replace(big_checksum.find("-5"), 2, "4294967296");
  EXPECT_EQ(parse_error(big_checksum), "books: field 'checksum' does not fit a signed 32-bit integer");
  std::string bad_action = good;
  bad_action.replace(bad_action.find("update"), 6, "partial");
  EXPECT_EQ(parse_error(bad_action), "books: field 'action' is neither 'snapshot' nor 'update'");
  std::string two_books = good;
  const std::size_t data = two_books.find("[{") + 1;
  const std::size_t end = two_books.rfind("}]");
  two_books.insert(end + 1, "," + two_books.substr(data, end + 1 - data));
  EXPECT_EQ(parse_error(two_books), "books: field 'data' holds more than one book");
  EXPECT_EQ(parse_error(R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":[]})"),
            "books: field 'data' is empty");
  EXPECT_EQ(parse_error(R"({"event":"subscribe","arg":{"channel":"books","instId":"X"},"connId":"a"})"),
            "books: field 'event' present: an event reply, not a books push");
  EXPECT_NE(parse_error(testing::okx_books_json(false, 1, 2, 0, {{"97000.15", "1"}}, {})).find("off_grid"),
            std::string::npos);
  EXPECT_NE(parse_error(testing::okx_books_json(false, 1, 2, 0, {{"1.00000000000000000000000", "1"}}, {}))
                .find("longer than 23 characters"),
            std::string::npos);
}

}  // namespace
}  // namespace propbot::md
