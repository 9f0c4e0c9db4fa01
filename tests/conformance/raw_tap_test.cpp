// The raw-message tap (`run --capture`, issue 14 item 6) on both adapters against their
// simulators: every WebSocket message — market data and the private stream — and every
// REST answer reaches the tap before parsing, each on its channel, REST answers as
// "METHOD target status\nbody" without a signature.
#include <algorithm>

#include "tests/conformance/fixture.hpp"

namespace propbot::venues::conformance {
namespace {

class RawTapConformance : public VenueConformance {
 protected:
  std::size_t count(RawChannel channel) const {
    return static_cast<std::size_t>(std::count_if(harness_->raw_messages.begin(), harness_->raw_messages.end(),
                                                   [&](const auto& message) { return message.channel == channel; }));
  }
  bool any(RawChannel channel, const std::string& needle) const {
    return std::any_of(harness_->raw_messages.begin(), harness_->raw_messages.end(), [&](const auto& message) {
      return message.channel == channel && message.text.find(needle) != std::string::npos;
    });
  }
};

TEST_P(RawTapConformance, MarketPrivateAndRestMessagesAllReachTheTap) {
  // Books: at least as many market messages as books delivered (some carry no book).
  const int books_before = rec().books;
  ASSERT_TRUE(h().run_until([&] { return rec().books >= books_before + 3; }, kTimeout, 50ms));
  EXPECT_GE(count(RawChannel::market_ws), static_cast<std::size_t>(rec().books));

  // A resting order: the private stream's update carries its client order id.
  rest("rawtap1");
  ASSERT_TRUE(h().run_until([&] { return any(RawChannel::private_ws, "rawtap1"); }))
      << "no private message named the order";

  // REST answers: the start-up requests and the order, with their target, never signed.
  EXPECT_GT(count(RawChannel::rest), 0u);
  for (const auto& message : harness_->raw_messages) {
    if (message.channel != RawChannel::rest) continue;
    EXPECT_TRUE(message.text.rfind("GET ", 0) == 0 || message.text.rfind("POST ", 0) == 0 ||
                message.text.rfind("DELETE ", 0) == 0 || message.text.rfind("PUT ", 0) == 0)
        << message.text.substr(0, 80);
    const std::string first_line = message.text.substr(0, message.text.find('\n'));
    EXPECT_EQ(first_line.find("signature="), std::string::npos) << first_line;
  }
  EXPECT_TRUE(any(RawChannel::rest, "rawtap1")) << "the order's answer was not tapped";
}

INSTANTIATE_TEST_SUITE_P(Venues, RawTapConformance, ::testing::Values("binance", "okx"));

}  // namespace
}  // namespace propbot::venues::conformance
