// Market-data hot path (SPEC S-2.4, S-13): depth-diff parse, parse + apply through the
// book syncs, and the OKX checksum. Messages are pre-generated in the venues' real
// formats (10 levels per diff: 5 bids + 5 asks) against a deep book (Binance 1000
// levels per side, OKX 400), so each iteration is one frame as it arrives off the wire.
// nlohmann DOM parse of the same frame is measured alongside for comparison.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/md/binance_book_sync.hpp"
#include "core/md/binance_depth.hpp"
#include "core/md/okx_book_sync.hpp"
#include "core/md/okx_books.hpp"
#include "tests/bench/binance_frames.hpp"
#include "tests/unit/md/md_test_support.hpp"

namespace {

namespace mdt = propbot::md::testing;
using propbot::MonoTime;
using propbot::md::SyncResult;

constexpr std::size_t kFrames = propbot::bench::BinanceFrames::kFrames;

const propbot::bench::BinanceFrames& binance_fixture() { return propbot::bench::BinanceFrames::get(); }

void BM_BinanceDepthParse(benchmark::State& state) {
  const auto& fixture = binance_fixture();
  const propbot::md::LevelGrid grid = mdt::binance_grid();
  propbot::md::BinanceDepthUpdate update;
  std::size_t i = 0;
  for (auto _ : state) {
    const propbot::Status status = propbot::md::parse_binance_depth_update(fixture.frames[i], grid, update);
    benchmark::DoNotOptimize(status.ok());
    i = (i + 1) % kFrames;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BinanceDepthParse);

void BM_BinanceDepthParseNlohmannDom(benchmark::State& state) {
  const auto& fixture = binance_fixture();
  std::size_t i = 0;
  for (auto _ : state) {
    auto json = nlohmann::json::parse(fixture.frames[i], nullptr, false);
    benchmark::DoNotOptimize(json);
    i = (i + 1) % kFrames;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BinanceDepthParseNlohmannDom);

void BM_BinanceDepthParseApply(benchmark::State& state) {
  const auto& fixture = binance_fixture();
  propbot::md::BinanceBookSync sync(mdt::binance_spec(), mdt::binance_grid());
  MonoTime now{};
  std::size_t i = 0;
  std::int64_t applied = 0;
  for (auto _ : state) {
    if (i == 0) {  // the chain restarts: re-init from a snapshot, outside the timing
      state.PauseTiming();
      if (sync.on_snapshot_frame(fixture.snapshot, now).result != SyncResult::applied) state.SkipWithError("snapshot");
      state.ResumeTiming();
    }
    applied += sync.on_update_frame(fixture.frames[i], now).result == SyncResult::applied;
    i = (i + 1) % kFrames;
  }
  if (applied != static_cast<std::int64_t>(state.iterations())) state.SkipWithError("an update was not applied");
  state.SetItemsProcessed(state.iterations());
  state.counters["levels_per_msg"] = 10;
}
BENCHMARK(BM_BinanceDepthParseApply);

struct OkxFixture {
  std::string snapshot;
  std::vector<std::string> frames;

  OkxFixture() {
    std::mt19937 rng(2);
    std::vector<mdt::TextLevel> bids, asks;
    for (int i = 0; i < 400; ++i) {
      bids.push_back({std::to_string(97'000 - i) + ".1", std::to_string(1 + i % 40)});
      asks.push_back({std::to_string(97'001 + i) + ".2", std::to_string(1 + i % 30) + ".5"});
    }
    mdt::ReferenceOkxBook reference;
    reference.apply(bids, asks);
    snapshot = mdt::okx_books_json(true, -1, 1, reference.checksum(), bids, asks);
    for (std::size_t f = 0; f < kFrames; ++f) {
      std::vector<mdt::TextLevel> b, a;
      for (int i = 0; i < 5; ++i) {
        const auto size = [&] { return rng() % 10 == 0 ? std::string("0") : std::to_string(1 + rng() % 90); };
        b.push_back({std::to_string(97'000 - static_cast<int>(rng() % 60)) + ".1", size()});
        a.push_back({std::to_string(97'001 + static_cast<int>(rng() % 60)) + ".2", size()});
      }
      reference.apply(b, a);
      const auto seq = static_cast<std::int64_t>(f) + 1;
      frames.push_back(mdt::okx_books_json(false, seq, seq + 1, reference.checksum(), b, a));
    }
  }
};

const OkxFixture& okx_fixture() {
  static const OkxFixture fixture;
  return fixture;
}

void BM_OkxBooksParse(benchmark::State& state) {
  const auto& fixture = okx_fixture();
  const propbot::md::LevelGrid grid = mdt::okx_grid();
  propbot::md::OkxBooksMessage message;
  std::size_t i = 0;
  for (auto _ : state) {
    const propbot::Status status = propbot::md::parse_okx_books(fixture.frames[i], grid, message);
    benchmark::DoNotOptimize(status.ok());
    i = (i + 1) % kFrames;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OkxBooksParse);

void BM_OkxBooksParseApplyChecksum(benchmark::State& state) {
  const auto& fixture = okx_fixture();
  propbot::md::OkxBookSync sync(mdt::okx_spec(), mdt::okx_grid());
  MonoTime now{};
  std::size_t i = 0;
  std::int64_t applied = 0;
  for (auto _ : state) {
    if (i == 0) {
      state.PauseTiming();
      if (sync.on_frame(fixture.snapshot, now).result != SyncResult::applied) state.SkipWithError("snapshot");
      state.ResumeTiming();
    }
    applied += sync.on_frame(fixture.frames[i], now).result == SyncResult::applied;
    i = (i + 1) % kFrames;
  }
  if (applied != static_cast<std::int64_t>(state.iterations())) state.SkipWithError("an update was not applied");
  state.SetItemsProcessed(state.iterations());
  state.counters["levels_per_msg"] = 10;
}
BENCHMARK(BM_OkxBooksParseApplyChecksum);

void BM_OkxChecksumTop25(benchmark::State& state) {
  const auto& fixture = okx_fixture();
  propbot::md::OkxBookSync sync(mdt::okx_spec(), mdt::okx_grid());
  if (sync.on_frame(fixture.snapshot, MonoTime{}).result != SyncResult::applied) state.SkipWithError("snapshot");
  for (auto _ : state) benchmark::DoNotOptimize(sync.current_checksum());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OkxChecksumTop25);

}  // namespace
