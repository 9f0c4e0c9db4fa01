#include "core/venues/sim/host/admin_json.hpp"

#include <gtest/gtest.h>

#include "core/venues/sim/fault_fields.hpp"
#include "core/venues/sim/fault_gate.hpp"

namespace propbot::venues::sim {
namespace {

using nlohmann::json;

TEST(AdminJsonTest, FaultPlanRoundTripsThroughJson) {
  FaultPlan plan;
  plan.added_latency_ms = 250;
  plan.partial_fill_ratio = 0.3;
  plan.reject_code = "-2010";
  plan.stale_books = true;
  plan.clock_skew_ms = -1500;
  plan.skip_funding = 2;
  auto back = merge_fault_plan(FaultPlan{}, fault_plan_to_json(plan));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(fault_plan_to_json(*back), fault_plan_to_json(plan));
}

// Every FaultPlan field is one row of fault_fields(): the admin plan shows each one, a
// venue's describe() each but the one-shot action, and an unknown field lists them all.
TEST(AdminJsonTest, EveryFaultFieldIsListedOnceForTheAdminApiAndDescribe) {
  const json plan = fault_plan_to_json(FaultPlan{});
  EXPECT_EQ(plan.size(), fault_fields().size());
  EXPECT_EQ(plan.size(), 17u) << "a FaultPlan member without a row would be invisible to the admin API";
  FaultGate gate(FaultRules{});
  const json described = gate.describe();
  for (const FaultField& field : fault_fields()) {
    EXPECT_TRUE(plan.contains(std::string(field.name))) << field.name;
    EXPECT_EQ(described.contains(std::string(field.name)), !field.one_shot) << field.name;
  }
  auto unknown = merge_fault_plan(FaultPlan{}, json{{"latency", 5}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("known: added_latency_ms, ban_after_429s, ban_s, clock_skew_ms, "
                                         "corrupt_next_snapshot, disconnect_websockets, drop_every_nth_diff, "
                                         "maintenance, partial_fill_ratio, rate_limit_429_count, read_only, "
                                         "reject_code, reject_nth_order, retry_after_s, skip_funding, stale_books, websockets_down"),
            std::string::npos)
      << unknown.error().message;
  auto bad = merge_fault_plan(FaultPlan{}, json{{"added_latency_ms", 60001}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "added_latency_ms: must be in [0, 60000]");
  auto ratio = merge_fault_plan(FaultPlan{}, json{{"partial_fill_ratio", 1.0}});
  ASSERT_FALSE(ratio.ok());
  EXPECT_EQ(ratio.error().message, "partial_fill_ratio: must be in [0, 1) (0 = off)");
}

TEST(AdminJsonTest, FaultPatchChangesOnlyTheNamedFields) {
  FaultPlan base;
  base.maintenance = true;
  auto merged = merge_fault_plan(base, json{{"rate_limit_429_count", 5}, {"retry_after_s", 2}});
  ASSERT_TRUE(merged.ok());
  EXPECT_TRUE(merged->maintenance);
  EXPECT_EQ(merged->rate_limit_429_count, 5);
  EXPECT_EQ(merged->retry_after_s, 2);
}

TEST(AdminJsonTest, FaultPatchNamesUnknownAndBadFields) {
  auto unknown = merge_fault_plan(FaultPlan{}, json{{"latency", 5}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message.rfind("latency: unknown field", 0), 0u) << unknown.error().message;

  auto wrong_type = merge_fault_plan(FaultPlan{}, json{{"maintenance", "yes"}});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().message.rfind("maintenance:", 0), 0u);

  auto negative = merge_fault_plan(FaultPlan{}, json{{"added_latency_ms", -1}});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().message.rfind("added_latency_ms:", 0), 0u);

  auto ratio = merge_fault_plan(FaultPlan{}, json{{"partial_fill_ratio", 1.5}});
  ASSERT_FALSE(ratio.ok());
  EXPECT_EQ(ratio.error().message.rfind("partial_fill_ratio:", 0), 0u);
}

TEST(AdminJsonTest, MarketPatchIsValidatedAsAWhole) {
  MarketParams base;
  auto merged = merge_market_params(base, json{{"dislocation_bps_min", 50}});
  ASSERT_FALSE(merged.ok());  // min above the default max (40)
  EXPECT_EQ(merged.error().message.rfind("dislocation_bps_max:", 0), 0u) << merged.error().message;

  merged = merge_market_params(base, json{{"dislocation_bps_min", 50}, {"dislocation_bps_max", 80}, {"tick_ms", 100}});
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(merged->tick_ms, 100);
  EXPECT_DOUBLE_EQ(merged->dislocation_bps_max, 80);
  EXPECT_EQ(market_params_to_json(*merged)["tick_ms"], 100);
}

TEST(AdminJsonTest, DecimalsComeAsStringsOrNumbers) {
  EXPECT_EQ(*decimal_from_json(json("100000.5"), "x"), Decimal::from_mantissa(1000005, 1));
  EXPECT_EQ(*decimal_from_json(json(100000), "x"), Decimal::from_mantissa(100000, 0));
  EXPECT_EQ(*decimal_from_json(json(0.25), "x"), Decimal::from_mantissa(25, 2));
  auto bad = decimal_from_json(json("abc"), "balances.USDT");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("balances.USDT:", 0), 0u);
  EXPECT_FALSE(decimal_from_json(json::array(), "x").ok());
}

TEST(AdminJsonTest, AccountRequestChecksEveryField) {
  auto ok = parse_account_request(
      json{{"venue", "okx"}, {"api_key", "k"}, {"api_secret", "s"}, {"passphrase", "p"}, {"balances", {{"USDT", "100000"}, {"BTC", 0.5}}}});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->venue, "okx");
  EXPECT_EQ(ok->spec.passphrase, "p");
  EXPECT_EQ(ok->spec.balances.at("USDT"), Decimal::from_mantissa(100000, 0));
  EXPECT_EQ(ok->spec.balances.at("BTC"), Decimal::from_mantissa(5, 1));

  const auto message_of = [](const json& body) {
    auto parsed = parse_account_request(body);
    return parsed.ok() ? std::string("ok") : parsed.error().message;
  };
  EXPECT_EQ(message_of(json{{"api_key", "k"}, {"api_secret", "s"}}).rfind("venue:", 0), 0u);
  EXPECT_EQ(message_of(json{{"venue", "binance"}, {"api_key", ""}, {"api_secret", "s"}}).rfind("api_key:", 0), 0u);
  EXPECT_EQ(message_of(json{{"venue", "binance"}, {"api_key", "k"}}).rfind("api_secret:", 0), 0u);
  EXPECT_EQ(message_of(json{{"venue", "binance"}, {"api_key", "k"}, {"api_secret", "s"}, {"balances", {{"USDT", -5}}}})
                .rfind("balances.USDT:", 0),
            0u);
  EXPECT_EQ(message_of(json{{"venue", "binance"}, {"api_key", "k"}, {"api_secret", "s"}, {"balances", {{"USDT", "0"}}}})
                .rfind("balances.USDT:", 0),
            0u);
  EXPECT_EQ(message_of(json{{"venue", "binance"}, {"api_key", "k"}, {"api_secret", "s"}, {"balance", 1}}).rfind("balance:", 0),
            0u);
}

}  // namespace
}  // namespace propbot::venues::sim
