#include "core/venues/paper/paper_broker.hpp"

#include <gtest/gtest.h>

namespace propbot::venues::paper {
namespace {

using namespace std::chrono_literals;

Decimal dec(const char* text) { return *Decimal::parse(text); }

// A market-data venue whose books the test publishes by hand.
class FakeMarket : public MarketDataVenue {
 public:
  FakeMarket() : id_("SIM-A"), specs_{{"SIM-A", "BTC-USDT", "PERP", 0.1, 0.001, 5.0}}, book_(specs_[0]) {}
  const std::string& id() const override { return id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override { return specs_; }
  void start(MarketDataListener& listener) override { listener_ = &listener; }
  void stop() override { listener_ = nullptr; }

  // Best bid/ask in ticks of 0.1, each level 1 BTC (1000 lots), 5 levels.
  void publish(std::int64_t bid, std::int64_t ask, MonoTime at) {
    std::vector<md::BookLevel> bids, asks;
    for (int i = 0; i < 5; ++i) {
      bids.push_back({bid - i, 1000});
      asks.push_back({ask + i, 1000});
    }
    book_.apply_snapshot(bids, asks, ++sequence_, at);
    if (listener_ != nullptr) listener_->on_book(book_);
  }

 private:
  std::string id_;
  std::vector<md::InstrumentSpec> specs_;
  md::OrderBook book_;
  MarketDataListener* listener_ = nullptr;
  std::uint64_t sequence_ = 0;
};

struct Recorder : MarketDataListener, PrivateListener {
  void on_book(const md::OrderBook&) override { ++books; }
  void on_order_update(const OrderState& o) override { orders.push_back(o); }
  void on_fill(const Fill& f) override { fills.push_back(f); }
  void on_position(const Position& p) override { positions.push_back(p); }
  void on_balance(const Balance& b) override { balances.push_back(b); }
  void on_private_stream(bool connected) override { stream_up = connected; }
  int books = 0;
  bool stream_up = false;
  std::vector<OrderState> orders;
  std::vector<Fill> fills;
  std::vector<Position> positions;
  std::vector<Balance> balances;
};

class PaperBrokerTest : public ::testing::Test {
 protected:
  PaperBrokerTest() {
    auto market = std::make_unique<FakeMarket>();
    market_ = market.get();
    PaperBrokerOptions options;
    options.order_latency = 10ms;
    broker_ = std::make_unique<PaperBroker>(std::move(market), clock_, options);
    broker_->start(recorder_, recorder_);
    market_->publish(600'000, 600'001, clock_.now());  // 60000.0 / 60000.1
  }

  OrderRequest order(OrderSide side, OrderType type, const char* qty, const char* price = nullptr,
                     TimeInForce tif = TimeInForce::gtc, const char* id = "paper1") {
    OrderRequest r;
    r.symbol = "BTC-USDT";
    r.side = side;
    r.type = type;
    r.time_in_force = tif;
    r.quantity = dec(qty);
    if (price != nullptr) r.price = dec(price);
    r.client_order_id = id;
    return r;
  }

