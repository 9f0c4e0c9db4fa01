// Cost of one Lua strategy callback: the shipped cross_exchange_arb.on_book over two
// venues (interpreter mode, count hook armed — the mode the sandbox ships).
#include <benchmark/benchmark.h>

#include <map>

#include "scripting/strategy_runner.hpp"

namespace {

using namespace propbot;

class TwoVenues : public scripting::MarketView {
 public:
  explicit TwoVenues(MonoTime now) : ids_{"SIM-A", "SIM-B"} {
    for (const auto& [venue, shift] : {std::pair{"SIM-A", 0}, std::pair{"SIM-B", 1'500}}) {
      md::OrderBook book({venue, "BTC-USDT", "PERP", 0.1, 0.001, 5.0});
      std::vector<md::BookLevel> bids, asks;
      for (int i = 0; i < 20; ++i) {
        bids.push_back({600'000 + shift - i, 1'000});
        asks.push_back({600'001 + shift + i, 1'000});
      }
      book.apply_snapshot(bids, asks, 1, now);
      books_.emplace(venue, std::move(book));
    }
  }
  const md::OrderBook* book(std::string_view venue, std::string_view) const override {
    const auto it = books_.find(std::string(venue));
    return it == books_.end() ? nullptr : &it->second;
  }
  const std::vector<std::string>& venue_ids() const override { return ids_; }

 private:
  std::vector<std::string> ids_;
  std::map<std::string, md::OrderBook> books_;
};

void BM_CrossExchangeArbOnBook(benchmark::State& state) {
  SimClock clock;
  TwoVenues market(clock.now());  // fresh books: the time guard passes
  scripting::StrategySpec spec{"cross_exchange_arb", std::string(PROPBOT_SOURCE_DIR) + "/strategies/cross_exchange_arb.lua",
                               "strategies/cross_exchange_arb.lua", nlohmann::json::object()};
  auto runner = scripting::StrategyRunner::load(spec, {}, clock, market, 5);
  if (!runner) {
    state.SkipWithError(runner.error().message.c_str());
    return;
  }
  std::vector<scripting::Intent> intents;
  const scripting::BookEvent event{"SIM-B", "BTC-USDT"};
  for (auto _ : state) {
    intents.clear();
    (*runner)->on_book(event, intents);
    benchmark::DoNotOptimize(intents.data());
  }
  state.counters["intents_per_call"] = benchmark::Counter(static_cast<double>((*runner)->stats().intents) /
                                                          static_cast<double>(state.iterations()));
}
BENCHMARK(BM_CrossExchangeArbOnBook);

}  // namespace
