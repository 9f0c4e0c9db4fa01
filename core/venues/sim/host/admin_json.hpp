// The JSON forms of the venue simulator admin API's values (docs/API.md, "Venue
// simulator admin API"): FaultPlan and MarketParams out and back in (a PUT merges only
// the fields it names), account specs, and decimals given as strings or numbers.
//
// Guarantees: a merge either applies every field or none (it works on a copy); an
// unknown field, a wrong type or a value out of range is an invalid_argument whose
// message starts with the field's name ("added_latency_ms: must be an integer >= 0").
// Pure functions; no I/O. Uses nlohmann::json, Decimal, FaultPlan, MarketParams.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/venues/sim/faults.hpp"
#include "core/venues/sim/host/market_model.hpp"
#include "core/venues/sim/simulated_venue.hpp"

namespace propbot::venues::sim {

nlohmann::json fault_plan_to_json(const FaultPlan& plan);
// `patch` must be an object; returns `base` with the named fields replaced.
Result<FaultPlan> merge_fault_plan(const FaultPlan& base, const nlohmann::json& patch);

nlohmann::json market_params_to_json(const MarketParams& params);
// As merge_fault_plan, then MarketParams::validate() on the result. The `jump` command
// field is not a parameter: the caller removes it first.
Result<MarketParams> merge_market_params(const MarketParams& base, const nlohmann::json& patch);

// A decimal given as a JSON string ("100000.5") or number (100000.5). `field` names it
// in the error.
Result<Decimal> decimal_from_json(const nlohmann::json& value, const std::string& field);

// `POST /admin/accounts` body -> venue name + spec. Checks presence and types only
// (non-empty key and secret, balances: asset -> decimal > 0); whether a passphrase is
// required depends on the venue and is the caller's check.
struct AccountRequest {
  std::string venue;
  SimAccountSpec spec;
};
Result<AccountRequest> parse_account_request(const nlohmann::json& body);

}  // namespace propbot::venues::sim
