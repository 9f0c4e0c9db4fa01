// The client-order-id scheme: every id fits both venues' rules, parses back to the parts
// it was made from, differs whenever a part differs, and anything else is refused with
// the reason.
#include "core/exec/client_order_id.hpp"

#include <random>
#include <regex>
#include <set>

#include <gtest/gtest.h>

namespace propbot::exec {
namespace {

bool okx_accepts(const std::string& id) {
  static const std::regex rule("^[A-Za-z0-9]{1,32}$");  // OKX clOrdId
  return std::regex_match(id, rule);
}
bool binance_accepts(const std::string& id) {
  static const std::regex rule("^[\\.A-Z\\:/a-z0-9_-]{1,36}$");  // Binance newClientOrderId
  return std::regex_match(id, rule);
}

TEST(ClientOrderIdTest, EveryIdFitsBothVenuesAndParsesBackToItsParts) {
  std::mt19937_64 rng(7);
  std::vector<ClientOrderIdParts> samples = {
      {0, 0, Leg::single, 0},
      {kMaxFencingEpoch, UINT64_MAX, Leg::b, kMaxAttempt},
      {1, 1, Leg::a, 1},
  };
  for (int i = 0; i < 2000; ++i) {
    samples.push_back({rng() % (kMaxFencingEpoch + 1), rng(), static_cast<Leg>(rng() % 3),
                       static_cast<int>(rng() % (kMaxAttempt + 1))});
  }
  for (const auto& parts : samples) {
    const auto id = make_client_order_id(parts);
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_EQ(id->size(), kClientOrderIdLength);
    EXPECT_TRUE(okx_accepts(*id)) << *id;
    EXPECT_TRUE(binance_accepts(*id)) << *id;
    const auto back = parse_client_order_id(*id);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, parts) << *id;
  }
}

TEST(ClientOrderIdTest, AnyDifferentPartGivesADifferentIdAndAttemptsSortInOrder) {
  std::set<std::string> seen;
  std::string previous;
  for (std::uint64_t epoch : {1ull, 2ull}) {
    for (std::uint64_t intent : {41ull, 42ull}) {
      for (Leg leg : {Leg::single, Leg::a, Leg::b}) {
        for (int attempt = 0; attempt < 40; ++attempt) {
          const std::string id = *make_client_order_id({epoch, intent, leg, attempt});
          EXPECT_TRUE(seen.insert(id).second) << id;
          if (attempt > 0) {
            EXPECT_LT(previous, id) << "attempts of one leg sort by attempt";
          }
          previous = id;
        }
      }
    }
  }
  EXPECT_EQ(*make_client_order_id({3, 0x2a, Leg::a, 2}), "pb0000030000000000016102");
}

TEST(ClientOrderIdTest, OutOfRangePartsAreRefusedNamingTheField) {
  const auto epoch = make_client_order_id({kMaxFencingEpoch + 1, 1, Leg::a, 0});
  ASSERT_FALSE(epoch.ok());
  EXPECT_EQ(epoch.error().code, Errc::invalid_argument);
  EXPECT_NE(epoch.error().message.find("fencing_epoch"), std::string::npos) << epoch.error().message;
  const auto attempt = make_client_order_id({1, 1, Leg::a, kMaxAttempt + 1});
  ASSERT_FALSE(attempt.ok());
  EXPECT_NE(attempt.error().message.find("attempt 1296"), std::string::npos) << attempt.error().message;
  EXPECT_FALSE(make_client_order_id({1, 1, Leg::a, -1}).ok());
}

TEST(ClientOrderIdTest, IdsThatAreNotOursAreRefusedWithTheReason) {
  const std::string good = *make_client_order_id({5, 99, Leg::b, 3});
  for (const std::string& bad : {std::string("x-Ab12"), good.substr(1), "xx" + good.substr(2),
                                 good.substr(0, 10) + "Z" + good.substr(11), good.substr(0, 21) + "3" + good.substr(22),
                                 std::string("pbzzzzzzzzzzzzzzzzzzz000")}) {
    const auto parsed = parse_client_order_id(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
      EXPECT_NE(parsed.error().message.find(bad), std::string::npos) << parsed.error().message;
    }
  }
}

TEST(ClientOrderIdTest, LegsHaveStableNames) {
  EXPECT_EQ(to_string(Leg::single), "single");
  EXPECT_EQ(to_string(Leg::a), "a");
  EXPECT_EQ(to_string(Leg::b), "b");
  EXPECT_EQ(parse_leg("b"), Leg::b);
  EXPECT_EQ(parse_leg("B"), std::nullopt);
}

}  // namespace
}  // namespace propbot::exec
