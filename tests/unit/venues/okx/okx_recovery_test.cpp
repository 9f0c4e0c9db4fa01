// OKX private-stream recovery: the trade/fills parser (contracts → base coin, fee sign,
// maker, billId) and the fill history's paging (begin= first, then after=<oldest
// billId> while a page is full) against a loopback fake of GET /api/v5/trade/fills.
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/net/http_server.hpp"
#include "core/net/router.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/venues/okx/fill_history.hpp"
#include "core/venues/okx/parse.hpp"
#include "core/venues/okx/rest_client.hpp"

namespace propbot::venues::okx {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

Decimal D(const char* text) { return Decimal::parse(text).value(); }

InstrumentTable instruments() {
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/tests/fixtures/venues/okx/instruments.json");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto table = parse_instruments(json::parse(buffer.str()), "OKX");
  EXPECT_TRUE(table.ok());
  return table.value();
}

// Items as OKX documents them (GET / Transaction details, last 3 days), newest first.
json fill_item(const std::string& trade_id, const std::string& bill_id, const std::string& ts,
               const std::string& exec_type = "T", const std::string& fee = "-0.0388") {
  return {{"instType", "SWAP"}, {"instId", "BTC-USDT-SWAP"}, {"tradeId", trade_id}, {"ordId", "612345"},
          {"clOrdId", "pbRec1"}, {"billId", bill_id}, {"subType", "1"}, {"tag", ""}, {"fillPx", "97000.1"},
          {"fillSz", "2"}, {"fillPnl", "0"}, {"fillIdxPx", "97001"}, {"fillMarkPx", "97000.5"},
          {"side", "buy"}, {"posSide", "net"}, {"execType", exec_type}, {"feeCcy", "USDT"}, {"fee", fee},
          {"ts", ts}, {"fillTime", ts}};
}

TEST(OkxFillsParseTest, ConvertsContractsFeeSignAndMaker) {
  const InstrumentTable table = instruments();
  json reply = {{"code", "0"}, {"msg", ""},
                {"data", json::array({fill_item("301", "9002", "1732000000500", "M", "0.01"),
                                      fill_item("300", "9001", "1732000000400")})}};
  auto fills = parse_fills(reply, table);
  ASSERT_TRUE(fills.ok()) << fills.error().describe();
  ASSERT_EQ(fills->size(), 2u);
  const FillRecord& newest = fills->at(0);
  EXPECT_EQ(newest.bill_id, "9002");
  EXPECT_EQ(newest.fill.symbol, "BTC-USDT");
  EXPECT_EQ(newest.fill.trade_id, "301");
  EXPECT_EQ(newest.fill.venue_order_id, "612345");
  EXPECT_EQ(newest.fill.client_order_id, "pbRec1");
  EXPECT_EQ(newest.fill.quantity, D("0.02")) << "2 contracts × ctVal 0.01";
  EXPECT_EQ(newest.fill.price, D("97000.1"));
  EXPECT_TRUE(newest.fill.maker);
  EXPECT_EQ(newest.fill.fee, D("-0.01")) << "a rebate (positive on OKX) is negative for us";
  EXPECT_EQ(to_unix_ms(newest.fill.ts), 1732000000500);
  EXPECT_FALSE(fills->at(1).fill.maker);
  EXPECT_EQ(fills->at(1).fill.fee, D("0.0388")) << "a fee charged (negative on OKX) is positive for us";
}

TEST(OkxFillsParseTest, RefusesAnUnknownSwapAndSkipsOtherTypes) {
  const InstrumentTable table = instruments();
  json unknown = fill_item("1", "1", "1");
  unknown["instId"] = "XRP-USDT-SWAP";
  EXPECT_FALSE(parse_fills(json{{"code", "0"}, {"data", json::array({unknown})}}, table).ok());
  json spot = fill_item("1", "1", "1");
  spot["instType"] = "SPOT";
  auto skipped = parse_fills(json{{"code", "0"}, {"data", json::array({spot})}}, table);
  ASSERT_TRUE(skipped.ok());
  EXPECT_TRUE(skipped->empty());
}

TEST(OkxFillsParseTest, QueryNamesTheSwapTheBeginAndTheCursor) {
  const UtcTime since{std::chrono::milliseconds(1732000000000)};
  EXPECT_EQ(fills_query("BTC-USDT-SWAP", since, ""),
            "?instType=SWAP&instId=BTC-USDT-SWAP&begin=1732000000000&limit=100");
  EXPECT_EQ(fills_query("BTC-USDT-SWAP", since, "9001"),
            "?instType=SWAP&instId=BTC-USDT-SWAP&begin=1732000000000&limit=100&after=9001");
}

// A loopback trade/fills: 100 fills (billIds 1101..1002, newest first) for the first
// page, then the 3 older ones for after=1002.
class FakeFills {
 public:
  FakeFills() {
    auto router = std::make_shared<net::Router>();
    router->add("GET", "/api/v5/trade/fills", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      queries_.push_back(request.query);
      json data = json::array();
      const bool first = request.query.count("after") == 0;
      const int newest = first ? 1101 : std::stoi(request.query.at("after")) - 1;
      const int oldest = first ? 1002 : 999;
      for (int bill = newest; bill >= oldest; --bill) {
        data.push_back(fill_item(std::to_string(bill - 900), std::to_string(bill),
                                 std::to_string(1732000000000LL + bill)));
      }
      net::HttpResponse response;
      response.status = 200;
      response.body = json{{"code", "0"}, {"msg", ""}, {"data", data}}.dump();
      return response;
    });
    net::HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(options, router);
    EXPECT_TRUE(server_->start().ok());
  }
  ~FakeFills() { server_->stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<std::map<std::string, std::string>> queries() const {
    std::lock_guard lock(mutex_);
    return queries_;
  }

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<net::HttpServer> server_;
  std::vector<std::map<std::string, std::string>> queries_;
};

TEST(OkxFillHistoryTest, PagesBackwardsByBillIdUntilAPageIsNotFull) {
  FakeFills fake;
  const InstrumentTable table = instruments();
  boost::asio::io_context io;
  RealClock clock(io);
  RestClientOptions options;
  options.base_url = fake.url();
  options.credentials = Credentials{"k", "SECRET", "pass", false};
  LogOptions log_options;
  log_options.level = "error";
  auto rest = RestClient::create(io, clock, options, Logger::from_options(log_options));
  ASSERT_TRUE(rest.ok()) << rest.error().describe();
  std::optional<VenueResult<std::vector<Fill>>> result;
  fetch_fills_since(*rest.value(), table, "BTC-USDT-SWAP", UtcTime{std::chrono::milliseconds(1731999990000)},
                    [&](VenueResult<std::vector<Fill>> r) { result.emplace(std::move(r)); });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!result && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(5ms);
  }
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->error().describe();
  EXPECT_EQ(result->value().size(), 103u);
  const auto queries = fake.queries();
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0].at("begin"), "1731999990000");
  EXPECT_EQ(queries[0].at("instId"), "BTC-USDT-SWAP");
  EXPECT_EQ(queries[0].at("limit"), "100");
  EXPECT_EQ(queries[0].count("after"), 0u);
  EXPECT_EQ(queries[1].at("after"), "1002") << "the smallest billId of the full page";
  EXPECT_EQ(queries[1].at("begin"), "1731999990000");
  rest.value()->close();
}

}  // namespace
}  // namespace propbot::venues::okx
