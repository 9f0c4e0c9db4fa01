// RandomWalkMarket: the price process behind the minimal simulated venues of the paper
// profile. Each symbol has one reference mid that follows a Gaussian random walk; each
// venue quotes that mid plus its own small noise, and now and then one venue is
// dislocated by a few to a few tens of bps for a while — the cross-venue spreads the
// arbitrage strategy looks for. A dislocation of size d pulls the venues apart around
// the reference: the dislocated venue moves d/2 one way, every other venue d/2 the
// other (their own order flow, not a market move: the reference and the index stay).
// It builds up linearly over the first third of its steps, holds, and fades over the
// last third (venues drifting apart and back rather than teleporting). So the spread
// between venues reaches d, while each venue's own series sees a drift of d/2 and a
// realised volatility of ~1/ramp of a jump's: what a regime classifier built for real
// venues reads as a normal market. Deterministic: the same seed and the same sequence of
// `advance` calls give the same prices.
//
// Thread: engine thread only.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace propbot::venues::sim {

struct RandomWalkParams {
  std::uint64_t seed = 42;
  double volatility_bps = 1.5;          // std-dev of the reference mid per step
  double venue_noise_bps = 0.3;         // std-dev of each venue's offset from the reference
  double dislocation_probability = 0.02;  // per symbol per step
  double dislocation_bps_min = 8;
  double dislocation_bps_max = 40;
  int dislocation_steps = 30;           // how long a dislocation lasts
  std::map<std::string, double> start_prices;
};

class RandomWalkMarket {
 public:
  RandomWalkMarket(RandomWalkParams params, std::vector<std::string> venues,
                   std::vector<std::string> symbols);

  // Moves the market to step `step`; calling it again with the same or an older step
  // does nothing, so every venue can call it on its own tick.
  void advance_to(std::uint64_t step);
  std::uint64_t step() const { return step_; }
  double reference_mid(const std::string& symbol) const;
  // The mid this venue quotes now: reference × (1 + noise ± half the dislocation).
  double venue_mid(const std::string& venue, const std::string& symbol) const;
  std::mt19937_64& rng() { return rng_; }

 private:
  struct Dislocation {
    std::string venue;
    double bps = 0;
    int steps_left = 0;
    int steps_total = 0;
  };
  struct SymbolState {
    double reference = 0;
    std::map<std::string, double> venue_offset_bps;
    Dislocation dislocation;
  };

  void step_once();
  // The share of a dislocation's size applied now: 0..1 along its ramp, 1 on its plateau.
  static double dislocation_share(const Dislocation& d);

  RandomWalkParams params_;
  std::vector<std::string> venues_;
  std::map<std::string, SymbolState> symbols_;
  std::mt19937_64 rng_;
  std::uint64_t step_ = 0;
};

}  // namespace propbot::venues::sim
