// BreakerInputs: what the circuit-breaker rules (policies/circuit_breakers.lua, SPEC
// S-3.5 / S-7.4) read, computed core-side — one global BreakerMetrics snapshot and one
// per route (a symbol on an unordered venue pair) each evaluation.
//
// - on_book(book, now) is fed every book message of every venue. Per (venue, symbol)
//   "stream" it keeps the last kGapSamples inter-message gaps in a fixed ring and the
//   latest mid (unknown while the book is invalid). Per route it keeps the cross-venue
//   mid spread (mid_A − mid_B) / mid_B in bps (A, B the route's venues in name order),
//   one sample whenever either book updates while both mids are known, in a ring of
//   `spread_capacity` samples allocated when the route is first seen.
// - collect() writes, global first and then the routes in (symbol, venues) order:
//   * global: the desk figures the caller passes (DeskBreakerFigures), ws_gap_ms = the
//     worst age of a valid book over every venue × symbol, book_staleness_ms = the worst
//     route's, depeg_bps.
//   * route (only where both books are on the board and both streams have delivered a
//     message): spread_std_bps (population std of the cross spread over `window`),
//     volatility_bps (the worse venue's realised_vol_bps from the PolicyStage's
//     FeatureTracker), ws_gap_ms_p95 (the worse venue's nearest-rank p95 gap),
//     book_staleness_ms (the older book's age), crossed_books (0..2: bid >= ask, or
//     declared invalid with a "crossed" reason), and from each venue's latest funding
//     info the worst mark/index and mark/last divergence, |funding rate| × 1e4 and
//     basis |mid − index| / index (each 0 while its inputs are unknown), depeg_bps.
//   * depeg_bps (both scopes): |mid − 1| × 1e4 of a "USDC-USDT" or "USDT-USDC" symbol in
//     the universe, the worst valid venue book; 0 when the universe has no such symbol
//     (there is nothing to measure the peg with, not a healthy peg).
//   A book the board holds invalid has its mid dropped at the next collect(): until
//   then (one evaluation at most) a cross-spread sample may still use its last mid.
// - Bounds: at most `max_streams` (venue, symbol) streams (later ones are ignored and
//   counted), each ~2 KiB of gap ring; routes ≤ symbols × venue pairs among them, each
//   `spread_capacity` samples. Memory is allocated only when a stream or route is first
//   seen; on_book() then never allocates, collect() never allocates once `out` has held
//   as many snapshots (their strings are reused; names fit the small-string buffer).
//   on_book() is O(streams + routes); collect() O(routes × (spread_capacity + venues))
//   plus one O(kGapSamples) selection per stream.
//
// Thread: the engine thread. Uses: BookBoard, PolicyStage (features), OrderBook,
// BreakerMetrics (scripting/regime_types.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/engine/book_board.hpp"
#include "core/engine/policy_stage.hpp"
#include "core/md/order_book.hpp"
#include "scripting/regime_features.hpp"
#include "scripting/regime_types.hpp"

namespace propbot::engine {

// The desk's own figures for the global scope; the risk governor fills them (all 0 =
// a quiet desk).
struct DeskBreakerFigures {
  double drawdown_usdt = 0;  // from the day's peak, positive
  double reject_rate = 0;    // [0, 1]
  double cancel_fail_rate = 0;
  double hedge_latency_ms_p95 = 0;
  double hedge_latency_ms_p99 = 0;
  double consecutive_losses = 0;
  double loss_today_usdt = 0;  // −(realised since 00:00 UTC + unrealised), at least 0
};

struct BreakerInputsConfig {
  Nanos window = scripting::FeatureTrackerConfig{}.window;  // the cross spread's std window
  std::size_t spread_capacity = 1024;                       // cross-spread samples kept per route
  std::size_t max_streams = 256;                            // (venue, symbol) pairs tracked
};

class BreakerInputs {
 public:
  static constexpr std::size_t kGapSamples = 256;  // inter-message gaps kept per stream

  // Throws std::invalid_argument on spread_capacity < 2 or a non-positive window (startup).
  explicit BreakerInputs(BreakerInputsConfig config = {});

  void on_book(const md::OrderBook& book, MonoTime now);

  // Replaces `out` with the global snapshot then one per route (see the header comment).
  // Only the listed venues and symbols count.
  void collect(const BookBoard& books, PolicyStage& features, const DeskBreakerFigures& desk,
               const std::vector<std::string>& venues, const std::vector<std::string>& symbols, MonoTime now,
               std::vector<scripting::BreakerMetrics>& out);

  std::size_t streams() const { return streams_.size(); }
  std::size_t routes() const { return routes_.size(); }
  std::size_t ignored_books() const { return ignored_books_; }  // messages of streams beyond the bound
  // The worst nearest-rank p95 inter-message gap over `venue`'s streams as of the last
  // collect() (market history); 0 before any gap was measured there. O(streams).
  double gap_p95_ms(std::string_view venue) const;

 private:
  struct Stream {
    std::string venue;
    std::string symbol;
    std::array<double, kGapSamples> gaps_ms{};
    std::size_t next = 0;   // slot of the next gap
    std::size_t count = 0;  // gaps kept (≤ kGapSamples)
    MonoTime last_message{};
    bool seen = false;
    double mid = 0;          // 0 = unknown (invalid book or none yet)
    double gap_p95_ms = 0;   // refreshed by collect()
  };
  struct SpreadSample {
    MonoTime at{};
    double bps = 0;
  };
  struct Route {
    std::string symbol;
    std::string venues;  // "A/B"
    std::size_t a = 0;   // stream of venue A (the smaller name)
    std::size_t b = 0;
    std::vector<SpreadSample> ring;  // spread_capacity entries, allocated once
    std::size_t next = 0;
    std::size_t count = 0;
  };

  std::size_t stream_of(const md::InstrumentSpec& spec);  // creates; streams_.size() when over the bound
  void add_routes(std::size_t stream);
  void sample_spreads(std::size_t stream, MonoTime now);
  double spread_std_bps(const Route& route, MonoTime now) const;
  void refresh_streams(const BookBoard& books);
  void fill_route(const Route& route, const BookBoard& books, PolicyStage& features, MonoTime now,
                  scripting::BreakerMetrics& m) const;
  double depeg_bps(const BookBoard& books, const std::vector<std::string>& venues,
                   const std::vector<std::string>& symbols) const;

  BreakerInputsConfig config_;
  std::vector<Stream> streams_;
  std::vector<Route> routes_;  // sorted by (symbol, venues)
  std::array<double, kGapSamples> scratch_{};
  std::size_t ignored_books_ = 0;
};

}  // namespace propbot::engine
