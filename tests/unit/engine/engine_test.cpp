// The real Engine driven synchronously: scripted venues publish books and funding, a
// SimClock fires the engine's timers, a scripted desk changes the mode, and a hot
// reload replaces a strategy mid-run. The same script run twice must hand the
// IntentSink the same intents, assessed the same way, in the same order — the seed of
// replay's determinism — and every stage of the path must show in what it saw.
#include "core/engine/engine.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/unit/engine/two_sim_venues.hpp"

namespace propbot::engine {
namespace {

namespace fs = std::filesystem;

Logger quiet() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

// A venue whose every book and funding update is pushed by the test.
class ScriptedVenue final : public venues::Venue {
 public:
  explicit ScriptedVenue(std::string id) : id_(std::move(id)) {
    md::InstrumentSpec spec;
    spec.venue = id_;
    spec.symbol = "BTC-USDT";
    spec.tick_size = 0.01;
    spec.lot_size = 0.01;
    instruments_.push_back(spec);
  }
  const std::string& id() const override { return id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override { return instruments_; }
  void start(venues::MarketDataListener& listener) override { market_ = &listener; }
  void start(venues::MarketDataListener& market, venues::PrivateListener& account) override {
    market_ = &market;
    account_ = &account;
    account.on_private_stream(true);
  }
  void stop() override {
    market_ = nullptr;
    account_ = nullptr;
    ++stops;
  }

  void publish(double bid, double ask, MonoTime now) {
    md::OrderBook book(instruments_.front());
    // 500 BTC a side: deep enough for any regime but liquidity_shock.
    const md::BookLevel bids[] = {{std::llround(bid * 100), 50'000}};
    const md::BookLevel asks[] = {{std::llround(ask * 100), 50'000}};
    book.apply_snapshot(bids, asks, ++sequence_, now);
    if (market_ != nullptr) market_->on_book(book);
  }
  void funding(double rate) {
    venues::FundingInfo info;
    info.symbol = "BTC-USDT";
    info.funding_rate = *Decimal::from_double(rate, 8);
    info.mark_price = Decimal::from_mantissa(100, 0);
    info.index_price = Decimal::from_mantissa(100, 0);
    if (market_ != nullptr) market_->on_funding(info);
  }
  bool private_stream_started() const { return account_ != nullptr; }
  int stops = 0;

  // Order entry is not part of this test: every call answers `rejected`.
  void place(const venues::OrderRequest&, venues::VenueCallback<venues::OrderState> done) override { done(refused()); }
  void place_batch(const std::vector<venues::OrderRequest>&,
                   venues::VenueCallback<std::vector<venues::VenueResult<venues::OrderState>>> done) override {
    done(refused());
  }
  void cancel(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override {
    done(refused());
  }
  void cancel_all(const std::string&, venues::VenueCallback<int> done) override { done(refused()); }
  void query_order(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override {
    done(refused());
  }
  void open_orders(const std::optional<std::string>&,
                   venues::VenueCallback<std::vector<venues::OrderState>> done) override {
    done(refused());
  }
  void positions(venues::VenueCallback<std::vector<venues::Position>> done) override { done(refused()); }
  void balances(venues::VenueCallback<std::vector<venues::Balance>> done) override { done(refused()); }
  void server_time(venues::VenueCallback<UtcTime> done) override { done(refused()); }
  bool supports_batch() const override { return false; }

 private:
  static venues::VenueError refused() { return venues::VenueError{venues::VenueErrc::rejected, "test", "scripted", 0, {}}; }
  std::string id_;
  std::vector<md::InstrumentSpec> instruments_;
  venues::MarketDataListener* market_ = nullptr;
  venues::PrivateListener* account_ = nullptr;
  std::uint64_t sequence_ = 0;
};

// The desk's mode as the test sets it; safety events are kept.
class ScriptedDesk final : public ControlPort {
 public:
  Mode mode() const override { return mode_; }
  bool safe_mode() const override { return false; }
  bool dry_run_mode() const override { return false; }
  control::ControlState state() const override {
    control::ControlState state;
    state.mode = mode_;
    state.reason = mode_ == Mode::hold ? "scripted hold" : "scripted resume";
    return state;
  }
  Result<control::ControlOutcome> safety_action(const control::SafetyEvent& event) override {
    events.push_back(event.component + ": " + event.summary);
    return control::ControlOutcome{};
  }
  Mode mode_ = Mode::hold;
  std::vector<std::string> events;
};

class RecordingSink final : public IntentSink {
 public:
  void on_intent(const Intent& intent, const PolicyOutcome& outcome, OpportunityStatus status) override {
    std::ostringstream line;
    line << intent.strategy << '|' << to_string(intent.kind) << '|' << intent.reason << '|' << to_string(outcome.verdict)
         << '|' << outcome.regime << '|' << outcome.sized_notional_usdt << '|' << to_string(status);
    lines.push_back(line.str());
  }
  std::vector<std::string> lines;
};

// Proposes a pair when B's bid is above A's ask, naming the edge, B's funding and how
// many books it has seen; a repeating timer proposes a single order on A.
std::string probe(const std::string& tag) {
  return "local M = { name = 'probe' }\n"
         "function M.migrate(old) return old end\n"
         "function M.on_start(ctx) ctx:set_timer('beat', 250, true) end\n"
         "function M.on_book(ctx, ev)\n"
         "  ctx.state.n = (ctx.state.n or 0) + 1\n"
         "  local a = ctx:book('SIM-A', ev.symbol)\n"
         "  local b = ctx:book('SIM-B', ev.symbol)\n"
         "  if not a or not b or b.bid <= a.ask then return end\n"
         "  local f = ctx:funding('SIM-B', ev.symbol)\n"
         "  ctx:propose{symbol = ev.symbol, long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 500,\n"
         "    long_price = a.ask, short_price = b.bid,\n"
         "    reason = string.format('" + tag + " n=%d edge=%.1f funding=%.6f', ctx.state.n,\n"
         "      (b.bid - a.ask) / a.ask * 1e4, f and f.rate or 0)}\n"
         "end\n"
         "function M.on_timer(ctx, name, now_ms)\n"
         "  ctx:propose{kind = 'single', symbol = 'BTC-USDT', venue = 'SIM-A', side = 'buy', price = 99,\n"
         "    notional_usdt = 50, reason = '" + tag + " beat ' .. now_ms}\n"
         "end\n"
         "return M\n";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bundle::Bundle bundle_with(const std::string& strategy) {
  bundle::Bundle::Files files;
  files.emplace("configs/paper.yaml", "profile: paper\n");
  files.emplace("strategies/probe.lua", strategy);
  for (const char* name : {"regime.lua", "policy_matrix.lua", "sizing.lua", "circuit_breakers.lua"}) {
    files.emplace(std::string("policies/") + name, read_text(fs::path(PROPBOT_SOURCE_DIR) / "policies" / name));
  }
  auto bundle = bundle::Bundle::from_files(std::move(files));
  EXPECT_TRUE(bundle.ok()) << bundle.error().describe();
  return *bundle;
}

config::Config test_config() {
  config::Config config = testing::two_sim_venues();
  config::StrategyConfig strategy;
  strategy.name = "probe";
  strategy.file = "strategies/probe.lua";
  config.strategies.push_back(strategy);
  config.engine.snapshot_interval_ms = 100;
  return config;
}

// What one run of the script saw.
struct ScriptRun {
  std::vector<std::string> intents;
  std::vector<std::string> safety_events;
  ReloadReport reload;
  std::shared_ptr<const EngineSnapshot> last;
  bool private_streams = false;
  int venue_stops = 0;
};

ScriptRun run_script() {
  SimClock clock;
  ScriptedVenue a("SIM-A"), b("SIM-B");
  ScriptedDesk desk;
  RecordingSink sink;
  SnapshotSlot slot;
  EngineSinks sinks;
  sinks.control = &desk;
  sinks.intents = &sink;
  ScriptRun run;
  {
    Engine engine(test_config(), clock, {&a, &b}, slot, sinks, quiet());
    const auto initial = bundle_with(probe("v1"));
    EXPECT_TRUE(engine.load(&initial, 1).ok());
    engine.start();
    run.private_streams = a.private_stream_started() && b.private_stream_started();
    for (int step = 0; step < 240; ++step) {
      clock.advance(std::chrono::milliseconds(25));
      // A wanders ±5 bp around 100 with a 2 bp spread; B's bid sits -2..10 bp above A's ask.
      const double mid = 100.0 + 0.01 * ((step * 7) % 11) - 0.05;
      const double edge = 0.01 * ((step * 5) % 13) - 0.02;
      a.publish(mid - 0.01, mid + 0.01, clock.now());
      b.publish(mid + 0.01 + edge, mid + 0.03 + edge, clock.now());
      if (step % 40 == 0) b.funding(0.0001 * (1 + step / 40));
      if (step == 80) desk.mode_ = Mode::resume;
      if (step == 160) {
        EngineBundle next{test_config(), bundle_with(probe("v2")), 2, {}};
        next.config.risk.max_notional_per_position_usdt = 10;  // a hot key: a cap below the sizes before it
        run.reload = engine.reload(next);
      }
    }
    clock.advance(std::chrono::milliseconds(100));  // one more snapshot tick
    run.last = engine.snapshot();
    engine.stop();
    engine.stop();  // idempotent
  }
  run.intents = sink.lines;
  run.safety_events = desk.events;
  run.venue_stops = a.stops + b.stops;
  return run;
}

std::size_t count_containing(const std::vector<std::string>& lines, const std::string& needle) {
  return static_cast<std::size_t>(
      std::count_if(lines.begin(), lines.end(), [&](const std::string& line) { return line.find(needle) != std::string::npos; }));
}

TEST(EngineTest, TheSameScriptGivesTheSameIntentsInTheSameOrder) {
  const ScriptRun first = run_script();
  const ScriptRun second = run_script();
  ASSERT_FALSE(first.intents.empty());
  EXPECT_EQ(first.intents, second.intents);
  EXPECT_EQ(first.safety_events, second.safety_events);
}

TEST(EngineTest, BooksFundingTimersReloadAndModeAllShowInWhatTheEngineDid) {
  const ScriptRun run = run_script();
  EXPECT_TRUE(run.private_streams) << "the engine starts the venues' private streams too";
  EXPECT_EQ(run.venue_stops, 2) << "stop() stops each venue once";

  // Books and funding reached the strategy through the engine's copy.
  EXPECT_GT(count_containing(run.intents, "probe|hedged_pair|v1 n="), 0u);
  EXPECT_GT(count_containing(run.intents, "funding=0.000100"), 0u);
  // The SimClock fired the strategy timers: 160 steps × 25 ms at 250 ms a beat before the reload.
  EXPECT_GE(count_containing(run.intents, "|single|v1 beat "), 15u);
  // HOLD gates everything until the desk resumes; then the policy decides.
  EXPECT_EQ(run.intents.front().substr(run.intents.front().rfind('|') + 1), "blocked_by_hold");
  EXPECT_GT(count_containing(run.intents, "|blocked_by_hold"), 0u);
  EXPECT_GT(count_containing(run.intents, "|blocked_by_policy"), 0u);
  EXPECT_GT(count_containing(run.intents, "|ok|"), 0u);
  EXPECT_GT(count_containing(run.intents, "|ready"), 0u);
  // The policy pipeline sized them under a regime (below_min_edge leaves the size).
  EXPECT_GT(count_containing(run.intents, "|below_min_edge|"), 0u);

  // The hot reload replaced the strategy; migrate carried its count over.
  ASSERT_TRUE(run.reload.applied) << (run.reload.errors.empty() ? "" : run.reload.errors.front().message);
  EXPECT_EQ(run.reload.replaced, std::vector<std::string>{"probe"});
  EXPECT_GT(count_containing(run.intents, "probe|hedged_pair|v2 n="), 0u);
  EXPECT_EQ(count_containing(run.intents, "v2 n=1 "), 0u) << "migrate kept ctx.state.n";
  EXPECT_GT(count_containing(run.intents, "v2 beat "), 0u) << "on_start of the new version set its timer";
  // The reload's tighter cap (a hot key) bounds the sizes after it, and it mattered:
  // sizes before the reload went above it (sizing.lua sees the cap as its headroom).
  bool after_reload = false;
  double largest_before = 0;
  for (const auto& line : run.intents) {
    if (line.find("|v2 ") != std::string::npos) after_reload = true;
    const auto fields_end = line.rfind('|');
    const double sized = std::stod(line.substr(line.rfind('|', fields_end - 1) + 1));
    if (!after_reload) {
      largest_before = std::max(largest_before, sized);
      continue;
    }
    EXPECT_LE(sized, 10.0) << line;
  }
  EXPECT_GT(largest_before, 10.0) << "the cap must be below what was sized before it";

  ASSERT_NE(run.last, nullptr);
  EXPECT_EQ(run.last->mode, Mode::resume);
  EXPECT_EQ(run.last->bundle_version, 2);
  EXPECT_EQ(run.last->reloads, 1u);
  EXPECT_EQ(run.last->book_events, 480u);
  EXPECT_EQ(run.last->books.size(), 2u);
  EXPECT_TRUE(run.last->policy.loaded);
  EXPECT_FALSE(run.last->opportunities.empty());
  // The scripted books jump further than a calm market: the shipped route breakers may
  // trip on them (and act: the governor degrades the strategy on the route). Nothing
  // else raises a safety event.
  for (const auto& event : run.safety_events) {
    EXPECT_EQ(event.rfind("risk_governor: circuit breaker route_", 0), 0u) << event;
  }
}

}  // namespace
}  // namespace propbot::engine

namespace propbot::engine {
namespace {

class RecordingHistory final : public MarketHistorySink {
 public:
  void on_market_sample(history::MarketSample sample) override { samples.push_back(std::move(sample)); }
  std::vector<history::MarketSample> samples;
};

// The loop hands the market-history sink one sample per market_history.interval_s,
// built after the snapshot tick from the engine's books; 0 switches it off.
std::vector<history::MarketSample> run_market_history(int interval_s) {
  SimClock clock;
  ScriptedVenue a("SIM-A"), b("SIM-B");
  SnapshotSlot slot;
  RecordingHistory history;
  EngineSinks sinks;
  sinks.market_history = &history;
  config::Config config = test_config();
  config.market_history.interval_s = interval_s;
  Engine engine(config, clock, {&a, &b}, slot, sinks, quiet());
  const auto initial = bundle_with(probe("v1"));
  EXPECT_TRUE(engine.load(&initial, 1).ok());
  engine.start();
  for (int step = 0; step < 122; ++step) {  // 3.05 s: snapshot ticks at 0.1 s … 3.0 s
    clock.advance(std::chrono::milliseconds(25));
    a.publish(99.99, 100.01, clock.now());
    b.publish(100.09, 100.11, clock.now());
  }
  engine.stop();
  return history.samples;
}

TEST(EngineTest, FeedsTheMarketHistoryOncePerInterval) {
  const auto samples = run_market_history(1);
  ASSERT_EQ(samples.size(), 3u);  // the ticks at 0.1 s, 1.1 s and 2.1 s
  const history::MarketSample& last = samples.back();
  EXPECT_EQ(last.ts - samples.front().ts, std::chrono::seconds(2));
  ASSERT_EQ(last.symbols.size(), 1u);
  const history::SymbolSample& btc = last.symbols.front();
  ASSERT_EQ(btc.venues.size(), 2u);
  EXPECT_DOUBLE_EQ(btc.venues[0].mid.value_or(0), 100.0);
  EXPECT_DOUBLE_EQ(btc.venues[1].mid.value_or(0), 100.1);
  EXPECT_EQ(btc.spread_pair, "SIM-B/SIM-A");
  EXPECT_NEAR(btc.spread_bps.value_or(0), 10.0, 1e-6);
  EXPECT_NEAR(btc.std_spread_bps.value_or(-1), 0.0, 1e-9);  // the same spread every time
  ASSERT_EQ(last.ws_gap_p95_ms.size(), 2u);
  EXPECT_DOUBLE_EQ(last.ws_gap_p95_ms[0].value, 25.0);  // a book every 25 ms
  EXPECT_TRUE(run_market_history(0).empty());
}

}  // namespace
}  // namespace propbot::engine
