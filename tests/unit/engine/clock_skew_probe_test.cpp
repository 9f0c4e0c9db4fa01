// ClockSkewProbe on a SimClock with venues whose server_time the test answers by hand:
// the first round at start(), the interval, one request in flight per venue, a failure
// logged and retried, slow answers dropped, stop() and destruction ignoring late
// answers, and an answer given inside the call.
#include "core/engine/clock_skew_probe.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <chrono>
#include <deque>
#include <sstream>
#include <utility>

namespace propbot::engine {
namespace {

using namespace std::chrono_literals;

// A venue that only tells time: every server_time() request waits in `pending` until
// the test answers it (or, with `answer_inline`, is answered inside the call).
class TimeVenue final : public venues::Venue {
 public:
  explicit TimeVenue(std::string id) : id_(std::move(id)) {}
  const std::string& id() const override { return id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override { return instruments_; }
  void start(venues::MarketDataListener&) override {}
  void start(venues::MarketDataListener&, venues::PrivateListener&) override {}
  void stop() override {}
  void place(const venues::OrderRequest&, venues::VenueCallback<venues::OrderState> done) override { done(unused()); }
  void place_batch(const std::vector<venues::OrderRequest>&,
                   venues::VenueCallback<std::vector<venues::VenueResult<venues::OrderState>>> done) override {
    done(unused());
  }
  void cancel(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override {
    done(unused());
  }
  void cancel_all(const std::string&, venues::VenueCallback<int> done) override { done(unused()); }
  void query_order(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override {
    done(unused());
  }
  void open_orders(const std::optional<std::string>&, venues::VenueCallback<std::vector<venues::OrderState>> done) override {
    done(unused());
  }
  void positions(venues::VenueCallback<std::vector<venues::Position>> done) override { done(unused()); }
  void balances(venues::VenueCallback<std::vector<venues::Balance>> done) override { done(unused()); }
  bool supports_batch() const override { return false; }

  void server_time(venues::VenueCallback<UtcTime> done) override {
    ++requests;
    if (answer_inline) return done(*answer_inline);
    pending.push_back(std::move(done));
  }

  // Answers the oldest request.
  void answer(venues::VenueResult<UtcTime> result) {
    ASSERT_FALSE(pending.empty());
    auto done = std::move(pending.front());
    pending.pop_front();
    done(std::move(result));
  }

  int requests = 0;
  std::deque<venues::VenueCallback<UtcTime>> pending;
  std::optional<UtcTime> answer_inline;

 private:
  static venues::VenueError unused() {
    return venues::VenueError{venues::VenueErrc::rejected, "UNUSED", "not part of this test", 0, std::nullopt};
  }
  std::string id_;
  std::vector<md::InstrumentSpec> instruments_;
};

class ClockSkewProbeTest : public ::testing::Test {
 protected:
  ClockSkewProbeTest() : log_sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_)) {}

  std::unique_ptr<ClockSkewProbe> make_probe(ClockSkewProbeOptions options = {}) {
    options.interval = 10s;
    LogOptions log_options;
    log_options.level = "warn";
    log_options.to_stderr = false;
    log_options.extra_sinks = {log_sink_};
    return std::make_unique<ClockSkewProbe>(
        clock_, std::vector<venues::Venue*>{&binance_, &okx_}, options, Logger::from_options(log_options),
        [this](const std::string& venue, double skew_ms) { measured_.emplace_back(venue, skew_ms); });
  }

  SimClock clock_;
  TimeVenue binance_{"BINANCE"};
  TimeVenue okx_{"OKX"};
  std::vector<std::pair<std::string, double>> measured_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink_;
};

TEST_F(ClockSkewProbeTest, FirstRoundAtStartThenEveryInterval) {
  auto probe = make_probe();
  EXPECT_EQ(binance_.requests, 0);
  probe->start();
  EXPECT_TRUE(probe->running());
  EXPECT_EQ(binance_.requests, 1);
  EXPECT_EQ(okx_.requests, 1);
  binance_.answer(clock_.utc());
  okx_.answer(clock_.utc());
  clock_.advance(10s - 1ms);
  EXPECT_EQ(binance_.requests, 1);
  clock_.advance(1ms);
  EXPECT_EQ(binance_.requests, 2);
  EXPECT_EQ(okx_.requests, 2);
}

TEST_F(ClockSkewProbeTest, RecordsTheSkewAtTheRoundTripMidpointAndReportsIt) {
  auto probe = make_probe();
  const UtcTime sent_at = clock_.utc();
  probe->start();
  clock_.advance(200ms);
  // The venue stamped its answer 3100 ms after our send: 100 ms of it is half the round
  // trip, 3000 ms is skew.
  binance_.answer(sent_at + 3100ms);
  okx_.answer(sent_at - 400ms);
  ASSERT_TRUE(probe->table().skew_ms("BINANCE"));
  EXPECT_DOUBLE_EQ(*probe->table().skew_ms("BINANCE"), 3000.0);
  EXPECT_DOUBLE_EQ(*probe->table().skew_ms("OKX"), -500.0);
  EXPECT_EQ(probe->table().last("BINANCE")->at, sent_at + 200ms);
  const std::vector<std::pair<std::string, double>> expected{{"BINANCE", 3000.0}, {"OKX", -500.0}};
  EXPECT_EQ(measured_, expected);
  EXPECT_EQ(probe->table().exceeds(1000), std::vector<std::string>{"BINANCE"});
}

TEST_F(ClockSkewProbeTest, AtMostOneRequestInFlightPerVenue) {
  auto probe = make_probe();
  probe->start();
  okx_.answer(clock_.utc());
  EXPECT_EQ(probe->in_flight(), 1u);
  clock_.advance(10s);
  EXPECT_EQ(binance_.requests, 1);  // still waiting: skipped this round
  EXPECT_EQ(okx_.requests, 2);
  binance_.answer(clock_.utc());
  clock_.advance(10s);
  EXPECT_EQ(binance_.requests, 2);
}

TEST_F(ClockSkewProbeTest, AFailureIsLoggedNotRecordedAndRetriedNextInterval) {
  auto probe = make_probe();
  probe->start();
  binance_.answer(venues::VenueError{venues::VenueErrc::network, "NOT_SENT", "connection refused", 0, std::nullopt});
  EXPECT_FALSE(probe->table().skew_ms("BINANCE"));
  EXPECT_TRUE(measured_.empty());
  EXPECT_NE(log_.str().find("clock_skew_probe_failed"), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find("BINANCE"), std::string::npos);
  EXPECT_EQ(probe->in_flight(), 1u);  // OKX only
  clock_.advance(10s);
  EXPECT_EQ(binance_.requests, 2);
  binance_.answer(clock_.utc() + 50ms);
  EXPECT_DOUBLE_EQ(*probe->table().skew_ms("BINANCE"), 50.0);
}

TEST_F(ClockSkewProbeTest, AnswersSlowerThanTheMaximumRoundTripAreDropped) {
  ClockSkewProbeOptions options;
  options.max_round_trip = 2s;
  auto probe = make_probe(options);
  probe->start();
  clock_.advance(2s);
  binance_.answer(clock_.utc());  // exactly the maximum: kept
  clock_.advance(1ms);
  okx_.answer(clock_.utc());      // just over: dropped
  EXPECT_TRUE(probe->table().skew_ms("BINANCE"));
  EXPECT_FALSE(probe->table().skew_ms("OKX"));
  EXPECT_NE(log_.str().find("clock_skew_probe_too_slow"), std::string::npos);
}

TEST_F(ClockSkewProbeTest, StopCancelsTheTimerAndIgnoresLateAnswers) {
  auto probe = make_probe();
  probe->start();
  binance_.answer(clock_.utc() + 10ms);
  probe->stop();
  EXPECT_FALSE(probe->running());
  EXPECT_EQ(clock_.pending_timers(), 0u);
  okx_.answer(clock_.utc() + 999ms);  // asked before stop()
  EXPECT_FALSE(probe->table().skew_ms("OKX"));
  EXPECT_EQ(measured_.size(), 1u);
  EXPECT_DOUBLE_EQ(*probe->table().skew_ms("BINANCE"), 10.0);  // kept
  clock_.advance(1min);
  EXPECT_EQ(binance_.requests, 1);
  // A restart asks again at once, even the venue whose old request was outstanding.
  okx_.requests = 0;
  okx_.pending.clear();
  probe->start();
  EXPECT_EQ(okx_.requests, 1);
}

TEST_F(ClockSkewProbeTest, AnswersAfterTheProbeIsGoneDoNothing) {
  auto probe = make_probe();
  probe->start();
  probe.reset();
  EXPECT_EQ(clock_.pending_timers(), 0u);
  binance_.answer(clock_.utc());
  EXPECT_TRUE(measured_.empty());
}

TEST_F(ClockSkewProbeTest, AnAnswerInsideTheCallIsMeasuredWithoutRoundTrip) {
  binance_.answer_inline = clock_.utc() + 1500ms;
  okx_.answer_inline = clock_.utc() - 20ms;
  auto probe = make_probe();
  probe->start();
  EXPECT_EQ(probe->in_flight(), 0u);
  EXPECT_DOUBLE_EQ(*probe->table().skew_ms("BINANCE"), 1500.0);
  EXPECT_DOUBLE_EQ(*probe->table().skew_ms("OKX"), -20.0);
  clock_.advance(10s);
  EXPECT_EQ(binance_.requests, 2);
}

TEST_F(ClockSkewProbeTest, RefusesAZeroInterval) {
  ClockSkewProbeOptions options;
  options.interval = Nanos{0};
  EXPECT_THROW(ClockSkewProbe(clock_, {&binance_}, options, Logger::from_options(LogOptions{}), {}),
               std::invalid_argument);
}

}  // namespace
}  // namespace propbot::engine
