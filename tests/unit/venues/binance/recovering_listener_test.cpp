// The venue-independent recovery of core/venues/common (SeenFills, RecoveringListener)
// against a scripted RecoverySource: every REST call is recorded and answered only when
// the test drains the queue, so the order of what reaches the caller can be checked
// exactly. Both adapters (Binance, OKX) put a RecoveringListener behind their stream.
#include "core/venues/common/recovering_listener.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/common/logging.hpp"
#include "core/venues/common/seen_fills.hpp"

namespace propbot::venues {
namespace {

using namespace std::chrono_literals;

Decimal D(const char* text) { return Decimal::parse(text).value(); }
UtcTime at_ms(std::int64_t ms) { return UtcTime{std::chrono::milliseconds(ms)}; }

Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

Fill fill(const std::string& trade_id, std::int64_t ts_ms, const std::string& client_id = "c1",
          const std::string& venue_id = "101") {
  Fill f;
  f.symbol = "BTC-USDT";
  f.trade_id = trade_id;
  f.client_order_id = client_id;
  f.venue_order_id = venue_id;
  f.quantity = D("0.01");
  f.price = D("50000");
  f.ts = at_ms(ts_ms);
  return f;
}

OrderState order(const std::string& client_id, OrderStatus status, const char* filled = "0",
                 const std::string& venue_id = "101") {
  OrderState o;
  o.symbol = "BTC-USDT";
  o.client_order_id = client_id;
  o.venue_order_id = venue_id;
  o.quantity = D("0.01");
  o.filled_quantity = D(filled);
  o.status = status;
  return o;
}

// Everything the caller hears, as short strings in arrival order.
class Downstream : public PrivateListener {
 public:
  void on_order_update(const OrderState& o) override {
    events.push_back("order " + o.client_order_id + " " + std::string(to_string(o.status)));
  }
  void on_fill(const Fill& f) override {
    events.push_back("fill " + f.trade_id + (f.client_order_id.empty() ? "" : " " + f.client_order_id));
  }
  void on_position(const Position& p) override { events.push_back("position " + p.symbol); }
  void on_balance(const Balance& b) override { events.push_back("balance " + b.asset); }
  void on_private_stream(bool connected) override { events.push_back(connected ? "up" : "down"); }

  std::vector<std::string> events;
};

// A RecoverySource whose calls wait in a queue until drain(); answers come from the
// maps below (set them before draining), failures from `fail_next`.
class ScriptedVenue {
 public:
  RecoverySource source() {
    RecoverySource s;
    s.fills_since = [this](const std::string& symbol, UtcTime since, VenueCallback<std::vector<Fill>> done) {
      calls.push_back("fills " + symbol + " " + std::to_string(to_unix_ms(since)));
      queue([this, symbol, done] {
        if (auto error = take_failure("fills")) return done(*error);
        done(fills[symbol]);
      });
    };
    s.open_orders = [this](const std::string& symbol, VenueCallback<std::vector<OrderState>> done) {
      calls.push_back("open " + symbol);
      queue([this, symbol, done] {
        if (auto error = take_failure("open")) return done(*error);
        done(open[symbol]);
      });
    };
    s.query_order = [this](const std::string& symbol, const std::string& client_id, VenueCallback<OrderState> done) {
      calls.push_back("query " + client_id);
      queue([this, client_id, done] {
        auto it = queried.find(client_id);
        if (it == queried.end()) return done(VenueError{VenueErrc::unknown_order, "-2013", "", 400, std::nullopt});
        done(it->second);
      });
      (void)symbol;
    };
    s.order_by_venue_id = [this](const std::string&, const std::string& venue_id, VenueCallback<OrderState> done) {
      calls.push_back("by_id " + venue_id);
      queue([this, venue_id, done] {
        auto it = by_venue_id.find(venue_id);
        if (it == by_venue_id.end()) return done(VenueError{VenueErrc::unknown_order, "-2013", "", 400, std::nullopt});
        done(it->second);
      });
    };
    s.positions = [this](VenueCallback<std::vector<Position>> done) {
      calls.push_back("positions");
      queue([done] {
        Position p;
        p.symbol = "BTC-USDT";
        p.quantity = D("0.01");
        done(std::vector<Position>{p});
      });
    };
    s.balances = [this](VenueCallback<std::vector<Balance>> done) {
      calls.push_back("balances");
      queue([done] { done(std::vector<Balance>{Balance{"USDT", D("100"), D("90"), {}}}); });
    };
    s.call_after = [this](std::chrono::milliseconds delay, std::function<void()> fn) {
      timer_delays.push_back(delay);
      timers.push_back(std::move(fn));
    };
    s.venue_time = [this] { return now; };
    return s;
  }

