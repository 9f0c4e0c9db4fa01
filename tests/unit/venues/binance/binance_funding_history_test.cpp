// Binance funding history: the income parser (FUNDING_FEE rows, exact amounts) and the
// paging by startTime with tranId de-duplication and its bounds against a loopback fake
// (BinanceAdapter::funding_since against the simulator: binance_sim_integration_test).
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/venues/binance/funding_history.hpp"
#include "core/venues/binance/parse.hpp"
#include "core/venues/binance/rest_client.hpp"
#include "tests/unit/venues/common/loopback_route.hpp"

namespace propbot::venues::binance {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Query = testing::LoopbackRoute::Query;

Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

// The official example's shape, with a funding row added, a string tranId (as the
// portfolio-margin variant sends it) and a commission row that must be skipped.
constexpr const char* kIncome = R"([
  {"symbol":"","incomeType":"TRANSFER","income":"-0.37500000","asset":"USDT","info":"TRANSFER",
   "time":1570608000000,"tranId":9689322392,"tradeId":""},
  {"symbol":"BTCUSDT","incomeType":"FUNDING_FEE","income":"-0.01500000","asset":"USDT","info":"FUNDING_FEE",
   "time":1570636800000,"tranId":9689322393,"tradeId":""},
  {"symbol":"BTCUSDT","incomeType":"COMMISSION","income":"-0.01000000","asset":"USDT","info":"COMMISSION",
   "time":1570636800000,"tranId":9689322394,"tradeId":"2059192"},
  {"symbol":"ETHUSDT","incomeType":"FUNDING_FEE","income":"0.2","asset":"USDT","info":"FUNDING_FEE",
   "time":1570636800001,"tranId":"9689322395","tradeId":""}
])";

TEST(BinanceFundingIncomeTest, ParsesFundingRowsWithTheAmountAsPrinted) {
  auto payments = parse_funding_income_text(kIncome);
  ASSERT_TRUE(payments.ok()) << payments.error().describe();
  ASSERT_EQ(payments->size(), 2u) << "TRANSFER and COMMISSION rows are not funding";
  const FundingPayment& paid = payments->at(0);
  EXPECT_EQ(paid.symbol, "BTC-USDT");
  EXPECT_EQ(paid.asset, "USDT");
  EXPECT_EQ(paid.amount.to_string(), "-0.01500000") << "exact, at the venue's scale";
  EXPECT_EQ(paid.payment_id, "9689322393");
  EXPECT_EQ(to_unix_ms(paid.ts), 1570636800000);
  const FundingPayment& received = payments->at(1);
  EXPECT_EQ(received.symbol, "ETH-USDT");
  EXPECT_EQ(received.amount, Decimal::parse("0.2").value());
  EXPECT_EQ(received.payment_id, "9689322395") << "a string tranId too";
}

TEST(BinanceFundingIncomeTest, RefusesAReplyThatIsNotAnIncomeList) {
  EXPECT_FALSE(parse_funding_income_text(R"({"code":-1130,"msg":"x"})").ok());
  EXPECT_FALSE(parse_funding_income_text(
                   R"([{"symbol":"BTCUSDT","incomeType":"FUNDING_FEE","income":"x","asset":"USDT","time":1,"tranId":1}])")
                   .ok());
  EXPECT_FALSE(parse_funding_income_text(
                   R"([{"symbol":"BTCUSD_PERP","incomeType":"FUNDING_FEE","income":"1","asset":"BTC","time":1,"tranId":1}])")
                   .ok())
      << "a funding payment on a symbol the desk cannot name is not dropped silently";
}

TEST(BinanceFundingIncomeTest, AsksForFundingRowsOnlyThroughTheQueryClass) {
  const auto page = funding_income_page(1700000000123);
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].key, "incomeType");
  EXPECT_EQ(page[0].value, "FUNDING_FEE");
  EXPECT_EQ(page[1].key, "startTime");
  EXPECT_EQ(page[1].value, "1700000000123");
  EXPECT_EQ(page[2].value, "1000");
  EXPECT_EQ(endpoints::kIncome.path, "/fapi/v1/income");
  EXPECT_EQ(endpoints::kIncome.priority, RequestPriority::query);
  EXPECT_EQ(endpoints::kIncome.weight, 30);
}

