// MarketSample: one rolling snapshot of the desk's market (SPEC S-9.6) — not ticks:
// per symbol the mid of every venue, the widest cross-venue mid spread and its rolling
// std, funding with its next funding time, basis; desk-wide the ws_gap p95 per venue,
// the hedge latency p95 and the circuit-breaker rules that are firing. The engine builds
// one every `market_history.interval_s`; MarketHistoryStore keeps them.
//
// Figures are doubles: this is an analytic record of what the desk saw (the books'
// mids are doubles already), never an amount of money the desk owes or holds. An
// unknown figure is std::nullopt and reads as JSON null, never as 0.
//
// Thread: plain values, moved from the engine thread to the store's writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/clock.hpp"

namespace propbot::history {

// One venue's view of one symbol.
struct VenueMarket {
  std::string venue;
  std::optional<double> mid;                          // unknown while the book is invalid
  std::optional<double> funding_rate;                 // the venue's current (predicted) rate
  std::optional<std::int64_t> next_funding_unix_ms;   // when that rate is applied
  std::optional<double> mark_price;
  std::optional<double> index_price;
  std::optional<double> basis_bps;                    // (mark − index) / index · 1e4
};

struct SymbolSample {
  std::string symbol;
  std::vector<VenueMarket> venues;  // in the engine's venue order
  // The widest cross-venue mid spread: (mid_rich − mid_cheap) / mid_cheap · 1e4 over
  // every pair of venues with a mid, and that pair as "RICH/CHEAP". Unknown with fewer
  // than two mids.
  std::optional<double> spread_bps;
  std::string spread_pair;
  // Population std of spread_bps over the last `market_history.std_samples` samples
  // of this symbol that had one (unknown below two).
  std::optional<double> std_spread_bps;
};

struct VenueFigure {
  std::string venue;
  double value = 0;
};

struct MarketSample {
  UtcTime ts{};
  std::vector<SymbolSample> symbols;
  std::vector<VenueFigure> ws_gap_p95_ms;       // per venue: its worst stream's p95 inter-message gap
  std::optional<double> hedge_latency_p95_ms;   // the executor's; unknown without hedges
  std::vector<std::string> breaker_flags;       // the rules firing now ("rule" or "rule:symbol:A/B")
};

// {"venues": {venue: {"mid", "funding_rate", "next_funding_ts", "mark", "index",
// "basis_bps"}}} of one symbol (nulls for unknowns).
nlohmann::json venues_json(const SymbolSample& symbol);
nlohmann::json ws_gap_json(const MarketSample& sample);  // {venue: ms}

}  // namespace propbot::history

namespace propbot::history {

// Where the engine hands its samples (core/engine/market_history_sink.hpp). Called on
// the engine thread: an implementation must return at once (queue, never write).
class MarketSampleSink {
 public:
  virtual ~MarketSampleSink() = default;
  virtual void on_market_sample(MarketSample sample) = 0;
};

}  // namespace propbot::history
