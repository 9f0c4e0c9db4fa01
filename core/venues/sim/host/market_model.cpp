#include "core/venues/sim/host/market_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace propbot::venues::sim {
namespace {

// Real venues cap the funding rate; the drift must not run away on a long session.
constexpr double kFundingRateCap = 0.0075;

bool finite_non_negative(double value) { return std::isfinite(value) && value >= 0; }

}  // namespace

std::string MarketParams::validate() const {
  if (!finite_non_negative(volatility_bps) || volatility_bps > 1000) return "volatility_bps: must be in [0, 1000]";
  if (!finite_non_negative(venue_noise_bps) || venue_noise_bps > 1000) return "venue_noise_bps: must be in [0, 1000]";
  if (!std::isfinite(spread_bps) || spread_bps <= 0 || spread_bps > 1000) return "spread_bps: must be in (0, 1000]";
  if (depth_levels < 1 || depth_levels > 400) return "depth_levels: must be in [1, 400]";
  if (!std::isfinite(level_notional) || level_notional <= 0 || level_notional > 1e9) {
    return "level_notional: must be in (0, 1e9]";
  }
  if (!finite_non_negative(dislocation_probability) || dislocation_probability > 1) {
    return "dislocation_probability: must be in [0, 1]";
  }
  if (!finite_non_negative(dislocation_bps_min)) return "dislocation_bps_min: must be >= 0";
  if (!std::isfinite(dislocation_bps_max) || dislocation_bps_max < dislocation_bps_min || dislocation_bps_max >= 10000) {
    return "dislocation_bps_max: must be in [dislocation_bps_min, 10000)";
  }
  if (dislocation_ticks < 1) return "dislocation_ticks: must be >= 1";
  if (!std::isfinite(funding_rate) || std::abs(funding_rate) > kFundingRateCap) {
    return "funding_rate: must be in [-0.0075, 0.0075]";
  }
  if (!finite_non_negative(funding_drift) || funding_drift > 0.001) return "funding_drift: must be in [0, 0.001]";
  if (!std::isfinite(mark_smoothing) || mark_smoothing <= 0 || mark_smoothing > 1) {
    return "mark_smoothing: must be in (0, 1]";
  }
  if (tick_ms < 10 || tick_ms > 60000) return "tick_ms: must be in [10, 60000]";
  return {};
}

MarketModel::MarketModel(MarketParams params, std::uint64_t seed, std::vector<std::string> venues,
                         std::vector<MarketSymbol> symbols)
    : params_(std::move(params)),
      seed_(seed),
      venues_(std::move(venues)),
      symbols_(std::move(symbols)),
      funding_rng_(seed ^ 0x9e3779b97f4a7c15ULL) {
  if (const std::string problem = params_.validate(); !problem.empty()) throw std::invalid_argument(problem);
  if (venues_.empty()) throw std::invalid_argument("market model: no venue");
  if (symbols_.empty()) throw std::invalid_argument("market model: no symbol");
  std::map<std::string, double> start_prices;
  for (const auto& symbol : symbols_) {
    if (!(symbol.start_price > 0)) throw std::invalid_argument(symbol.symbol + ": start_price must be > 0");
    start_prices[symbol.symbol] = symbol.start_price;
    index_jump_bps_[symbol.symbol] = 0;
  }
  rebuild_walk(start_prices);
  for (const auto& venue : venues_) {
    for (const auto& symbol : symbols_) {
      Quote& quote = quotes_[venue][symbol.symbol];
      quote.funding_rate = params_.funding_rate;
      quote.mark = walk_->venue_mid(venue, symbol.symbol);
    }
  }
}