  // Answers every queued call, including the ones those answers cause.
  void drain() {
    while (!pending.empty()) {
      auto next = std::move(pending.front());
      pending.pop_front();
      next();
    }
  }
  void fire_timers() {
    auto due = std::move(timers);
    timers.clear();
    for (auto& fn : due) fn();
  }

  std::map<std::string, std::vector<Fill>> fills;
  std::map<std::string, std::vector<OrderState>> open;
  std::map<std::string, OrderState> queried;
  std::map<std::string, OrderState> by_venue_id;
  std::map<std::string, VenueError> fail_next;  // step → error, once
  std::vector<std::string> calls;
  std::deque<std::function<void()>> pending;
  std::vector<std::function<void()>> timers;
  std::vector<std::chrono::milliseconds> timer_delays;
  UtcTime now = at_ms(1'000'000);

 private:
  void queue(std::function<void()> fn) { pending.push_back(std::move(fn)); }
  std::optional<VenueError> take_failure(const std::string& step) {
    auto it = fail_next.find(step);
    if (it == fail_next.end()) return std::nullopt;
    VenueError error = it->second;
    fail_next.erase(it);
    return error;
  }
};

class RecoveringListenerTest : public ::testing::Test {
 protected:
  RecoveringListenerTest() : listener_(venue_.source(), options(), quiet_logger()) { listener_.start(caller_); }

  static RecoveryOptions options() {
    RecoveryOptions o;
    o.symbols = {"BTC-USDT"};
    return o;
  }
  // First connection, then a drop; the caller has seen up, down.
  void connect_then_drop() {
    listener_.on_private_stream(true);
    listener_.on_private_stream(false);
  }

