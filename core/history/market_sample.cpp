#include "core/history/market_sample.hpp"

#include <nlohmann/json.hpp>

namespace propbot::history {
namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json venues_json(const SymbolSample& symbol) {
  nlohmann::json out = nlohmann::json::object();
  for (const VenueMarket& venue : symbol.venues) {
    out[venue.venue] = {{"mid", or_null(venue.mid)},
                        {"funding_rate", or_null(venue.funding_rate)},
                        {"next_funding_ts", or_null(venue.next_funding_unix_ms)},
                        {"mark", or_null(venue.mark_price)},
                        {"index", or_null(venue.index_price)},
                        {"basis_bps", or_null(venue.basis_bps)}};
  }
  return out;
}

nlohmann::json ws_gap_json(const MarketSample& sample) {
  nlohmann::json out = nlohmann::json::object();
  for (const VenueFigure& figure : sample.ws_gap_p95_ms) out[figure.venue] = figure.value;
  return out;
}

}  // namespace propbot::history
