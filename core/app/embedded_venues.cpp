#include "core/app/embedded_venues.hpp"

#include <random>

#include <boost/asio/io_context.hpp>

#include "core/app/venue_adapter.hpp"
#include "core/venues/sim/host/venue_factory.hpp"
#include "core/venues/sim/host/venue_sim_host.hpp"

namespace propbot::app {
namespace {

// A fresh credential per start: the embedded simulator accepts exactly what it was told.
std::string random_token(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> digit(0, 35);
  std::string out;
  for (int i = 0; i < 32; ++i) {
    const int d = digit(rng);
    out.push_back(static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10));
  }
  return out;
}

std::string ws_url(const std::string& http_url) {
  return http_url.rfind("https://", 0) == 0 ? "wss://" + http_url.substr(8) : "ws://" + http_url.substr(7);
}

// binance / okx without endpoints of its own: the embedded simulator serves it.
bool embedded(const config::VenueConfig& venue) {
  return (venue.kind == "binance" || venue.kind == "okx") && !config::has_endpoint(venue);
}

}  // namespace

EmbeddedVenues::EmbeddedVenues() = default;

EmbeddedVenues::~EmbeddedVenues() {
  adapters_.clear();
  if (host_) host_->stop();
}

Status EmbeddedVenues::build(const config::Config& config, boost::asio::io_context& io, const Clock& engine_clock,
                             Logger log, const RawTapSource& taps) {
  venues::sim::VenueSimHostOptions options;
  options.seed = config.sim.seed;
  for (const auto& symbol : config.symbols) {
    const auto price = config.sim.start_prices.find(symbol);
    options.symbols.push_back({symbol, price != config.sim.start_prices.end() ? price->second : 100.0});
  }
  options.market.volatility_bps = config.sim.volatility_bps;
  options.market.spread_bps = config.sim.spread_bps;
  options.market.depth_levels = config.sim.depth_levels;
  options.market.dislocation_probability = config.sim.dislocation_probability;
  options.market.dislocation_bps_min = config.sim.dislocation_bps_min;
  options.market.dislocation_bps_max = config.sim.dislocation_bps_max;
  options.market.tick_ms = config.sim.tick_ms;
  options.market.dislocation_ticks = std::max(1, config.sim.dislocation_duration_ms / std::max(1, config.sim.tick_ms));
  for (const auto& venue : config.venues) {
    if (!embedded(venue)) continue;
    auto factory = venues::sim::venue_factory(venue.kind);
    if (!factory) return make_error(Errc::unavailable, venue.id + ": " + factory.error().message);
    options.venues.push_back({venue.kind, 0, std::move(*factory)});
  }
  if (options.venues.empty()) return {};
  options.log = [log](std::string_view line) { log.debug("venue_sim", {{"line", line}}); };

  host_ = std::make_unique<venues::sim::VenueSimHost>(std::move(options), host_clock_);
  if (auto started = host_->start(); !started) {
    return make_error(started.error().code, "embedded venue simulator: " + started.error().message);
  }
  std::mt19937_64 rng(std::random_device{}());
  for (const auto& venue : config.venues) {
    if (!embedded(venue)) continue;
    venues::sim::HostedVenue* hosted = host_->venue(venue.kind);
    venues::sim::SimAccountSpec account;
    account.api_key = random_token(rng);
    account.api_secret = random_token(rng);
    account.passphrase = random_token(rng);
    account.balances["USDT"] = Decimal::from_mantissa(1'000'000, 0);
    {
      std::lock_guard lock(hosted->call_mutex);
      if (auto created = hosted->venue->create_account(account); !created) {
        return make_error(created.error().code, venue.id + ": paper account: " + created.error().message);
      }
    }
    config::VenueConfig endpoints = venue;
    endpoints.rest_url = hosted->url;
    endpoints.ws_url = venue.kind == "binance" ? ws_url(hosted->url) : ws_url(hosted->url) + "/ws/v5/public";
    endpoints.ws_private_url = venue.kind == "binance" ? "" : ws_url(hosted->url) + "/ws/v5/private";
    auto adapter = connect_adapter(endpoints, {account.api_key, account.api_secret, account.passphrase},
                                   config.symbols, io, engine_clock, log, taps ? taps(venue.id) : RawMessageTap{});
    if (!adapter) return adapter.error();
    log.info("venue_connected", {{"venue", venue.id}, {"kind", venue.kind}, {"url", hosted->url}, {"mode", "embedded_sim"}});
    adapters_.push_back(std::move(*adapter));
  }
  return {};
}

}  // namespace propbot::app