  SimClock clock_;
  FakeMarket* market_ = nullptr;
  Recorder recorder_;
  std::unique_ptr<PaperBroker> broker_;
};

TEST_F(PaperBrokerTest, MarketBuyFillsAtTheAskAfterTheLatencyWithTakerFee) {
  std::optional<VenueResult<OrderState>> result;
  broker_->place(order(OrderSide::buy, OrderType::market, "0.5"), [&](VenueResult<OrderState> r) { result = r; });
  EXPECT_FALSE(result.has_value()) << "nothing happens before the latency has passed";
  clock_.advance(10ms);
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->error().describe();
  EXPECT_EQ(result->value().status, OrderStatus::filled);
  ASSERT_EQ(recorder_.fills.size(), 1u);
  EXPECT_EQ(recorder_.fills[0].price, dec("60000.1"));
  EXPECT_EQ(recorder_.fills[0].quantity, dec("0.5"));
  EXPECT_FALSE(recorder_.fills[0].maker);
  EXPECT_EQ(recorder_.fills[0].fee, dec("15.000025"));  // 30000.05 × 0.0005
  EXPECT_EQ(recorder_.fills[0].trade_id.rfind(PaperBroker::kTwinIdPrefix, 0), std::string::npos)
      << "a broker that is the venue keeps its ids";
  ASSERT_FALSE(recorder_.positions.empty());
  EXPECT_EQ(recorder_.positions.back().quantity, dec("0.5"));
}

TEST_F(PaperBrokerTest, TheTakerSeesTheBookAsItIsWhenTheOrderArrives) {
  std::optional<VenueResult<OrderState>> result;
  broker_->place(order(OrderSide::buy, OrderType::market, "0.1"), [&](VenueResult<OrderState> r) { result = r; });
  clock_.advance(5ms);
  market_->publish(600'100, 600'101, clock_.now());  // the market moved up 10 USDT meanwhile
  clock_.advance(5ms);
  ASSERT_TRUE(result && result->ok());
  ASSERT_EQ(recorder_.fills.size(), 1u);
  EXPECT_EQ(recorder_.fills[0].price, dec("60010.1"));
}

TEST_F(PaperBrokerTest, RestingBuyFillsAsMakerWhenTheMarketComesDown) {
  std::optional<VenueResult<OrderState>> result;
  broker_->place(order(OrderSide::buy, OrderType::limit, "0.2", "59990.0"), [&](VenueResult<OrderState> r) { result = r; });
  clock_.advance(10ms);
  ASSERT_TRUE(result && result->ok());
  EXPECT_EQ(result->value().status, OrderStatus::new_order);
  EXPECT_TRUE(recorder_.fills.empty());
  market_->publish(599'880, 599'885, clock_.now());  // asks now at 59988.5 < our 59990 bid
  ASSERT_EQ(recorder_.fills.size(), 1u);
  EXPECT_TRUE(recorder_.fills[0].maker);
  EXPECT_EQ(recorder_.fills[0].price, dec("59990.0"));
  EXPECT_EQ(recorder_.fills[0].fee, dec("2.3996"));  // 11998 × 0.0002
}

TEST_F(PaperBrokerTest, PostOnlyThatWouldTakeIsRefused) {
  std::optional<VenueResult<OrderState>> result;
  broker_->place(order(OrderSide::buy, OrderType::limit, "0.1", "60000.1", TimeInForce::post_only),
                 [&](VenueResult<OrderState> r) { result = r; });
  clock_.advance(10ms);
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().code, VenueErrc::post_only_would_take);
}

TEST_F(PaperBrokerTest, CancelQueryAndDuplicateClientIds) {
  std::vector<VenueResult<OrderState>> results;
  auto keep = [&](VenueResult<OrderState> r) { results.push_back(r); };
  broker_->place(order(OrderSide::sell, OrderType::limit, "0.1", "60100.0"), keep);
  broker_->place(order(OrderSide::sell, OrderType::limit, "0.1", "60200.0"), keep);  // same client id
  clock_.advance(10ms);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok());
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().code, VenueErrc::duplicate_client_id);

  std::optional<VenueResult<OrderState>> canceled, queried;
  broker_->cancel("BTC-USDT", "paper1", [&](VenueResult<OrderState> r) { canceled = r; });
  clock_.advance(10ms);
  ASSERT_TRUE(canceled && canceled->ok());
  EXPECT_EQ(canceled->value().status, OrderStatus::canceled);
  broker_->query_order("BTC-USDT", "paper1", [&](VenueResult<OrderState> r) { queried = r; });
  clock_.advance(10ms);
  ASSERT_TRUE(queried && queried->ok()) << "closed orders stay queryable by client id";
  EXPECT_EQ(queried->value().status, OrderStatus::canceled);
}

TEST_F(PaperBrokerTest, CancelAllAndBalancesAndNothingRunsAfterStop) {
  int fired = 0;
  broker_->place(order(OrderSide::sell, OrderType::limit, "0.1", "60100.0", TimeInForce::gtc, "a1"), [&](auto) { ++fired; });
  broker_->place(order(OrderSide::sell, OrderType::limit, "0.1", "60100.0", TimeInForce::gtc, "a2"), [&](auto) { ++fired; });
  clock_.advance(10ms);
  std::optional<VenueResult<int>> count;
  broker_->cancel_all("BTC-USDT", [&](VenueResult<int> r) { count = r; });
  clock_.advance(10ms);
  ASSERT_TRUE(count && count->ok());
  EXPECT_EQ(count->value(), 2);
  std::optional<VenueResult<std::vector<Balance>>> balances;
  broker_->balances([&](VenueResult<std::vector<Balance>> r) { balances = r; });
  clock_.advance(10ms);
  ASSERT_TRUE(balances && balances->ok());
  ASSERT_FALSE(balances->value().empty());
  EXPECT_EQ(balances->value()[0].wallet, dec("100000"));

  broker_->place(order(OrderSide::buy, OrderType::market, "0.1", nullptr, TimeInForce::gtc, "late"), [&](auto) { ++fired; });
  broker_->stop();
  clock_.advance(1s);
  EXPECT_EQ(fired, 2) << "no callback after stop()";
}

// ---- the twin: no market of its own, fed the venue's books --------------------------

