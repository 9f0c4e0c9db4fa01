#include "core/app/venue_adapter.hpp"

#include "core/venues/binance/adapter.hpp"
#include "core/venues/okx/adapter.hpp"

namespace propbot::app {

Result<std::unique_ptr<venues::Venue>> connect_adapter(const config::VenueConfig& venue, const AdapterKeys& keys,
                                                       const std::vector<std::string>& symbols,
                                                       boost::asio::io_context& io, const Clock& clock, Logger log,
                                                       RawMessageTap raw_tap) {
  Result<std::unique_ptr<venues::Venue>> adapter = make_error(Errc::invalid_argument, "no adapter for kind '" + venue.kind + "'");
  if (venue.kind == "binance") {
    venues::binance::BinanceAdapterOptions options;
    options.venue_id = venue.id;
    options.rest_base_url = venue.rest_url;
    options.ws_base_url = venue.ws_url;
    options.api_key = std::string(keys.api_key);
    options.api_secret = std::string(keys.api_secret);
    options.symbols = symbols;
    if (!venue.stp_mode.empty()) options.stp_mode = venue.stp_mode;
    options.raw_tap = std::move(raw_tap);
    adapter = venues::binance::make_binance_adapter(io, clock, std::move(options), log);
  } else if (venue.kind == "okx") {
    venues::okx::OkxAdapterOptions options;
    options.venue_id = venue.id;
    options.rest_base_url = venue.rest_url;
    options.ws_public_url = venue.ws_url;
    options.ws_private_url = venue.ws_private_url;
    options.demo = venue.demo;
    options.api_key = std::string(keys.api_key);
    options.secret_key = std::string(keys.api_secret);
    options.passphrase = std::string(keys.passphrase);
    options.symbols = symbols;
    if (!venue.stp_mode.empty()) options.stp_mode = venue.stp_mode;
    options.raw_tap = std::move(raw_tap);
    adapter = venues::okx::make_okx_adapter(io, clock, std::move(options), log);
  }
  if (!adapter) return make_error(adapter.error().code, venue.id + ": " + adapter.error().message);
  return adapter;
}

}  // namespace propbot::app
