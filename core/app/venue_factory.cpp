#include "core/app/venue_factory.hpp"

#include <algorithm>

#include "core/app/venue_adapter.hpp"

#include "core/app/paper_twins.hpp"
#include "core/venues/paper/paper_broker.hpp"
#include "core/venues/sim/random_walk_market.hpp"
#include "core/venues/sim/random_walk_venue.hpp"

namespace propbot::app {
namespace {

// Tick and lot sizes of the simulated perps, close to the real venues' BTC/ETH perps.
md::InstrumentSpec sim_instrument(const std::string& venue, const std::string& symbol, double price) {
  md::InstrumentSpec spec;
  spec.venue = venue;
  spec.symbol = symbol;
  spec.tick_size = price >= 10'000 ? 0.1 : price >= 100 ? 0.01 : 0.0001;
  spec.lot_size = price >= 10'000 ? 0.001 : price >= 100 ? 0.01 : 1.0;
  spec.min_notional = 5.0;
  return spec;
}

std::shared_ptr<venues::sim::RandomWalkMarket> random_walk_market(const config::Config& config) {
  venues::sim::RandomWalkParams params;
  params.seed = config.sim.seed;
  params.volatility_bps = config.sim.volatility_bps;
  params.dislocation_probability = config.sim.dislocation_probability;
  params.dislocation_bps_min = config.sim.dislocation_bps_min;
  params.dislocation_bps_max = config.sim.dislocation_bps_max;
  params.dislocation_steps = std::max(1, config.sim.dislocation_duration_ms / std::max(1, config.sim.tick_ms));
  params.start_prices = config.sim.start_prices;
  std::vector<std::string> ids;
  for (const auto& venue : config.venues) ids.push_back(venue.id);
  return std::make_shared<venues::sim::RandomWalkMarket>(params, ids, config.symbols);
}

std::unique_ptr<venues::Venue> random_walk_venue(const config::Config& config, const config::VenueConfig& venue,
                                                 std::shared_ptr<venues::sim::RandomWalkMarket> market, Clock& clock) {
  std::vector<md::InstrumentSpec> instruments;
  for (const auto& symbol : config.symbols) {
    const auto price = config.sim.start_prices.find(symbol);
    instruments.push_back(sim_instrument(venue.id, symbol, price != config.sim.start_prices.end() ? price->second : 100.0));
  }
  venues::sim::RandomWalkVenueParams params;
  params.tick = std::chrono::milliseconds(config.sim.tick_ms);
  params.spread_bps = config.sim.spread_bps;
  params.depth_levels = config.sim.depth_levels;
  auto books = std::make_unique<venues::sim::RandomWalkVenue>(venue.id, std::move(instruments), std::move(market),
                                                              clock, params);
  return std::make_unique<venues::paper::PaperBroker>(std::move(books), clock, paper_options_of(venue));
}

// The adapter of a venue that names its own endpoints, with its keys from `keys`.
Result<std::unique_ptr<venues::Venue>> endpoint_venue(const config::Config& config, const config::VenueConfig& venue,
                                                      const VenueKeyring* keys, boost::asio::io_context& io,
                                                      Clock& clock, Logger log, RawMessageTap raw_tap) {
  const auto found = keys != nullptr ? keys->find(venue.id) : VenueKeyring::const_iterator{};
  if (keys == nullptr || found == keys->end()) {
    std::string names;
    for (const std::string& name : venue_secret_names(venue)) names += (names.empty() ? "" : ", ") + name;
    return make_error(Errc::config_invalid, venue.id + ": connects to " + venue.rest_url +
                                                " but no keys were read for it at start-up (secrets store entries " +
                                                names + ")");
  }
  const VenueKeys& stored = found->second;
  auto adapter = connect_adapter(
      venue, {stored.api_key.reveal(), stored.api_secret.reveal(), stored.passphrase.reveal()}, config.symbols, io,
      clock, log, std::move(raw_tap));
  if (adapter) {
    log.info("venue_connected", {{"venue", venue.id}, {"kind", venue.kind}, {"url", venue.rest_url},
                                 {"mode", "endpoint"}, {"demo", venue.demo}});
  }
  return adapter;
}

}  // namespace

Result<std::unique_ptr<VenueSet>> VenueSet::build(const config::Config& config, const VenueKeyring* keys,
                                                  boost::asio::io_context& io, Clock& engine_clock, Logger log,
                                                  const RawTapSource& taps) {
  std::unique_ptr<VenueSet> set(new VenueSet());
  set->market_ = random_walk_market(config);
  if (auto built = set->embedded_.build(config, io, engine_clock, log, taps); !built) return built.error();
  auto adapters = set->embedded_.take_adapters();
  auto next_adapter = adapters.begin();
  for (const auto& venue : config.venues) {
    if (venue.kind == "sim") {
      set->venues_.push_back(random_walk_venue(config, venue, set->market_, engine_clock));
    } else if (config::has_endpoint(venue)) {
      auto adapter = endpoint_venue(config, venue, keys, io, engine_clock, log, taps ? taps(venue.id) : RawMessageTap{});
      if (!adapter) return adapter.error();
      set->venues_.push_back(std::move(*adapter));
    } else {
      set->venues_.push_back(std::move(*next_adapter++));  // embedded adapters come in config order
    }
  }
  return set;
}

// Members go in reverse order: the venues (adapters) first, then the embedded simulator.
VenueSet::~VenueSet() = default;

std::vector<venues::Venue*> VenueSet::venues() const {
  std::vector<venues::Venue*> out;
  for (const auto& venue : venues_) out.push_back(venue.get());
  return out;
}

}  // namespace propbot::app