// A loopback GET /fapi/v1/income answering whatever `respond` makes of each query, and
// the funding since `since_ms` read from it through a RestClient.
class FakeIncome : public testing::LoopbackRoute {
 public:
  explicit FakeIncome(std::function<json(const Query&)> respond)
      : LoopbackRoute("/fapi/v1/income", [respond](const Query& query) { return respond(query).dump(); }) {}

  VenueResult<std::vector<FundingPayment>> fetch(std::int64_t since_ms) {
    boost::asio::io_context io;
    RealClock clock(io);
    RestClientOptions options;
    options.base_url = url();
    options.api_key = "k";
    options.api_secret = "s";
    auto rest = RestClient::create(io, clock, options, quiet_logger());
    EXPECT_TRUE(rest.ok());
    std::optional<VenueResult<std::vector<FundingPayment>>> result;
    fetch_funding_since(*rest.value(), UtcTime{std::chrono::milliseconds(since_ms)},
                        [&](VenueResult<std::vector<FundingPayment>> r) { result.emplace(std::move(r)); });
    testing::run_until_set(io, result);
    rest.value()->close();
    return result ? std::move(*result) : VenueResult<std::vector<FundingPayment>>(VenueError{});
  }
};

json funding_row(std::int64_t tran_id, std::int64_t time) {
  return {{"symbol", "BTCUSDT"}, {"incomeType", "FUNDING_FEE"}, {"income", "-0.05000000"}, {"asset", "USDT"},
          {"info", "FUNDING_FEE"}, {"time", time}, {"tranId", tran_id}, {"tradeId", ""}};
}

constexpr std::int64_t kSince = 1700000000000;

TEST(BinanceFundingHistoryTest, PagesByTheLastRowsTimeAndDropsTheRowsItAlreadyHas) {
  // Two payments per millisecond: tranId n at kSince + (n − 1) / 2. The first page ends
  // at millisecond kSince + 499 (ids 999, 1000); the second starts there again.
  FakeIncome fake([](const Query& query) {
    const std::int64_t start = std::stoll(query.at("startTime"));
    json page = json::array();
    for (std::int64_t id = 1; id <= 1002 && page.size() < 1000; ++id) {
      const std::int64_t time = kSince + (id - 1) / 2;
      if (time >= start) page.push_back(funding_row(id, time));
    }
    return page;
  });
  auto result = fake.fetch(kSince);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  ASSERT_EQ(result.value().size(), 1002u) << "every payment once";
  for (std::size_t i = 0; i < result.value().size(); ++i) {
    ASSERT_EQ(result.value()[i].payment_id, std::to_string(i + 1)) << "oldest first, no duplicate";
  }
  const auto queries = fake.queries();
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0].at("startTime"), std::to_string(kSince));
  EXPECT_EQ(queries[0].at("incomeType"), "FUNDING_FEE");
  EXPECT_EQ(queries[1].at("startTime"), std::to_string(kSince + 499));
  EXPECT_EQ(queries[1].count("signature"), 1u);
}

TEST(BinanceFundingHistoryTest, RefusesMoreThanItsPageBoundRatherThanCutting) {
  FakeIncome endless([](const Query& query) {
    const std::int64_t start = std::stoll(query.at("startTime"));
    json page = json::array();
    for (std::int64_t i = 1; i <= 1000; ++i) page.push_back(funding_row(start * 10'000 + i, start + i));
    return page;
  });
  auto result = endless.fetch(kSince);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, VenueErrc::rejected);
  EXPECT_EQ(result.error().venue_code, "TOO_MANY_PAYMENTS");
  EXPECT_EQ(endless.queries().size(), static_cast<std::size_t>(kMaxIncomePages));

  FakeIncome one_millisecond([](const Query&) {
    json page = json::array();
    for (std::int64_t id = 1; id <= 1000; ++id) page.push_back(funding_row(id, kSince));
    return page;
  });
  auto stuck = one_millisecond.fetch(kSince);
  ASSERT_FALSE(stuck.ok());
  EXPECT_EQ(stuck.error().venue_code, "TOO_MANY_PAYMENTS") << "a page that brings nothing new never loops";
  EXPECT_EQ(one_millisecond.queries().size(), 2u);
}

}  // namespace
}  // namespace propbot::venues::binance
