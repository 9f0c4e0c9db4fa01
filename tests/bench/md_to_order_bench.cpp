// SPEC S-13 `md_to_order_us` (issue 12): from a depth frame to the signed order bytes
// handed to the socket, journal record included. One event, timed with steady_clock:
//   1. parse + apply: one Binance depth-diff frame → BinanceBookSync's 1000-level book,
//      and its observation in the FeatureTracker            (book_to_intent_path.hpp)
//   2. strategy: the shipped cross_exchange_arb.on_book (interpreter, count hook)
//   3. policy: both legs' features and PolicyPipeline::decide (shipped policies/*.lua)
//   4. executor: the real exec::Executor::submit(intent, sized notional) — the checks
//      (recon, intake, mode, runaway breaker, books, the router's book walks, both legs'
//      rules), the plan, and the journal: the real SqliteJournal (outbox in a scratch
//      directory, JournalFsync::batch, its writer thread group-committing to SQLite)
//      records `intent` for both legs, then `new` and `sent` for leg A — four
//      record() calls, each one write(2) to the outbox — before it calls place(A);
//   5. signing: place(A) on BINANCE builds the order's parameters with the Binance
//      adapter's own binance::order_params (newOrderRespType=RESULT, values on the
//      instrument's grid), signs them with binance::RequestSigner (HMAC-SHA256,
//      recvWindow + timestamp + signature) exactly as RestClient::transmit does, and
//      frames the HTTP/1.1 request (request line, Host, X-MBX-APIKEY, Content-Type,
//      Content-Length, the form body) into a reused buffer. The clock stops there:
//      those bytes are what the adapter would write to the TLS stream.
// Not inside the timing: the RateGovernor's admission of the request (RestClient::send)
// and TLS encryption / the write itself (no network here); the opportunity board and the
// intent sink of the engine (bookkeeping beside the path); the rest of submit() after
// place() returned (the route decisions are audited once A is out).
//
// Then, outside the timing, the venues answer: leg A filled (the executor sends leg B to
// SIM-A at once — B is signed the same way, untimed), B filled, the trade ends hedged,
// and the simulated clock moves on by the pace. Both venues are this file's
// SigningVenue: nothing is sent anywhere. Leg A is BINANCE because its top of book is
// the thinner one (SIM-A levels hold 1000 BTC).
//
// BM_MdToOrder/pace_us:<µs>/sleep:<0|1>: one event (→ one signed leg-A order) at most
// every pace_us of wall time (items_per_second says the rate reached), waiting asleep
// (sleep:1) or spinning (sleep:0) outside the samples, so the journal's writer keeps up
// as it would in service (~10 records per trade; 1000 µs: ≤ 10,000 records/s). Counters: p50/p90/
// p99/p999/max of the whole path (LatencyHistogram, ns) and the p50 of each stage
// (parse_apply, strategy, policy, executor_journal = submit() up to place(A), of which
// journal = the four record() calls, sign = place(A) to the framed bytes), orders per
// event (must be 1), and cpu_p50/cpu_p99: the same path in the thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID), which leaves out the time the core was given to other
// processes — on a loaded machine, the closer reading of what the path itself costs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/common/latency_histogram.hpp"
#include "core/exec/executor.hpp"
#include "core/exec/sqlite_journal.hpp"
#include "core/venues/binance/messages.hpp"
#include "core/venues/binance/signing.hpp"
#include "tests/bench/book_to_intent_path.hpp"
#include "tests/bench/scratch_dir.hpp"

