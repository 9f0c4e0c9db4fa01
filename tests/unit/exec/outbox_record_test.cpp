// Outbox frames: every field round-trips, and a reader can tell a whole frame from a
// torn or damaged one without reading past its input.
#include "core/exec/outbox_record.hpp"

#include <gtest/gtest.h>

#include "tests/unit/exec/journal_test_support.hpp"

namespace propbot::exec {
namespace {

using namespace test_support;

TEST(OutboxRecordTest, AnOrderEventRoundTripsEveryField) {
  OrderEntry entry = order_entry(42, OrderEvent::rejected, "0.125", Leg::b, 3, "OKX");
  entry.seq = 9'000'000'001;
  entry.reduce_only = true;
  entry.simulated = true;
  entry.type = venues::OrderType::market;
  entry.time_in_force = venues::TimeInForce::post_only;
  entry.price.reset();
  entry.reason = "ünïcode reason with \0 inside";
  std::string bytes;
  ASSERT_TRUE(append_frame(bytes, entry).ok());
  const FrameRead read = read_frame(bytes);
  ASSERT_EQ(read.status, FrameStatus::ok);
  EXPECT_EQ(read.size, bytes.size());
  ASSERT_TRUE(std::holds_alternative<OrderEntry>(read.record));
  EXPECT_TRUE(same_entry(std::get<OrderEntry>(read.record), entry));
  EXPECT_EQ(std::get<OrderEntry>(read.record).filled_quantity.scale(), 3) << "decimals keep their scale";
  EXPECT_EQ(record_seq(read.record), entry.seq);
}

TEST(OutboxRecordTest, AFillRoundTripsEveryField) {
  FillEntry fill = fill_entry("trade-7", 7, "OKX", "ETH-USDT");
  fill.seq = 77;
  fill.leg = Leg::a;
  fill.side = Side::sell;
  fill.fee = dec("-0.5");
  fill.simulated = true;
  std::string bytes;
  ASSERT_TRUE(append_frame(bytes, fill).ok());
  const FrameRead read = read_frame(bytes);
  ASSERT_EQ(read.status, FrameStatus::ok);
  ASSERT_TRUE(std::holds_alternative<FillEntry>(read.record));
  EXPECT_TRUE(same_entry(std::get<FillEntry>(read.record), fill));
}

TEST(OutboxRecordTest, EveryCutOfAFrameIsTornAndEveryFlippedBitIsCaught) {
  std::string bytes;
  ASSERT_TRUE(append_frame(bytes, order_entry(1, OrderEvent::sent)).ok());
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_EQ(read_frame(std::string_view(bytes).substr(0, cut)).status, FrameStatus::torn) << cut;
  }
  for (std::size_t byte = 4; byte < bytes.size(); ++byte) {  // the length field itself may make it look torn
    std::string damaged = bytes;
    damaged[byte] = static_cast<char>(damaged[byte] ^ 0x10);
    EXPECT_EQ(read_frame(damaged).status, FrameStatus::corrupt) << byte;
  }
}

TEST(OutboxRecordTest, AZeroFilledOrOversizedHeaderIsCorrupt) {
  EXPECT_EQ(read_frame(std::string(64, '\0')).status, FrameStatus::corrupt);
  std::string huge = "\xff\xff\xff\x7f" + std::string(60, 'x');
  EXPECT_EQ(read_frame(huge).status, FrameStatus::corrupt);
}

TEST(OutboxRecordTest, AnEntryLargerThanTheLimitIsRefusedAndNothingIsAppended) {
  OrderEntry entry = order_entry(1, OrderEvent::rejected);
  entry.reason.assign(kMaxOutboxPayloadBytes, 'r');
  std::string bytes = "keep";
  const Status framed = append_frame(bytes, entry);
  ASSERT_FALSE(framed.ok());
  EXPECT_EQ(framed.error().code, Errc::invalid_argument);
  EXPECT_EQ(bytes, "keep");
}

TEST(OutboxRecordTest, FramesFollowEachOther) {
  std::string bytes;
  ASSERT_TRUE(append_frame(bytes, order_entry(1, OrderEvent::intent)).ok());
  const std::size_t first = bytes.size();
  ASSERT_TRUE(append_frame(bytes, fill_entry("t")).ok());
  const FrameRead one = read_frame(bytes);
  ASSERT_EQ(one.status, FrameStatus::ok);
  EXPECT_EQ(one.size, first);
  const FrameRead two = read_frame(std::string_view(bytes).substr(one.size));
  ASSERT_EQ(two.status, FrameStatus::ok);
  EXPECT_TRUE(std::holds_alternative<FillEntry>(two.record));
}

}  // namespace
}  // namespace propbot::exec