void MarketModel::rebuild_walk(const std::map<std::string, double>& start_prices) {
  RandomWalkParams walk;
  walk.seed = seed_ + generation_ * 0x100000001b3ULL;
  walk.volatility_bps = params_.volatility_bps;
  walk.venue_noise_bps = params_.venue_noise_bps;
  walk.dislocation_probability = params_.dislocation_probability;
  walk.dislocation_bps_min = params_.dislocation_bps_min;
  walk.dislocation_bps_max = params_.dislocation_bps_max;
  walk.dislocation_steps = params_.dislocation_ticks;
  walk.start_prices = start_prices;
  std::vector<std::string> names;
  for (const auto& symbol : symbols_) names.push_back(symbol.symbol);
  walk_ = std::make_unique<RandomWalkMarket>(walk, venues_, names);
  walk_step_ = 0;
  ++generation_;
}

double MarketModel::mid_of(const std::string& venue, const std::string& symbol, const Quote& quote) const {
  return walk_->venue_mid(venue, symbol) * (1.0 + quote.jump_bps / 1e4);
}

MarketTick MarketModel::tick_for(const std::string& venue, const std::string& symbol, const Quote& quote) const {
  MarketTick tick;
  tick.symbol = symbol;
  tick.mid = mid_of(venue, symbol, quote);
  tick.spread_bps = params_.spread_bps;
  tick.depth_levels = params_.depth_levels;
  tick.level_notional = params_.level_notional;
  tick.mark = quote.mark;
  tick.index = walk_->reference_mid(symbol) * (1.0 + index_jump_bps_.at(symbol) / 1e4);
  tick.funding_rate = quote.funding_rate;
  return tick;
}

std::map<std::string, std::vector<MarketTick>> MarketModel::snapshot() const {
  std::map<std::string, std::vector<MarketTick>> ticks;
  for (const auto& venue : venues_) {
    auto& list = ticks[venue];
    for (const auto& symbol : symbols_) list.push_back(tick_for(venue, symbol.symbol, quotes_.at(venue).at(symbol.symbol)));
  }
  return ticks;
}

std::map<std::string, std::vector<MarketTick>> MarketModel::step() {
  std::lock_guard lock(mutex_);
  walk_->advance_to(++walk_step_);
  ++steps_;
  std::normal_distribution<double> drift(0.0, params_.funding_drift);
  for (const auto& venue : venues_) {
    for (const auto& symbol : symbols_) {
      Quote& quote = quotes_[venue][symbol.symbol];
      const double mid = mid_of(venue, symbol.symbol, quote);
      quote.mark += params_.mark_smoothing * (mid - quote.mark);
      // Mean-reverting toward the base rate, so a long session stays realistic.
      const double next = quote.funding_rate + 0.05 * (params_.funding_rate - quote.funding_rate) + drift(funding_rng_);
      quote.funding_rate = std::clamp(next, -kFundingRateCap, kFundingRateCap);
    }
  }
  return snapshot();
}

std::map<std::string, std::vector<MarketTick>> MarketModel::current() const {
  std::lock_guard lock(mutex_);
  return snapshot();
}

std::uint64_t MarketModel::steps() const {
  std::lock_guard lock(mutex_);
  return steps_;
}

MarketParams MarketModel::params() const {
  std::lock_guard lock(mutex_);
  return params_;
}

Status MarketModel::update(const MarketParams& params) {
  if (const std::string problem = params.validate(); !problem.empty()) {
    return make_error(Errc::invalid_argument, problem);
  }
  std::lock_guard lock(mutex_);
  const MarketParams old = params_;
  params_ = params;
  const bool walk_changed = old.volatility_bps != params.volatility_bps || old.venue_noise_bps != params.venue_noise_bps ||
                            old.dislocation_probability != params.dislocation_probability ||
                            old.dislocation_bps_min != params.dislocation_bps_min ||
                            old.dislocation_bps_max != params.dislocation_bps_max ||
                            old.dislocation_ticks != params.dislocation_ticks;
  if (walk_changed) {
    std::map<std::string, double> start_prices;
    for (const auto& symbol : symbols_) start_prices[symbol.symbol] = walk_->reference_mid(symbol.symbol);
    rebuild_walk(start_prices);
  }
  if (old.funding_rate != params.funding_rate) {
    for (auto& [venue, by_symbol] : quotes_) {
      for (auto& [symbol, quote] : by_symbol) quote.funding_rate = params.funding_rate;
    }
  }
  return {};
}

