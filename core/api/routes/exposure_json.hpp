// GET /api/ui/exposure (S-11.8): the desk's exposure long / short / net / gross per venue,
// per symbol and in total, in USDT at the marks, from the positions view (exposure rows
// {venue, symbol, net_qty, notional_usdt}; notional_usdt is |net_qty| × mark, null when
// the row has no mark yet — counted in `unmarked` and left out of the sums). Pure.
#pragma once

#include <nlohmann/json.hpp>

namespace propbot::api {

// `positions`: the positions view ({"positions", "exposure"}) or null (no executor).
nlohmann::json exposure_json(const nlohmann::json& positions);

}  // namespace propbot::api
