// MarketSampler: builds the engine's market-history samples (SPEC S-9.6) from what the
// loop already holds — the BookBoard (mids, funding, mark/index), the BreakerInputs
// (each venue's p95 inter-message gap), the executor's hedge latency p95 and the
// circuit-breaker verdicts — at most once per interval.
//
// - Per symbol: every venue's mid (unknown while its book is invalid), funding rate,
//   next funding time, mark, index and basis_bps = (mark − index) / index · 1e4; the
//   widest cross-venue mid spread (mid_rich − mid_cheap) / mid_cheap · 1e4 with its pair
//   "RICH/CHEAP"; std_spread_bps = population std of that spread over the symbol's last
//   `std_samples` samples that had one.
// - Desk-wide: ws_gap p95 per venue, hedge latency p95, breaker flags ("rule" for a
//   global verdict, "rule:SYMBOL:A/B" for a route's; each once).
//
// Bounds: one spread ring per symbol of the universe, `std_samples` doubles each
// (a ring is rebuilt when std_samples changes). build() allocates the sample it
// returns; it runs once per interval (10 s by default), never per book.
//
// Thread: the engine thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/engine/book_board.hpp"
#include "core/engine/breaker_inputs.hpp"
#include "core/history/market_sample.hpp"
#include "scripting/regime_types.hpp"

namespace propbot::engine {

struct MarketSampleInputs {
  const BookBoard& books;
  const BreakerInputs& breaker_inputs;
  const std::vector<std::string>& venues;
  const std::vector<std::string>& symbols;
  std::optional<double> hedge_latency_p95_ms;
  const std::vector<scripting::BreakerVerdict>& verdicts;
};

class MarketSampler {
 public:
  // True when `interval` > 0 and none was taken in the last `interval`; marks `now` as
  // the time of the sample the caller then builds.
  bool due(MonoTime now, std::chrono::seconds interval);
  history::MarketSample build(UtcTime ts, const MarketSampleInputs& inputs, std::size_t std_samples);

 private:
  struct SpreadRing {
    std::string symbol;
    std::vector<double> values;  // std_samples slots
    std::size_t next = 0;
    std::size_t count = 0;
  };
  std::optional<double> push_spread(const std::string& symbol, double bps, std::size_t std_samples);

  std::vector<SpreadRing> rings_;
  std::optional<MonoTime> last_;
};

}  // namespace propbot::engine
