// MarketModel: the prices the venue simulator quotes. Per venue and symbol it gives a
// mid (from RandomWalkMarket: one correlated reference walk, a little per-venue noise,
// now and then one venue dislocated — the cross-venue spreads an arbitrage strategy
// looks for), an index (the reference mid, what every venue's index follows), a mark
// (an exponential average of the venue's mid, so a one-tick spike moves the mark less
// than the last price) and a funding rate that drifts around a base rate. An admin
// `jump` moves one venue's (or every venue's) mid by N bps at once and keeps it there:
// the black-swan lever of the tests.
//
// Guarantees: deterministic for a seed and a sequence of step()/update()/jump() calls;
// update() validates the whole parameter set first and changes nothing when it fails
// (the error message names the field). Every method takes the model's mutex: safe from
// the host's tick thread and the admin server thread at once. Never blocks otherwise.
// Uses: RandomWalkMarket (core/venues/sim/random_walk_market.hpp), MarketTick
// (simulated_venue.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/venues/sim/random_walk_market.hpp"
#include "core/venues/sim/simulated_venue.hpp"

namespace propbot::venues::sim {

// Everything an operator or a test can change through `PUT /admin/market`.
struct MarketParams {
  double volatility_bps = 1.5;            // std-dev of the reference mid per tick
  double venue_noise_bps = 0.3;           // std-dev of each venue's offset from the reference
  double spread_bps = 1.0;                // quoted best bid/ask spread around the mid
  int depth_levels = 20;                  // book levels each side
  double level_notional = 25'000;         // mean quote notional (USDT) of one level, every symbol
  double dislocation_probability = 0.02;  // per symbol per tick
  double dislocation_bps_min = 8;
  double dislocation_bps_max = 40;
  int dislocation_ticks = 30;             // how long a dislocation lasts
  double funding_rate = 0.0001;           // base rate per settlement the drift reverts to
  double funding_drift = 0.00001;         // std-dev of the funding rate's move per tick
  double mark_smoothing = 0.5;            // weight of the new mid in the mark (1 = mark is the mid)
  int tick_ms = 500;                      // market step period of the host

  // Empty when usable, otherwise "<field>: <what is wrong>".
  std::string validate() const;
};

struct MarketSymbol {
  std::string symbol;  // canonical BASE-QUOTE
  double start_price = 100;
};

// The lowest a jump may take a price, as a fraction of its unjumped value (0.1%: a
// 99.9% crash); the tick grid of the shipped instruments still quotes it.
inline constexpr double kMinPriceFactor = 1e-3;

class MarketModel {
 public:
  // Throws std::invalid_argument for invalid params, no venue or no symbol (start-up).
  MarketModel(MarketParams params, std::uint64_t seed, std::vector<std::string> venues,
              std::vector<MarketSymbol> symbols);

  // Advances the market one tick and returns, per venue, one MarketTick per symbol.
  std::map<std::string, std::vector<MarketTick>> step();
  // The ticks as of the last step (or the start), without moving the market.
  std::map<std::string, std::vector<MarketTick>> current() const;
  std::uint64_t steps() const;

  MarketParams params() const;
  // Replaces the parameters. A change to the walk's parameters restarts the walk from
  // the current reference mids (venue noise and any running dislocation are dropped;
  // jumps are kept). A changed funding_rate resets every venue's rate to it.
  // Errors: invalid_argument naming the field.
  Status update(const MarketParams& params);
  // Moves `venue`'s mid of `symbol` by `bps` now (empty venue = every venue, empty
  // symbol = every symbol); the offset stays until another jump takes it back. A
  // market-wide jump (empty venue) moves the index as well; a one-venue jump does not.
  // Errors: not_found naming the unknown venue/symbol, invalid_argument when |bps| >= 10000
  // or when the compounded jumps would leave a price (a venue's mid or the index) below
  // kMinPriceFactor of its unjumped value: past that a price rounds to zero ticks and
  // stays there (issue 10). Nothing changes on an error.
  Status jump(const std::string& venue, const std::string& symbol, double bps);

  // Empty while every quoted mid, mark and index is a finite number above a tenth of
  // the jump floor (kMinPriceFactor / 10 of the symbol's start price), else what is
  // wrong ("SIM-A BTC-USDT mark is 0.000000"): /admin/health reports it as degraded.
  std::string price_problem() const;

  const std::vector<std::string>& venues() const { return venues_; }
  const std::vector<MarketSymbol>& symbols() const { return symbols_; }

 private:
  struct Quote {
    double mark = 0;
    double funding_rate = 0;
    double jump_bps = 0;
  };

  void rebuild_walk(const std::map<std::string, double>& start_prices);
  MarketTick tick_for(const std::string& venue, const std::string& symbol, const Quote& quote) const;
  double mid_of(const std::string& venue, const std::string& symbol, const Quote& quote) const;
  std::map<std::string, std::vector<MarketTick>> snapshot() const;

  mutable std::mutex mutex_;
  MarketParams params_;
  std::uint64_t seed_;
  std::uint64_t generation_ = 0;  // walk restarts, mixed into the walk's seed
  std::vector<std::string> venues_;
  std::vector<MarketSymbol> symbols_;
  std::unique_ptr<RandomWalkMarket> walk_;
  std::uint64_t walk_step_ = 0;
  std::uint64_t steps_ = 0;
  std::map<std::string, std::map<std::string, Quote>> quotes_;  // venue -> symbol -> quote
  std::map<std::string, double> index_jump_bps_;  // market-wide jumps move the index too
  std::mt19937_64 funding_rng_;
};

}  // namespace propbot::venues::sim