namespace {

using namespace propbot;
using WallClock = std::chrono::steady_clock;

Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

using bench::ScratchDir;

Decimal dec(const char* text) { return *Decimal::parse(text); }

// CPU time of the calling thread: what the path costs without the time the scheduler
// gave the core to someone else (a clock_gettime system call, ~0.3 µs, half of it inside
// each sample).
std::int64_t thread_cpu_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// A venue whose place() does what the Binance adapter does up to the socket (see the
// header) and holds the reply; every other call answers at once from what it placed.
class SigningVenue final : public venues::Venue {
 public:
  explicit SigningVenue(std::string id)
      : id_(std::move(id)), signer_(kSecret, 5000) {
    instrument_.symbol = "BTC-USDT";
    instrument_.venue_symbol = "BTCUSDT";
    instrument_.stream_symbol = "btcusdt";
    instrument_.tick_size = dec("0.1");
    instrument_.step_size = dec("0.001");
    instrument_.min_qty = dec("0.001");
    instrument_.min_notional = dec("5");
    instrument_.spec = {id_, "BTC-USDT", "PERP", 0.1, 0.001, 5.0};
    instruments_.push_back(instrument_.spec);
    wire_.reserve(1024);
  }
  const std::string& id() const override { return id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override { return instruments_; }
  void start(venues::MarketDataListener&) override {}
  void start(venues::MarketDataListener&, venues::PrivateListener&) override {}
  void stop() override {}

  void place(const venues::OrderRequest& request, venues::VenueCallback<venues::OrderState> done) override {
    entered_at = WallClock::now();
    auto params = venues::binance::order_params(request, instrument_);
    if (!params) {
      error = params.error().message;
      done(venues::VenueError{venues::VenueErrc::rejected, "LOCAL", error, 0, {}});
      return;
    }
    const std::string body = signer_.sign_params(*params, to_unix_ms(utc_now()));
    wire_.clear();
    wire_ += "POST /fapi/v1/order HTTP/1.1\r\nHost: fapi.binance.com\r\nX-MBX-APIKEY: ";
    wire_ += kApiKey;
    wire_ += "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ";
    wire_ += std::to_string(body.size());
    wire_ += "\r\n\r\n";
    wire_ += body;
    handed_at = WallClock::now();
    handed_cpu_ns = thread_cpu_ns();
    benchmark::DoNotOptimize(wire_.data());
    ++placed;
    venues::OrderState state;
    state.symbol = request.symbol;
    state.client_order_id = request.client_order_id;
    state.venue_order_id = id_ + "-" + std::to_string(placed);
    state.side = request.side;
    state.type = request.type;
    state.time_in_force = request.time_in_force;
    state.price = request.price;
    state.quantity = request.quantity;
    state.reduce_only = request.reduce_only;
    state.status = venues::OrderStatus::new_order;
    held_.push_back({std::move(state), std::move(done)});
  }
  // Answers every held order: filled completely at its limit.
  void fill_held() {
    auto held = std::move(held_);
    held_.clear();
    for (auto& [state, done] : held) {
      state.status = venues::OrderStatus::filled;
      state.filled_quantity = state.quantity;
      state.average_price = state.price ? *state.price : Decimal();
      done(state);
    }
  }
  // The last request framed is what the venue would accept: its signature verifies
  // under the secret, over the body as sent.
  bool last_request_verifies() const {
    const std::size_t body_at = wire_.find("\r\n\r\n");
    if (body_at == std::string::npos) return false;
    auto parts = venues::binance::split_signature("", std::string_view(wire_).substr(body_at + 4));
    return parts && venues::binance::verify_signature(kSecret, parts->total_params, parts->signature) &&
           parts->total_params.find("symbol=BTCUSDT&side=") == 0;
  }

  void place_batch(const std::vector<venues::OrderRequest>&,
                   venues::VenueCallback<std::vector<venues::VenueResult<venues::OrderState>>> done) override {
    done(venues::VenueError{venues::VenueErrc::rejected, "LOCAL", "no batch here", 0, {}});
  }
  void cancel(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override {
    done(venues::VenueError{venues::VenueErrc::unknown_order, "-2011", "Unknown order sent.", 400, {}});
  }
  void cancel_all(const std::string&, venues::VenueCallback<int> done) override { done(0); }
  void query_order(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override {
    done(venues::VenueError{venues::VenueErrc::unknown_order, "-2013", "Order does not exist.", 400, {}});
  }
  void open_orders(const std::optional<std::string>&, venues::VenueCallback<std::vector<venues::OrderState>> done) override {
    done(std::vector<venues::OrderState>{});
  }
  void positions(venues::VenueCallback<std::vector<venues::Position>> done) override {
    done(std::vector<venues::Position>{});
  }
  void balances(venues::VenueCallback<std::vector<venues::Balance>> done) override {
    done(std::vector<venues::Balance>{});
  }
  void server_time(venues::VenueCallback<UtcTime> done) override { done(UtcTime{}); }
  void fills_since(const std::string&, UtcTime, venues::VenueCallback<std::vector<venues::Fill>> done) override {
    done(std::vector<venues::Fill>{});
  }
  bool supports_batch() const override { return false; }

  void set_utc(std::function<UtcTime()> utc) { utc_now_ = std::move(utc); }

  WallClock::time_point entered_at{}, handed_at{};
  std::int64_t handed_cpu_ns = 0;
  std::uint64_t placed = 0;
  std::string error;

 private:
  static constexpr const char* kApiKey = "bench-api-key-0123456789abcdef0123456789abcdef0123456789abcdef";
  static constexpr const char* kSecret = "bench-secret-0123456789abcdef0123456789abcdef0123456789abcdef";
  UtcTime utc_now() const { return utc_now_ ? utc_now_() : UtcTime{}; }

  std::string id_;
  venues::binance::BinanceInstrument instrument_;
  std::vector<md::InstrumentSpec> instruments_;
  venues::binance::RequestSigner signer_;
  std::string wire_;
  std::vector<std::pair<venues::OrderState, venues::VenueCallback<venues::OrderState>>> held_;
  std::function<UtcTime()> utc_now_;
};

// The SqliteJournal, with the time the driving thread spends in record() summed (the
// journal's share of the executor stage).
class TimedJournal final : public exec::Journal {
 public:
  explicit TimedJournal(exec::Journal& inner) : inner_(inner) {}
  Result<exec::RecordOutcome> record(exec::OrderEntry& entry) override {
    const auto started = WallClock::now();
    auto outcome = inner_.record(entry);
    spent_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(WallClock::now() - started).count();
    ++records;
    return outcome;
  }
  Result<exec::RecordOutcome> record_fill(exec::FillEntry& fill) override { return inner_.record_fill(fill); }
  std::vector<exec::OrderEntry> unfinished() const override { return inner_.unfinished(); }
  std::optional<exec::OrderEntry> last(std::string_view venue, std::string_view coid) const override {
    return inner_.last(venue, coid);
  }
  std::vector<exec::OrderEntry> orders_of(std::uint64_t id) const override { return inner_.orders_of(id); }
  std::vector<exec::OrderEntry> events_of(std::uint64_t id) const override { return inner_.events_of(id); }
  std::vector<exec::FillEntry> fills() const override { return inner_.fills(); }
  std::optional<exec::OrderEntry> by_venue_order_id(std::string_view venue, std::string_view id) const override {
    return inner_.by_venue_order_id(venue, id);
  }
  std::optional<int> last_attempt(std::uint64_t id, exec::Leg leg) const override {
    return inner_.last_attempt(id, leg);
  }
  std::uint64_t max_intent_id() const override { return inner_.max_intent_id(); }
  exec::JournalStats stats() const override { return inner_.stats(); }

  std::int64_t spent_ns = 0;
  std::uint64_t records = 0;

 private:
  exec::Journal& inner_;
};

class BenchDesk final : public exec::ExecutionDesk {
 public:
  Mode mode() const override { return Mode::resume; }
  bool dry_run_mode() const override { return false; }
  void safety_action(IncidentCode, const std::string&, const std::string& summary) override { incident = summary; }
  void audit(const std::string&, const nlohmann::json&) override {}
  void recon_finished(bool is_clean, const std::string&) override {
    finished = true;
    clean = is_clean;
  }
  std::string incident;
  bool finished = false, clean = false;
};

class BenchMarket final : public exec::MarketLookup {
 public:
  explicit BenchMarket(const scripting::MarketView& view) : view_(view) {}
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    return view_.book(venue, symbol);
  }

 private:
  const scripting::MarketView& view_;
};

std::int64_t ns_between(WallClock::time_point from, WallClock::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

void BM_MdToOrder(benchmark::State& state) {
  const auto pace = std::chrono::microseconds(state.range(0));
  const bool sleep_between = state.range(1) != 0;
  SimClock clock;
  auto loaded = bench::BookToIntentPath::load(clock, 1'000'000);
  if (!loaded) {
    state.SkipWithError(loaded.error().message.c_str());
    return;
  }
  bench::BookToIntentPath& path = **loaded;
  ScratchDir dir("propbot-md-order");
  auto journal = exec::SqliteJournal::open(dir.path(), exec::JournalFsync::batch, quiet_logger());
  if (!journal) {
    state.SkipWithError(journal.error().message.c_str());
    return;
  }
  SigningVenue binance("BINANCE"), sim("SIM-A");
  for (SigningVenue* venue : {&binance, &sim}) venue->set_utc([&clock] { return clock.utc(); });
  BenchDesk desk;
  BenchMarket market(path);
  exec::ExecutorOptions options;
  options.max_orders_per_min = 1'000'000'000;  // a benchmark trades far faster than a desk may
  options.symbols = {"BTC-USDT"};
  TimedJournal timed_journal(**journal);
  exec::Executor executor(options, clock, {&binance, &sim}, timed_journal, desk, market, nullptr, quiet_logger());
  if (!path.restart(clock.now())) {
    state.SkipWithError("snapshot not applied");
    return;
  }
  executor.reconcile();
  clock.advance(Nanos::zero());
  if (!executor.reconciled() || !desk.clean) {
    state.SkipWithError("start-up reconciliation did not finish clean");
    return;
  }

  LatencyHistogram total, total_cpu, parse_apply, strategy, policy, executor_journal, journal_records, sign;
  const std::size_t frames = bench::BinanceFrames::get().frames.size();
  std::size_t frame = 0;
  std::int64_t events = 0, orders = 0;
  auto next_slot = WallClock::now();
  std::string failure;

  LatencyHistogram between;  // the untimed work between two events: fills, hedge, clock
  for (auto _ : state) {
    // The venues answer, the clock moves on, the next slot comes: outside the samples.
    const auto between_started = WallClock::now();
    binance.fill_held();
    sim.fill_held();  // leg B, sent when A filled
    clock.advance(pace);
    if (frame == 0 && events > 0 && !path.restart(clock.now())) {
      failure = "snapshot not applied";
      break;
    }
    // At most one event per pace; when the untimed work above took longer, the next
    // event goes at once (no catching up with back-to-back events).
    between.record(ns_between(between_started, WallClock::now()));
    next_slot = std::max(next_slot + pace, WallClock::now());
    // sleep:1: asleep until just before the slot, as an engine thread waits in epoll for
    // its next frame, then a short spin; sleep:0: spinning all along, keeping the core (and
    // its caches) — but a spinning thread has used up its share of the core and is the
    // first the scheduler preempts during the event.
    if (sleep_between) std::this_thread::sleep_until(next_slot - std::chrono::microseconds(100));
    while (WallClock::now() < next_slot) {
    }

    const MonoTime now = clock.now();
    const std::int64_t cpu_started = thread_cpu_ns();
    const auto started = WallClock::now();
    const bool applied = path.apply(frame, now);
    const auto applied_at = WallClock::now();
    frame = (frame + 1) % frames;
    if (!applied) {
      failure = "a frame was not applied";
      break;
    }
    const std::vector<Intent>& intents = path.propose();
    const auto proposed_at = WallClock::now();
    if (intents.size() != 1) {
      failure = "the strategy proposed " + std::to_string(intents.size()) + " intents";
      break;
    }
    scripting::PolicyDecision decision;
    if (!path.size(intents.front(), now, decision) || !(decision.size.notional_usdt > 0)) {
      failure = "the policy sized nothing";
      break;
    }
    const auto sized_at = WallClock::now();
    const std::uint64_t placed_before = binance.placed;
    const std::int64_t journal_before = timed_journal.spent_ns;
    auto traded = executor.submit(intents.front(), decision.size.notional_usdt);
    if (!traded || binance.placed != placed_before + 1) {
      failure = traded ? "leg A did not go to BINANCE" : traded.error().message;
      if (!binance.error.empty()) failure += " (" + binance.error + ")";
      break;
    }
    ++orders;
    ++events;
    total.record(ns_between(started, binance.handed_at));
    total_cpu.record(binance.handed_cpu_ns - cpu_started);
    parse_apply.record(ns_between(started, applied_at));
    strategy.record(ns_between(applied_at, proposed_at));
    policy.record(ns_between(proposed_at, sized_at));
    executor_journal.record(ns_between(sized_at, binance.entered_at));
    journal_records.record(timed_journal.spent_ns - journal_before);  // 4 record() calls before place(A)
    sign.record(ns_between(binance.entered_at, binance.handed_at));
  }
  if (!failure.empty()) {
    state.SkipWithError(failure.c_str());
    return;
  }
  if (path.faulted()) state.SkipWithError("a script faulted");
  if (events > 0 && !binance.last_request_verifies()) state.SkipWithError("the signed request does not verify");
  if (!desk.incident.empty()) state.SkipWithError(("incident: " + desk.incident).c_str());
  state.counters["p50_ns"] = static_cast<double>(total.percentile(50));
  state.counters["p90_ns"] = static_cast<double>(total.percentile(90));
  state.counters["p99_ns"] = static_cast<double>(total.percentile(99));
  state.counters["p999_ns"] = static_cast<double>(total.percentile(99.9));
  state.counters["max_ns"] = static_cast<double>(total.max());
  state.counters["cpu_p50_ns"] = static_cast<double>(total_cpu.percentile(50));
  state.counters["cpu_p99_ns"] = static_cast<double>(total_cpu.percentile(99));
  state.counters["parse_apply_p50_ns"] = static_cast<double>(parse_apply.percentile(50));
  state.counters["strategy_p50_ns"] = static_cast<double>(strategy.percentile(50));
  state.counters["policy_p50_ns"] = static_cast<double>(policy.percentile(50));
  state.counters["executor_journal_p50_ns"] = static_cast<double>(executor_journal.percentile(50));
  state.counters["executor_journal_p99_ns"] = static_cast<double>(executor_journal.percentile(99));
  state.counters["journal_p50_ns"] = static_cast<double>(journal_records.percentile(50));
  state.counters["journal_p99_ns"] = static_cast<double>(journal_records.percentile(99));
  state.counters["sign_p50_ns"] = static_cast<double>(sign.percentile(50));
  state.counters["between_events_p50_ns"] = static_cast<double>(between.percentile(50));
  state.counters["orders_per_event"] = events > 0 ? static_cast<double>(orders) / static_cast<double>(events) : 0;
  const exec::JournalStats stats = (*journal)->stats();
  state.counters["journal_records"] = static_cast<double>(stats.orders_recorded);
  state.SetItemsProcessed(events);
}
// Wall time per iteration is the pace (the busy wait is inside it); the figures are the
// counters. 3 s: up to 3,000 samples at 1000 µs, 12,000 at 250 µs.
BENCHMARK(BM_MdToOrder)
    ->ArgNames({"pace_us", "sleep"})
    ->ArgsProduct({{250, 1000}, {0, 1}})
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(3.0)
    ->UseRealTime();

}  // namespace