md::OrderBook five_levels(const md::InstrumentSpec& spec, std::int64_t bid, std::int64_t ask, MonoTime at) {
  md::OrderBook book(spec);
  std::vector<md::BookLevel> bids, asks;
  for (int i = 0; i < 5; ++i) {
    bids.push_back({bid - i, 1000});
    asks.push_back({ask + i, 1000});
  }
  book.apply_snapshot(bids, asks, 1, at);
  return book;
}

TEST(PaperTwinTest, ATwinMatchesAgainstTheBooksItIsFedAndAnswersUnderTheVenuesId) {
  SimClock clock;
  const md::InstrumentSpec spec{"BINANCE", "BTC-USDT", "PERP", 0.1, 0.001, 5.0};
  PaperBrokerOptions options;
  options.order_latency = 5ms;
  PaperBroker twin("BINANCE", {spec}, clock, options);
  Recorder recorder;
  twin.start(recorder, recorder);
  EXPECT_EQ(twin.id(), "BINANCE");
  twin.feed(five_levels(spec, 600'000, 600'001, clock.now()));
  EXPECT_EQ(recorder.books, 0) << "a twin passes no market data on";

  OrderRequest buy;
  buy.symbol = "BTC-USDT";
  buy.side = OrderSide::buy;
  buy.type = OrderType::limit;
  buy.time_in_force = TimeInForce::ioc;
  buy.quantity = dec("0.5");
  buy.price = dec("60000.5");
  buy.client_order_id = "pb-twin-1";
  std::optional<VenueResult<OrderState>> result;
  twin.place(buy, [&](VenueResult<OrderState> r) { result = r; });
  clock.advance(5ms);
  ASSERT_TRUE(result && result->ok());
  EXPECT_EQ(result->value().status, OrderStatus::filled);
  ASSERT_EQ(recorder.fills.size(), 1u);
  EXPECT_EQ(recorder.fills[0].price, dec("60000.1"));
  EXPECT_EQ(recorder.fills[0].client_order_id, "pb-twin-1");
  // Its ids can never be the venue's: a fill journal keyed by (venue, trade id) keeps both.
  EXPECT_EQ(recorder.fills[0].trade_id.rfind(PaperBroker::kTwinIdPrefix, 0), 0u) << recorder.fills[0].trade_id;
  EXPECT_EQ(recorder.fills[0].venue_order_id.rfind(PaperBroker::kTwinIdPrefix, 0), 0u);
  EXPECT_EQ(result->value().venue_order_id.rfind(PaperBroker::kTwinIdPrefix, 0), 0u);

  // A resting sell fills as a maker when a fed book crosses it.
  OrderRequest sell = buy;
  sell.side = OrderSide::sell;
  sell.time_in_force = TimeInForce::gtc;
  sell.price = dec("60005.0");
  sell.client_order_id = "pb-twin-2";
  EXPECT_FALSE(twin.has_open_orders());
  twin.place(sell, [](VenueResult<OrderState>) {});
  clock.advance(5ms);
  ASSERT_EQ(recorder.fills.size(), 1u);
  EXPECT_TRUE(twin.has_open_orders()) << "it rests: the twin must keep seeing books";
  twin.feed(five_levels(spec, 600'060, 600'061, clock.now()));
  ASSERT_EQ(recorder.fills.size(), 2u);
  EXPECT_FALSE(twin.has_open_orders());
  EXPECT_TRUE(recorder.fills[1].maker);
  EXPECT_EQ(recorder.fills[1].client_order_id, "pb-twin-2");
}

TEST(PaperTwinTest, ABookOfAnInstrumentTheTwinWasNotGivenAddsIt) {
  SimClock clock;
  PaperBroker twin("OKX", {}, clock, PaperBrokerOptions{});
  Recorder recorder;
  twin.start(recorder, recorder);
  const md::InstrumentSpec spec{"OKX", "ETH-USDT", "PERP", 0.01, 0.01, 5.0};
  twin.feed(five_levels(spec, 300'000, 300'001, clock.now()));
  OrderRequest buy;
  buy.symbol = "ETH-USDT";
  buy.side = OrderSide::buy;
  buy.type = OrderType::market;
  buy.quantity = dec("0.1");
  buy.client_order_id = "pb-eth";
  std::optional<VenueResult<OrderState>> result;
  twin.place(buy, [&](VenueResult<OrderState> r) { result = r; });
  clock.advance(10ms);
  ASSERT_TRUE(result && result->ok()) << (result ? result->error().describe() : "no answer");
  ASSERT_EQ(recorder.fills.size(), 1u);
  EXPECT_EQ(recorder.fills[0].price, dec("3000.01"));
}

}  // namespace
}  // namespace propbot::venues::paper