  ScriptedVenue venue_;
  Downstream caller_;
  RecoveringListener listener_;
};

TEST(SeenFillsTest, RemembersEachSymbolAndTradeIdOnce) {
  SeenFills seen(3);
  EXPECT_TRUE(seen.insert("BTC-USDT", "1"));
  EXPECT_FALSE(seen.insert("BTC-USDT", "1"));
  EXPECT_TRUE(seen.insert("ETH-USDT", "1")) << "trade ids are per symbol";
  EXPECT_TRUE(seen.contains("BTC-USDT", "1"));
  EXPECT_FALSE(seen.contains("BTC-USDT", "2"));
}

TEST(SeenFillsTest, ForgetsTheOldestBeyondItsCapacity) {
  SeenFills seen(2);
  EXPECT_TRUE(seen.insert("BTC-USDT", "1"));
  EXPECT_TRUE(seen.insert("BTC-USDT", "2"));
  EXPECT_TRUE(seen.insert("BTC-USDT", "3"));
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen.contains("BTC-USDT", "1"));
  EXPECT_FALSE(seen.insert("BTC-USDT", "3"));
  EXPECT_TRUE(seen.insert("BTC-USDT", "1")) << "forgotten, so new again";
}

TEST(SeenFillsTest, NeverMatchesAnEmptyTradeId) {
  SeenFills seen(4);
  EXPECT_TRUE(seen.insert("BTC-USDT", ""));
  EXPECT_TRUE(seen.insert("BTC-USDT", ""));
  EXPECT_EQ(seen.size(), 0u);
}

TEST_F(RecoveringListenerTest, ReportsTheFirstConnectionAtOnceWithoutRecovering) {
  listener_.on_private_stream(true);
  EXPECT_EQ(caller_.events, (std::vector<std::string>{"up"}));
  EXPECT_TRUE(venue_.calls.empty());
  EXPECT_TRUE(listener_.connected());
}

TEST_F(RecoveringListenerTest, RecoversFillsOrdersPositionsAndBalancesBeforeReportingUp) {
  listener_.on_private_stream(true);
  listener_.on_order_update(order("c1", OrderStatus::new_order));
  listener_.on_fill(fill("7", 2'000'000));  // live, before the drop
  listener_.on_private_stream(false);
  // While down: two more fills of c1 (sent newest first, as OKX does) and the one
  // already delivered (inside the 5 s margin).
  venue_.fills["BTC-USDT"] = {fill("9", 2'000'300), fill("8", 2'000'200), fill("7", 2'000'000)};
  venue_.queried["c1"] = order("c1", OrderStatus::filled, "0.03");
  caller_.events.clear();

  listener_.on_private_stream(true);
  EXPECT_TRUE(caller_.events.empty()) << "nothing before the recovery ran";
  EXPECT_FALSE(listener_.connected());
  venue_.drain();

  EXPECT_EQ(caller_.events, (std::vector<std::string>{"fill 8 c1", "fill 9 c1", "order c1 filled",
                                                       "position BTC-USDT", "balance USDT", "up"}));
  // since = the last fill delivered (2 000 000 ms) − 5 s.
  EXPECT_EQ(venue_.calls, (std::vector<std::string>{"fills BTC-USDT 1995000", "open BTC-USDT", "query c1",
                                                    "positions", "balances"}));
  EXPECT_TRUE(listener_.connected());
  EXPECT_EQ(listener_.recovered_fills(), 2u);
  EXPECT_EQ(listener_.recoveries(), 1u);
}

TEST_F(RecoveringListenerTest, RecoversSinceStartWhenNoFillWasDelivered) {
  connect_then_drop();
  listener_.on_private_stream(true);
  ASSERT_FALSE(venue_.calls.empty());
  EXPECT_EQ(venue_.calls[0], "fills BTC-USDT 1000000");
}

TEST_F(RecoveringListenerTest, AFillSeenLiveAndByRestIsDeliveredOnce) {
  connect_then_drop();
  listener_.on_private_stream(true);  // recovery asks for fills; the answer is still queued
  listener_.on_fill(fill("11", 2'000'000));  // the stream delivers it first
  venue_.fills["BTC-USDT"] = {fill("11", 2'000'000), fill("12", 2'000'100)};
  venue_.queried["c1"] = order("c1", OrderStatus::filled, "0.02");
  venue_.drain();
  int elevens = 0;
  for (const auto& event : caller_.events) elevens += event == "fill 11 c1" ? 1 : 0;
  EXPECT_EQ(elevens, 1);
  EXPECT_EQ(listener_.duplicate_fills(), 1u);
  EXPECT_EQ(caller_.events.back(), "up");

  // And a live repeat after the recovery is dropped too.
  listener_.on_fill(fill("12", 2'000'100));
  EXPECT_EQ(caller_.events.back(), "up");
}

TEST_F(RecoveringListenerTest, AFailedRequestIsRetriedWithBackoffAndTheStreamStaysDown) {
  connect_then_drop();
  venue_.fail_next["fills"] = VenueError{VenueErrc::network, "OUTCOME_UNKNOWN", "reset", 0, std::nullopt};
  venue_.fills["BTC-USDT"] = {fill("21", 1'500'000)};
  venue_.queried["c1"] = order("c1", OrderStatus::filled, "0.01");
  caller_.events.clear();
  listener_.on_private_stream(true);
  venue_.drain();
  EXPECT_TRUE(caller_.events.empty()) << "a failed recovery must not report the stream up";
  EXPECT_FALSE(listener_.connected());
  EXPECT_EQ(listener_.failed_attempts(), 1u);
  ASSERT_EQ(venue_.timers.size(), 1u);
  EXPECT_EQ(venue_.timer_delays[0], 500ms);

  venue_.fail_next["open"] = VenueError{VenueErrc::rate_limited, "HTTP 429", "", 429, std::chrono::milliseconds(3000)};
  venue_.fire_timers();
  venue_.drain();
  EXPECT_EQ(listener_.failed_attempts(), 2u);
  ASSERT_EQ(venue_.timers.size(), 1u);
  EXPECT_EQ(venue_.timer_delays[1], 3000ms) << "retry_after wins over the backoff when longer";
  EXPECT_FALSE(listener_.connected());

  venue_.fire_timers();
  venue_.drain();
  EXPECT_TRUE(listener_.connected());
  EXPECT_EQ(caller_.events, (std::vector<std::string>{"fill 21 c1", "order c1 filled", "position BTC-USDT",
                                                       "balance USDT", "up"}))
      << "the fill delivered by the failed second attempt is not repeated by the third";
}

TEST_F(RecoveringListenerTest, ADropDuringRecoveryAbandonsItSilently) {
  connect_then_drop();
  venue_.fills["BTC-USDT"] = {fill("31", 1'500'000)};
  caller_.events.clear();
  listener_.on_private_stream(true);
  listener_.on_private_stream(false);  // before any answer
  venue_.drain();
  EXPECT_TRUE(caller_.events.empty()) << "no second 'down' and nothing from the abandoned attempt";
  EXPECT_FALSE(listener_.recovering());

  listener_.on_private_stream(true);  // next connection starts over
  venue_.queried["c1"] = order("c1", OrderStatus::filled, "0.01");
  venue_.drain();
  EXPECT_EQ(caller_.events.front(), "fill 31 c1");
  EXPECT_EQ(caller_.events.back(), "up");
}

TEST_F(RecoveringListenerTest, OrdersKnownOpenAreQueriedWhenTheListNoLongerShowsThem) {
  listener_.on_private_stream(true);
  listener_.on_order_update(order("rest1", OrderStatus::new_order, "0", "201"));   // open, live
  listener_.on_order_update(order("rest2", OrderStatus::new_order, "0", "202"));   // still open later
  listener_.on_private_stream(false);
  listener_.note_placed(order("placed1", OrderStatus::new_order, "0", "203"));     // placed while down
  venue_.open["BTC-USDT"] = {order("rest2", OrderStatus::new_order, "0", "202"),
                             order("placed1", OrderStatus::partially_filled, "0.005", "203")};
  venue_.queried["rest1"] = order("rest1", OrderStatus::canceled, "0", "201");
  caller_.events.clear();
  listener_.on_private_stream(true);
  venue_.drain();
  EXPECT_EQ(caller_.events, (std::vector<std::string>{"order placed1 partially_filled", "order rest1 canceled",
                                                       "position BTC-USDT", "balance USDT", "up"}))
      << "rest2 is unchanged: not repeated";
  EXPECT_EQ(venue_.calls, (std::vector<std::string>{"fills BTC-USDT 1000000", "open BTC-USDT", "query rest1",
                                                    "positions", "balances"}));
}

TEST_F(RecoveringListenerTest, NeverReportsAnOrderBackFromAFinalState) {
  listener_.on_private_stream(true);
  listener_.on_order_update(order("c9", OrderStatus::new_order));
  listener_.on_private_stream(false);
  listener_.on_private_stream(true);
  // The live stream says filled while the REST listing (older) still shows it open.
  listener_.on_order_update(order("c9", OrderStatus::filled, "0.01"));
  venue_.open["BTC-USDT"] = {order("c9", OrderStatus::new_order)};
  venue_.drain();
  int updates = 0;
  for (const auto& event : caller_.events) updates += event.rfind("order c9", 0) == 0 ? 1 : 0;
  EXPECT_EQ(updates, 2) << "new, then filled; the stale listing is not delivered";
}

TEST_F(RecoveringListenerTest, ResolvesAMissingClientOrderIdFromTheOrdersItSawOrByVenueId) {
  listener_.on_private_stream(true);
  listener_.note_placed(order("known1", OrderStatus::filled, "0.01", "301"));
  listener_.on_private_stream(false);
  venue_.fills["BTC-USDT"] = {fill("41", 1'100'000, "", "301"), fill("42", 1'200'000, "", "302")};
  venue_.by_venue_id["302"] = order("other2", OrderStatus::filled, "0.01", "302");
  venue_.queried["known1"] = order("known1", OrderStatus::filled, "0.01", "301");
  venue_.queried["other2"] = order("other2", OrderStatus::filled, "0.01", "302");
  caller_.events.clear();
  listener_.on_private_stream(true);
  venue_.drain();
  ASSERT_GE(caller_.events.size(), 2u);
  EXPECT_EQ(caller_.events[0], "fill 41 known1");
  EXPECT_EQ(caller_.events[1], "fill 42 other2");
  EXPECT_EQ(venue_.calls[1], "by_id 302") << "one lookup, only for the order it never saw";
}

TEST_F(RecoveringListenerTest, StopDuringRecoveryDeliversNothingMore) {
  connect_then_drop();
  venue_.fills["BTC-USDT"] = {fill("51", 1'500'000)};
  caller_.events.clear();
  listener_.on_private_stream(true);
  listener_.stop();
  venue_.drain();
  venue_.fire_timers();
  EXPECT_TRUE(caller_.events.empty());
  listener_.on_fill(fill("52", 1'600'000));
  EXPECT_TRUE(caller_.events.empty());
}

}  // namespace
}  // namespace propbot::venues
