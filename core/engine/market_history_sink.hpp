// MarketHistorySink: where the engine hands its market-history samples (SPEC S-9.6),
// one every `market_history.interval_s` (Engine::Loop::sample_market,
// market_sampler.cpp). The daemon plugs in history::MarketHistoryStore; tests plug in a
// recorder.
//
// Thread: called on the engine thread; an implementation must return at once (queue
// the sample, never write or wait there).
#pragma once

#include "core/history/market_sample.hpp"

namespace propbot::engine {

using MarketHistorySink = history::MarketSampleSink;

}  // namespace propbot::engine
