// Order book primitives on the hot path: one level update, a depth walk, a snapshot.
#include <benchmark/benchmark.h>

#include <random>

#include "core/md/order_book.hpp"

namespace {

using propbot::md::BookLevel;
using propbot::md::OrderBook;
using propbot::md::BookSide;

OrderBook make_book(int levels) {
  OrderBook book({"SIM-A", "BTC-USDT", "PERP", 0.1, 0.001, 5.0});
  std::vector<BookLevel> bids, asks;
  for (int i = 0; i < levels; ++i) {
    bids.push_back({600'000 - i, 100 + i});
    asks.push_back({600'001 + i, 100 + i});
  }
  book.apply_snapshot(bids, asks, 1, propbot::MonoTime{});
  return book;
}

void BM_ApplyLevelUpdate(benchmark::State& state) {
  OrderBook book = make_book(static_cast<int>(state.range(0)));
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> offset(0, static_cast<int>(state.range(0)) - 1);
  std::uniform_int_distribution<int> qty(0, 500);
  for (auto _ : state) {
    book.apply_level(BookSide::bid, {600'000 - offset(rng), qty(rng)});
    benchmark::DoNotOptimize(book.best_bid());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplyLevelUpdate)->Arg(20)->Arg(400);

void BM_FillForNotional(benchmark::State& state) {
  const OrderBook book = make_book(20);
  for (auto _ : state) benchmark::DoNotOptimize(book.fill_for_notional(BookSide::ask, 50'000));
}
BENCHMARK(BM_FillForNotional);

}  // namespace
