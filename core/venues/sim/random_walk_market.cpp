#include "core/venues/sim/random_walk_market.hpp"

#include <algorithm>
#include <stdexcept>

namespace propbot::venues::sim {

RandomWalkMarket::RandomWalkMarket(RandomWalkParams params, std::vector<std::string> venues,
                                   std::vector<std::string> symbols)
    : params_(std::move(params)), venues_(std::move(venues)), rng_(params_.seed) {
  for (const auto& symbol : symbols) {
    SymbolState state;
    const auto it = params_.start_prices.find(symbol);
    state.reference = it != params_.start_prices.end() ? it->second : 100.0;
    for (const auto& venue : venues_) state.venue_offset_bps[venue] = 0.0;
    symbols_.emplace(symbol, std::move(state));
  }
}

void RandomWalkMarket::advance_to(std::uint64_t step) {
  while (step_ < step) step_once();
}

void RandomWalkMarket::step_once() {
  ++step_;
  std::normal_distribution<double> move(0.0, params_.volatility_bps);
  std::normal_distribution<double> noise(0.0, params_.venue_noise_bps);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (auto& [symbol, state] : symbols_) {
    state.reference *= 1.0 + move(rng_) / 1e4;
    for (auto& [venue, offset] : state.venue_offset_bps) {
      // Mean-reverting noise keeps venues close to the reference between dislocations.
      offset = 0.7 * offset + noise(rng_);
    }
    Dislocation& d = state.dislocation;
    if (d.steps_left > 0) {
      --d.steps_left;
    } else if (!venues_.empty() && unit(rng_) < params_.dislocation_probability) {
      std::uniform_int_distribution<std::size_t> pick(0, venues_.size() - 1);
      const double size = params_.dislocation_bps_min +
                          unit(rng_) * (params_.dislocation_bps_max - params_.dislocation_bps_min);
      d.venue = venues_[pick(rng_)];
      d.bps = unit(rng_) < 0.5 ? -size : size;
      d.steps_left = params_.dislocation_steps;
      d.steps_total = params_.dislocation_steps;
    }
  }
}

double RandomWalkMarket::dislocation_share(const Dislocation& d) {
  if (d.steps_left <= 0) return 0.0;
  const int ramp = std::max(1, d.steps_total / 3);
  const int age = d.steps_total - d.steps_left + 1;  // 1 on the step it started
  return std::min({1.0, static_cast<double>(age) / ramp, static_cast<double>(d.steps_left) / ramp});
}

double RandomWalkMarket::reference_mid(const std::string& symbol) const {
  const auto it = symbols_.find(symbol);
  if (it == symbols_.end()) throw std::out_of_range("unknown symbol " + symbol);
  return it->second.reference;
}

double RandomWalkMarket::venue_mid(const std::string& venue, const std::string& symbol) const {
  const auto it = symbols_.find(symbol);
  if (it == symbols_.end()) throw std::out_of_range("unknown symbol " + symbol);
  const SymbolState& state = it->second;
  double bps = 0;
  if (const auto off = state.venue_offset_bps.find(venue); off != state.venue_offset_bps.end()) {
    bps += off->second;
  }
  // The dislocated venue moves half the size one way, every other venue half the other.
  const double half = state.dislocation.bps / 2 * dislocation_share(state.dislocation);
  bps += state.dislocation.venue == venue ? half : -half;
  return state.reference * (1.0 + bps / 1e4);
}

}  // namespace propbot::venues::sim
