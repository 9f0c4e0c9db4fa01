#include "core/venues/sim/host/venue_factory.hpp"

#ifdef PROPBOT_HAVE_BINANCE_SIM
#include "core/venues/sim/binance/binance_sim_venue.hpp"
#endif
#ifdef PROPBOT_HAVE_OKX_SIM
#include "core/venues/sim/okx/okx_sim_venue.hpp"
#endif

namespace propbot::venues::sim {

std::vector<std::string> known_protocols() { return {"binance", "okx"}; }

std::vector<std::string> built_protocols() {
  std::vector<std::string> built;
#ifdef PROPBOT_HAVE_BINANCE_SIM
  built.emplace_back("binance");
#endif
#ifdef PROPBOT_HAVE_OKX_SIM
  built.emplace_back("okx");
#endif
  return built;
}

Result<VenueFactory> venue_factory(const std::string& protocol) {
#ifdef PROPBOT_HAVE_BINANCE_SIM
  if (protocol == "binance") {
    return VenueFactory([](const SimVenueConfig& config, const Clock& clock) { return make_binance_venue(config, clock); });
  }
#endif
#ifdef PROPBOT_HAVE_OKX_SIM
  if (protocol == "okx") {
    return VenueFactory([](const SimVenueConfig& config, const Clock& clock) { return make_okx_venue(config, clock); });
  }
#endif
  for (const auto& known : known_protocols()) {
    if (known == protocol) {
      return make_error(Errc::unavailable, protocol + ": the " + protocol +
                                               " simulator frontend is not built into this binary");
    }
  }
  return make_error(Errc::not_found, protocol + ": unknown venue protocol; known: binance, okx");
}

}  // namespace propbot::venues::sim
