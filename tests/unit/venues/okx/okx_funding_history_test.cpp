// OKX funding history: the bills parser (type 8 only, balChg exact, billId) and the
// paging (begin= first, then after=<oldest billId> while a page is full, oldest first
// in the answer, a page bound) against a loopback fake of GET /api/v5/account/bills.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/common/logging.hpp"
#include "core/venues/okx/funding_history.hpp"
#include "core/venues/okx/parse.hpp"
#include "core/venues/okx/rest_client.hpp"
#include "tests/unit/venues/common/loopback_route.hpp"

namespace propbot::venues::okx {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Query = testing::LoopbackRoute::Query;

InstrumentTable btc_table() {
  OkxInstrument btc;
  btc.symbol = "BTC-USDT";
  btc.inst_id = "BTC-USDT-SWAP";
  btc.contract_value = Decimal::from_mantissa(1, 2);
  return {{btc.inst_id, btc}};
}

// A bill as OKX documents it (Get bills details, last 7 days).
json bill(const std::string& bill_id, const std::string& type, const std::string& bal_chg, const std::string& ts,
          const std::string& inst_id = "BTC-USDT-SWAP") {
  return {{"instType", "SWAP"}, {"billId", bill_id}, {"subType", type == "8" ? "173" : "1"}, {"type", type},
          {"ts", ts}, {"balChg", bal_chg}, {"posBal", "0"}, {"posBalChg", "0"}, {"bal", "9999.9"}, {"sz", "2"},
          {"px", "97000"}, {"ccy", "USDT"}, {"fee", "0"}, {"mgnMode", "cross"}, {"instId", inst_id},
          {"ordId", ""}, {"execType", ""}, {"interest", "0"}, {"tag", ""}, {"notes", ""}, {"pnl", "0"}};
}

json reply_of(json data) { return {{"code", "0"}, {"msg", ""}, {"data", std::move(data)}}; }

TEST(OkxFundingBillsParseTest, TakesFundingBillsWithTheAmountAsPrinted) {
  const json reply = reply_of(json::array({bill("9003", "8", "0.01940", "1732000800000"),
                                           bill("9002", "2", "-0.0388", "1732000400000"),
                                           bill("9001", "8", "-0.0194", "1732000000000")}));
  auto payments = parse_funding_bills(reply, btc_table());
  ASSERT_TRUE(payments.ok()) << payments.error().describe();
  ASSERT_EQ(payments->size(), 2u) << "the trade bill is not funding";
  const FundingPayment& newest = payments->at(0);
  EXPECT_EQ(newest.symbol, "BTC-USDT");
  EXPECT_EQ(newest.asset, "USDT");
  EXPECT_EQ(newest.amount.to_string(), "0.01940") << "exact, at the venue's scale";
  EXPECT_EQ(newest.payment_id, "9003");
  EXPECT_EQ(to_unix_ms(newest.ts), 1732000800000);
  EXPECT_EQ(payments->at(1).amount, Decimal::parse("-0.0194").value());
}

TEST(OkxFundingBillsParseTest, RefusesAFundingBillItCannotName) {
  EXPECT_FALSE(parse_funding_bills(reply_of(json::array({bill("1", "8", "1", "1", "DOGE-USDT-SWAP")})), btc_table()).ok());
  EXPECT_FALSE(parse_funding_bills(reply_of(json::array({bill("1", "8", "lots", "1")})), btc_table()).ok());
  EXPECT_FALSE(parse_funding_bills(reply_of(json::array({bill("", "8", "1", "1")})), btc_table()).ok());
  EXPECT_FALSE(parse_funding_bills(json{{"code", "0"}}, btc_table()).ok());
}

TEST(OkxFundingBillsParseTest, AsksForFundingBillsOnlyThroughTheQueryClass) {
  const std::string first = funding_bills_query(UtcTime{std::chrono::milliseconds(1732000000000)}, "");
  EXPECT_NE(first.find("type=8"), std::string::npos) << first;
  EXPECT_NE(first.find("begin=1732000000000"), std::string::npos) << first;
  EXPECT_NE(first.find("limit=100"), std::string::npos) << first;
  EXPECT_EQ(first.find("after="), std::string::npos) << first;
  EXPECT_NE(funding_bills_query(UtcTime{}, "42").find("after=42"), std::string::npos);
  EXPECT_EQ(endpoints::kBills.path, "/api/v5/account/bills");
  EXPECT_EQ(endpoints::kBills.priority, RequestPriority::query);
}

// A loopback GET /api/v5/account/bills answering whatever `respond` makes of each
// query (as data[]), and the funding since `since_ms` read from it through a RestClient.
class FakeBills : public testing::LoopbackRoute {
 public:
  explicit FakeBills(std::function<json(const Query&)> respond)
      : LoopbackRoute("/api/v5/account/bills",
                      [respond](const Query& query) { return reply_of(respond(query)).dump(); }) {}

