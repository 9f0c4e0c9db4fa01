// The order lifecycle: names are stable, terminal events end an order, and only forward
// steps are accepted — a late or duplicated venue report cannot move an order back.
#include "core/exec/order_lifecycle.hpp"

#include <gtest/gtest.h>

namespace propbot::exec {
namespace {

using E = OrderEvent;

TEST(OrderLifecycleTest, NamesAreStableAndParseBack) {
  const char* names[] = {"intent", "new", "sent", "ack", "partial", "filled", "cancelled", "rejected", "expired"};
  for (std::size_t i = 0; i < kAllOrderEvents.size(); ++i) {
    EXPECT_EQ(to_string(kAllOrderEvents[i]), names[i]);
    EXPECT_EQ(parse_order_event(names[i]), kAllOrderEvents[i]);
  }
  EXPECT_EQ(parse_order_event("canceled"), std::nullopt) << "one spelling, the SPEC's";
}

TEST(OrderLifecycleTest, TheUsualPathsAreAccepted) {
  const std::vector<std::vector<E>> paths = {
      {E::intent, E::new_order, E::sent, E::ack, E::partial, E::partial, E::filled},
      {E::intent, E::new_order, E::sent, E::ack, E::cancelled},
      {E::intent, E::new_order, E::sent, E::rejected},
      {E::intent, E::new_order, E::rejected},                 // refused before sending
      {E::intent, E::cancelled},                              // a hedge leg never needed
      {E::intent, E::rejected},                               // refused by a pre-trade check
      {E::intent, E::new_order, E::sent, E::filled},          // the fill reported before the ack
      {E::intent, E::new_order, E::sent, E::ack, E::expired}, // IOC / GTD
  };
  for (const auto& path : paths) {
    for (std::size_t i = 1; i < path.size(); ++i) {
      EXPECT_TRUE(can_follow(path[i - 1], path[i])) << to_string(path[i - 1]) << " → " << to_string(path[i]);
    }
    EXPECT_TRUE(is_terminal(path.back()));
  }
}

TEST(OrderLifecycleTest, NothingFollowsAnEndAndNothingGoesBackwards) {
  for (E end : {E::filled, E::cancelled, E::rejected, E::expired}) {
    EXPECT_TRUE(is_terminal(end));
    for (E next : kAllOrderEvents) EXPECT_FALSE(can_follow(end, next)) << to_string(end) << " → " << to_string(next);
  }
  EXPECT_FALSE(can_follow(E::ack, E::sent));
  EXPECT_FALSE(can_follow(E::partial, E::ack)) << "a late ack after a partial is stale";
  EXPECT_FALSE(can_follow(E::intent, E::sent)) << "journal before send: new comes first";
  EXPECT_FALSE(can_follow(E::ack, E::rejected)) << "an accepted order is cancelled, not rejected";
  for (E open : {E::intent, E::new_order, E::sent, E::ack, E::partial}) EXPECT_FALSE(is_terminal(open));
}

}  // namespace
}  // namespace propbot::exec
