// Shadow validation (issue 15): what replaying the last 5 minutes of paper market data
// through changed strategies costs, and what the market tape costs the engine.
//
// The tape: 5 minutes of paper-like events as the paper profile streams them (measured on
// the daemon: 29,310 events in its 300 s tape — ~39 book events and ~58 mark-price /
// funding updates a second over BINANCE and OKX × BTC-USDT and ETH-USDT; a random walk of
// 0.3 bps a tick, 1 bps spread, 20 levels a side kept to the default depth of 10, a
// 10..45 bps dislocation now and then) = 12,000 books + 18,000 funding updates.
//
// - BM_ShadowValidate: shadow::shadow_validate on the repository's bundle with every
//   shipped strategy changed (a comment appended), so both the candidate and the running
//   version of each are replayed: the time validate and apply add in process.
// - BM_ShadowValidateIsolated: the same through the daemon's `config shadow-worker` child
//   (fork + exec, the tape as JSON over a pipe, the answer back): what the daemon adds.
// - BM_TapeToJson / BM_TapeFromJson: the tape's wire form (counters: bytes per event).
// - BM_TapeRecordBook: MarketTape::on_book on the engine thread, per book event.
//
// Run: ./build/tests/bench/propbot_shadow_bench (docs/PERFORMANCE.md).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "core/bundle/bundle.hpp"
#include "core/shadow/shadow_validation.hpp"
#include "core/shadow/shadow_worker.hpp"
#include "core/shadow/tape_json.hpp"