  VenueResult<std::vector<FundingPayment>> fetch(std::int64_t since_ms) {
    const InstrumentTable table = btc_table();
    boost::asio::io_context io;
    RealClock clock(io);
    RestClientOptions options;
    options.base_url = url();
    options.credentials = Credentials{"k", "SECRET", "pass", false};
    LogOptions log_options;
    log_options.level = "error";
    auto rest = RestClient::create(io, clock, options, Logger::from_options(log_options));
    EXPECT_TRUE(rest.ok());
    std::optional<VenueResult<std::vector<FundingPayment>>> result;
    fetch_funding_since(*rest.value(), table, UtcTime{std::chrono::milliseconds(since_ms)},
                        [&](VenueResult<std::vector<FundingPayment>> r) { result.emplace(std::move(r)); });
    testing::run_until_set(io, result);
    rest.value()->close();
    return result ? std::move(*result) : VenueResult<std::vector<FundingPayment>>(VenueError{});
  }
};

// Bills 1001..1150 (newest first, 100 a page), one every second from kSince.
constexpr std::int64_t kSince = 1732000000000;
json funding_page(const Query& query, int oldest_bill, int newest_bill) {
  const int newest = query.count("after") ? std::stoi(query.at("after")) - 1 : newest_bill;
  json data = json::array();
  for (int id = newest; id >= oldest_bill && data.size() < 100; --id) {
    data.push_back(bill(std::to_string(id), "8", "-0.05", std::to_string(kSince + (id - oldest_bill) * 1000)));
  }
  return data;
}

TEST(OkxFundingHistoryTest, PagesBackwardsByBillIdAndAnswersOldestFirst) {
  FakeBills fake([](const Query& query) { return funding_page(query, 1001, 1150); });
  auto result = fake.fetch(kSince);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  ASSERT_EQ(result.value().size(), 150u);
  EXPECT_EQ(result.value().front().payment_id, "1001") << "oldest first";
  EXPECT_EQ(result.value().back().payment_id, "1150");
  const auto queries = fake.queries();
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0].at("type"), "8");
  EXPECT_EQ(queries[0].at("instType"), "SWAP");
  EXPECT_EQ(queries[0].at("begin"), std::to_string(kSince));
  EXPECT_EQ(queries[0].count("after"), 0u);
  EXPECT_EQ(queries[1].at("after"), "1051") << "the smallest billId of the full page";
}

TEST(OkxFundingHistoryTest, RefusesMoreThanItsPageBoundRatherThanCutting) {
  FakeBills fake([](const Query& query) { return funding_page(query, 1, 5000); });
  auto result = fake.fetch(kSince);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, VenueErrc::rejected);
  EXPECT_EQ(result.error().venue_code, "TOO_MANY_PAYMENTS");
  EXPECT_EQ(fake.queries().size(), static_cast<std::size_t>(kMaxBillPages));
}

}  // namespace
}  // namespace propbot::venues::okx