Status MarketModel::jump(const std::string& venue, const std::string& symbol, double bps) {
  if (!std::isfinite(bps) || std::abs(bps) >= 10000) {
    return make_error(Errc::invalid_argument, "bps: must be a number in (-10000, 10000)");
  }
  std::lock_guard lock(mutex_);
  if (!venue.empty() && quotes_.find(venue) == quotes_.end()) {
    return make_error(Errc::not_found, "venue: unknown venue '" + venue + "'");
  }
  if (!symbol.empty() && index_jump_bps_.find(symbol) == index_jump_bps_.end()) {
    return make_error(Errc::not_found, "symbol: unknown symbol '" + symbol + "'");
  }
  // Offsets compound as prices do: two -50% jumps leave a quarter of the price.
  const auto compounded = [bps](double offset_bps) { return ((1.0 + offset_bps / 1e4) * (1.0 + bps / 1e4) - 1.0) * 1e4; };
  const auto compound = [&](double& offset_bps) { offset_bps = compounded(offset_bps); };
  const auto too_low = [&](double offset_bps) { return 1.0 + compounded(offset_bps) / 1e4 < kMinPriceFactor; };
  // Checked for every price the jump moves (each venue's mid, and the index when every
  // venue moves) before any moves.
  const auto refuse = [](const std::string& what) {
    return make_error(Errc::invalid_argument, "bps: would take " + what +
                                                  " below 0.1% of its unjumped price (kMinPriceFactor), which the "
                                                  "simulator cannot quote; jump back up first");
  };
  for (const auto& [venue_name, by_symbol] : quotes_) {
    if (!venue.empty() && venue_name != venue) continue;
    for (const auto& [symbol_name, quote] : by_symbol) {
      if ((symbol.empty() || symbol_name == symbol) && too_low(quote.jump_bps)) return refuse(venue_name + " " + symbol_name);
    }
  }
  if (venue.empty()) {
    for (const auto& [symbol_name, offset] : index_jump_bps_) {
      if ((symbol.empty() || symbol_name == symbol) && too_low(offset)) return refuse("the index of " + symbol_name);
    }
  }
  for (auto& [venue_name, by_symbol] : quotes_) {
    if (!venue.empty() && venue_name != venue) continue;
    for (auto& [symbol_name, quote] : by_symbol) {
      if (!symbol.empty() && symbol_name != symbol) continue;
      compound(quote.jump_bps);
      // The mark follows a jump at once: a black swan is also a mark move (liquidations).
      quote.mark = mid_of(venue_name, symbol_name, quote);
    }
  }
  if (venue.empty()) {
    for (auto& [symbol_name, offset] : index_jump_bps_) {
      if (symbol.empty() || symbol_name == symbol) compound(offset);
    }
  }
  return {};
}

std::string MarketModel::price_problem() const {
  std::lock_guard lock(mutex_);
  for (const auto& [venue, list] : snapshot()) {
    for (const MarketTick& tick : list) {
      // Far under what any jump may leave (a tenth of the floor): the price is broken.
      double floor = 0;
      for (const MarketSymbol& symbol : symbols_) {
        if (symbol.symbol == tick.symbol) floor = symbol.start_price * kMinPriceFactor / 10;
      }
      const auto bad = [floor](double price) { return !std::isfinite(price) || price <= floor; };
      const auto describe = [&](const char* what, double value) {
        return venue + " " + tick.symbol + " " + what + " is " + std::to_string(value);
      };
      if (bad(tick.mid)) return describe("mid", tick.mid);
      if (bad(tick.mark)) return describe("mark", tick.mark);
      if (bad(tick.index)) return describe("index", tick.index);
    }
  }
  return {};
}

}  // namespace propbot::venues::sim