namespace {

using namespace propbot;

md::InstrumentSpec spec_of(const std::string& venue, const std::string& symbol) {
  md::InstrumentSpec spec;
  spec.venue = venue;
  spec.symbol = symbol;
  spec.tick_size = symbol == "BTC-USDT" ? 0.1 : 0.01;
  spec.lot_size = 0.001;
  return spec;
}

// 20 levels a side around `mid`, spread 1 bps, ~25k USDT a level.
md::OrderBook paper_book(const md::InstrumentSpec& spec, double mid, std::uint64_t sequence, MonoTime at) {
  md::OrderBook book(spec);
  std::vector<md::BookLevel> bids, asks;
  const auto bid = static_cast<std::int64_t>(std::floor(mid * (1 - 0.5e-4) / spec.tick_size));
  const auto ask = static_cast<std::int64_t>(std::ceil(mid * (1 + 0.5e-4) / spec.tick_size));
  const auto lots = static_cast<std::int64_t>(25'000 / mid / spec.lot_size);
  for (int i = 0; i < 20; ++i) {
    bids.push_back({bid - i, lots});
    asks.push_back({ask + i, lots});
  }
  book.apply_snapshot(bids, asks, sequence, at);
  return book;
}

// The engine's tape after 5 minutes of the paper profile (see the header).
std::shared_ptr<const engine::MarketTapeView> five_paper_minutes() {
  static const auto view = [] {
    engine::MarketTape tape(engine::tape_options(300, 100'000, 10));
    std::mt19937_64 random(42);
    std::normal_distribution<double> step(0, 0.3e-4);
    std::uniform_real_distribution<double> unit(0, 1);
    const std::string venues[] = {"BINANCE", "OKX"};
    const std::string symbols[] = {"BTC-USDT", "ETH-USDT"};
    double mids[] = {60'000, 3'000};
    double dislocation[] = {0, 0};  // bps on OKX
    int dislocation_ticks[] = {0, 0};
    std::uint64_t sequence = 0;
    MonoTime at{std::chrono::hours(1)};
    for (int tick = 0; tick < 3000; ++tick) {  // 10 ticks a second, 300 s
      for (int s = 0; s < 2; ++s) {
        mids[s] *= 1 + step(random);
        if (dislocation_ticks[s] == 0 && unit(random) < 0.005) {
          dislocation[s] = 10 + 35 * unit(random);
          dislocation_ticks[s] = 30;
        }
        const double okx_offset = dislocation_ticks[s] > 0 ? dislocation[s] * 1e-4 : 0;
        if (dislocation_ticks[s] > 0) --dislocation_ticks[s];
        for (int v = 0; v < 2; ++v) {
          at += std::chrono::microseconds(25'000);  // 40 book events a second
          const double mid = mids[s] * (1 + (v == 1 ? okx_offset : 0));
          tape.on_book(paper_book(spec_of(venues[v], symbols[s]), mid, ++sequence, at), at);
          for (int update = 0; update < (tick % 2 == 0 ? 2 : 1); ++update) {  // 1.5 per book, as measured
            venues::FundingInfo info;
            info.symbol = symbols[s];
            info.funding_rate = *Decimal::from_double(v == 0 ? 0.0001 : 0.00013 + 0.00001 * (tick % 7), 8);
            info.mark_price = *Decimal::from_double(mid, 2);
            info.index_price = *Decimal::from_double(mids[s], 2);
            info.next_funding_time = UtcTime{std::chrono::milliseconds(1'765'000'000'000 + 1'000'000)};
            tape.on_funding(venues[v], info, at);
          }
        }
      }
    }
    return tape.view(at + std::chrono::seconds(2), UtcTime{std::chrono::milliseconds(1'765'000'000'000)});
  }();
  return view;
}

// The repository's bundle, and the same with every shipped strategy changed.
std::pair<bundle::Bundle, bundle::Bundle> running_and_changed() {
  auto running = bundle::read_bundle(PROPBOT_SOURCE_DIR);
  if (!running) return {};
  bundle::Bundle::Files overrides;
  for (const auto& [path, content] : running->files()) {
    if (path.rfind("strategies/", 0) == 0) overrides.emplace(path, content + "\n-- changed\n");
  }
  auto changed = running->with_overrides(overrides);
  return {*running, changed ? *changed : *running};
}

void report(benchmark::State& state, const shadow::ShadowReport& last) {
  state.counters["events"] = static_cast<double>(last.events);
  state.counters["strategies"] = static_cast<double>(last.strategies.size());
  state.counters["errors"] = static_cast<double>(last.errors.size());
  double proposals = 0;
  for (const auto& [name, comparison] : last.strategies) proposals += static_cast<double>(comparison.candidate.proposals);
  state.counters["proposals"] = proposals;
}

void BM_ShadowValidate(benchmark::State& state) {
  const auto tape = five_paper_minutes();
  const auto [running, changed] = running_and_changed();
  shadow::ShadowReport last;
  for (auto _ : state) {
    last = shadow::shadow_validate(changed, running, config::Profile::paper, *tape);
    benchmark::DoNotOptimize(last.events);
  }
  report(state, last);
}
BENCHMARK(BM_ShadowValidate)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ShadowValidateIsolated(benchmark::State& state) {
  const auto tape = five_paper_minutes();
  const auto [running, changed] = running_and_changed();
  bundle::IsolationOptions options;
  options.executable = PROPBOT_BINARY;
  options.limits = shadow::shadow_limits();
  shadow::ShadowReport last;
  for (auto _ : state) {
    last = shadow::shadow_validate_isolated(options, changed, running, config::Profile::paper, *tape);
    benchmark::DoNotOptimize(last.events);
  }
  report(state, last);
  state.counters["request_bytes"] =
      static_cast<double>(shadow::shadow_request(changed, running, config::Profile::paper, *tape).size());
}
BENCHMARK(BM_ShadowValidateIsolated)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TapeToJson(benchmark::State& state) {
  const auto tape = five_paper_minutes();
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = shadow::tape_to_json(*tape).dump();
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / static_cast<double>(tape->events());
}
BENCHMARK(BM_TapeToJson)->Unit(benchmark::kMillisecond);

void BM_TapeFromJson(benchmark::State& state) {
  const auto tape = five_paper_minutes();
  const std::string text = shadow::tape_to_json(*tape).dump();
  for (auto _ : state) {
    auto back = shadow::tape_from_json(nlohmann::json::parse(text));
    benchmark::DoNotOptimize(back.ok());
  }
}
BENCHMARK(BM_TapeFromJson)->Unit(benchmark::kMillisecond);

void BM_TapeRecordBook(benchmark::State& state) {
  engine::MarketTape tape(engine::tape_options(300, 100'000, 10));
  const md::InstrumentSpec spec = spec_of("BINANCE", "BTC-USDT");
  MonoTime at{std::chrono::hours(1)};
  const md::OrderBook book = paper_book(spec, 60'000, 1, at);
  for (auto _ : state) {
    at += std::chrono::microseconds(25'000);
    tape.on_book(book, at);
  }
  state.counters["tape_bytes"] = static_cast<double>(tape.bytes());
  state.counters["tape_events"] = static_cast<double>(tape.events());
  state.counters["bytes_per_event"] = static_cast<double>(tape.bytes()) / static_cast<double>(tape.events());
}
BENCHMARK(BM_TapeRecordBook);

}  // namespace
