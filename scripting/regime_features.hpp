// FeatureTracker: the market features the regime script (policies/regime.lua) reads,
// computed core-side from a stream of book observations per (venue, symbol).
// - Each series keeps its last `capacity` observations in a ring buffer allocated
//   once when the series is created: memory is fixed per series, and recording or
//   reading a series never allocates.
// - realised_vol_bps: sqrt of the sum of squared mid log-returns (in bps) over the
//   window (not annualised); spread_std_bps: population std of the quoted spread over
//   the window; depth_usdt: the latest top-N depth (both sides); trend_bps: the mid's
//   log change from the oldest to the newest observation in the window.
// - funding_rate and basis_bps are not computed here: they are passed through as the
//   last value set for the series.
// - A log-return is computed once, when an observation is recorded. Reads are O(1)
//   amortised: each series keeps running sums (squared returns, spread, squared
//   spread) over the observations inside the window of its last read; a read first
//   drops from those sums the observations that have aged out since (each observation
//   is added once and dropped once). The sums are rebuilt from the ring after every
//   2 × capacity updates, so rounding drift stays that of one fresh summation. A read
//   whose `now` is earlier than the series' previous read, or earlier than its newest
//   observation, walks the window instead (the sums only move forward in time); both
//   ways give the same features up to the rounding of the sums
//   (regime_features_test.cpp compares them over random sequences).
// Uses: RegimeFeatures (regime_types.hpp).
//
// Thread: one thread (the engine thread). Series ids stay valid for the tracker's life.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/clock.hpp"
#include "scripting/regime_types.hpp"

namespace propbot::scripting {

struct FeatureTrackerConfig {
  std::size_t capacity = 512;                 // observations kept per series
  Nanos window = std::chrono::seconds(60);    // span the features are computed over
};

class FeatureTracker {
 public:
  using SeriesId = std::size_t;

  // Throws std::invalid_argument on capacity < 2 or a non-positive window (startup).
  explicit FeatureTracker(FeatureTrackerConfig config = {});

  // Finds or creates the series for (venue, symbol). Allocates only on creation: call
  // it once per instrument, keep the id for the hot path.
  SeriesId series(std::string_view venue, std::string_view symbol);

  // Records one book observation. Observations must arrive in time order per series; an
  // out-of-order, non-positive or non-finite mid, or a non-finite spread/depth, is
  // ignored and counted in rejected(). Never allocates.
  void record(SeriesId id, MonoTime at, double mid, double spread_bps, double depth_usdt);
  void set_funding(SeriesId id, double funding_rate, double basis_bps);

  // Features over (now - window, now]. Returns false when the series has no
  // observation in the window (out is then untouched). Never allocates. Not const: it
  // advances the series' running window to `now`.
  bool features(SeriesId id, MonoTime now, RegimeFeatures& out);

  std::size_t observations(SeriesId id) const { return series_[id].count; }
  std::size_t rejected() const { return rejected_; }

 private:
  struct Sample {
    MonoTime at{};
    double mid = 0;
    double log_return_bps = 0;  // vs the previous sample; 0 for a series' first sample
    double spread_bps = 0;
    double depth_usdt = 0;
  };
  // Sums over the newest `count` samples of a series (its running window).
  struct WindowSums {
    std::size_t count = 0;
    double sum_sq_returns = 0;
    double spread_sum = 0;
    double spread_sum_sq = 0;
    void add(const Sample& sample, double sign);
  };
  struct Series {
    std::vector<Sample> ring;  // capacity entries, allocated once
    std::size_t next = 0;      // slot the next sample goes to
    std::size_t count = 0;     // valid samples (≤ capacity)
    double funding_rate = 0;
    double basis_bps = 0;
    WindowSums window;              // the newest window.count samples: those in the last read's window
    MonoTime window_now{};          // `now` of the last read that moved the window
    std::size_t updates = 0;        // adds and drops since the sums were last rebuilt
    const Sample& newest(std::size_t i) const { return ring[(next + ring.size() - 1 - i) % ring.size()]; }
  };

  // The reference computation: walks the ring newest → oldest (O(window)).
  bool walk(const Series& s, MonoTime now, RegimeFeatures& out) const;
  static void rebuild(Series& s);

  FeatureTrackerConfig config_;
  std::map<std::pair<std::string, std::string>, SeriesId, std::less<>> index_;
  std::vector<Series> series_;
  std::size_t rejected_ = 0;
};

}  // namespace propbot::scripting
