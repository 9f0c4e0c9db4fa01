// validate(): is a Bundle fit to run under a profile? (SPEC S-7.5, `POST
// /api/ui/config/validate`, `propbot config validate DIR`). Runs, in order:
//   1. the real config loader (core/config load_config) on configs/<profile>.yaml,
//      with the bundle as scripting.bundle_dir and no environment, so every schema,
//      range, cross-field and strategy-file rule is the daemon's own;
//   2. each enabled strategy of the profile through StrategyRunner::load (compile,
//      module shape, params against their declarations, on_start) and then a dry run:
//      on_book for every book of a recorded market when one is given (the daemon's
//      real books), then
//      on_book for every configured symbol on every configured venue over a synthetic
//      market (valid books at the profile's sim.start_prices, 50000 / 3000 for
//      BTC / ETH otherwise), three rounds, the second with one venue dislocated so
//      the propose path runs too; then on_stop;
//   3. when the bundle has policies/*.lua: PolicyPipeline::load, one decide() on
//      neutral features and one breaker evaluation on all-zero metrics.
//
// Guarantees: never throws, never stops at the first problem of a stage (each strategy
// is checked even when another failed; stage 2 needs stage 1's Config, so a profile
// that does not load reports only its YAML errors and the policy checks). Every error
// names a bundle path ("configs/paper.yaml", "strategies/x.lua") and its line when one
// is known (0 otherwise); no temporary path leaks into a message. Scripts run under the
// profile's sandbox limits (instruction budget, memory, and the per-call time limit the
// budget implies, enforced by one ScriptWatchdog per validation). Writes the bundle to a private
// temporary directory (removed on return) because the loader and the runners read
// files; blocks on the filesystem and runs Lua: call it from a worker or the CLI, never
// from the engine thread.
//
// Uses: bundle.hpp, core/config (loader, issue), scripting (StrategyRunner,
// PolicyPipeline, MarketView), core/md (OrderBook).
#pragma once

#include <string>
#include <vector>

#include "core/bundle/bundle.hpp"
#include "core/config/config.hpp"
#include "core/config/loader.hpp"
#include "scripting/recorded_market.hpp"
#include "scripting/strategy_runner.hpp"

#include <optional>

namespace propbot::bundle {

struct ValidationError {
  std::string file;  // bundle path, e.g. "strategies/my.lua", "configs/paper.yaml"
  int line = 0;      // 1-based; 0 when unknown
  std::string message;

  bool operator==(const ValidationError&) const = default;
};

// "strategies/my.lua:12: attempt to index a nil value"
std::string format(const ValidationError& error);

// Loads configs/<profile>.yaml of a bundle written under `root` through the real
// loader with `options` (environment, command-line values; config_file and the
// bundle_dir are set here), reporting the loader's issues as errors naming the bundle
// path, never the temporary root. nullopt when there were issues.
std::optional<config::Config> load_profile_at(const std::string& root, config::Profile profile,
                                              config::LoadOptions options, std::vector<ValidationError>& errors);

// What a configuration gives its strategies besides the market: each venue's fee tier
// (venues[].maker_fee_bps / taker_fee_bps, for ctx:fees) and the symbols ctx:propose
// may name (config.symbols). The engine and the dry runs use the same.
scripting::StrategyEnv strategy_env(const config::Config& config);

// Where the profile `config_file` (as errors name it, e.g. "configs/paper.yaml") sets
// the params of config.strategies[index] (StrategySpec::params_origin): a configured
// value the strategy's declaration refuses is reported at that file's line. The engine
// and the dry runs use the same.
scripting::ParamsOrigin params_origin(const config::Config& config, std::size_t index, std::string config_file);

// Empty = valid. `recorded` (optional): real books to dry-run every strategy on first
// (the running daemon passes what its engine sees), before the synthetic rounds; a
// fault there is reported as "on_book dry run on the recorded market (VENUE SYMBOL)".
std::vector<ValidationError> validate(const Bundle& bundle, config::Profile profile,
                                      const scripting::RecordedMarket* recorded = nullptr);

}  // namespace propbot::bundle
