#include "core/venues/sim/host/admin_json.hpp"

#include "core/venues/sim/fault_fields.hpp"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>

namespace propbot::venues::sim {
namespace {

using nlohmann::json;

Error field_error(const std::string& field, const std::string& message) {
  return make_error(Errc::invalid_argument, field + ": " + message);
}

// One settable field: how to read it from JSON into the target value.
template <typename T>
using FieldSetter = std::function<Status(const json&, T&)>;

template <typename T>
FieldSetter<T> int_field(int T::*member, const std::string& name, long long min, long long max) {
  return [=](const json& value, T& target) -> Status {
    if (!value.is_number_integer()) return field_error(name, "must be an integer");
    const auto number = value.get<long long>();
    if (number < min || number > max) {
      return field_error(name, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    target.*member = static_cast<int>(number);
    return {};
  };
}

template <typename T>
FieldSetter<T> double_field(double T::*member, const std::string& name) {
  return [=](const json& value, T& target) -> Status {
    if (!value.is_number()) return field_error(name, "must be a number");
    const double number = value.get<double>();
    if (!std::isfinite(number)) return field_error(name, "must be finite");
    target.*member = number;
    return {};
  };
}

template <typename T>
Result<T> merge(const T& base, const json& patch, const std::map<std::string, FieldSetter<T>>& fields) {
  if (!patch.is_object()) return make_error(Errc::invalid_argument, "body: must be a JSON object");
  T result = base;
  for (const auto& [name, value] : patch.items()) {
    const auto it = fields.find(name);
    if (it == fields.end()) {
      std::string known;
      for (const auto& [field, setter] : fields) known += (known.empty() ? "" : ", ") + field;
      return field_error(name, "unknown field; known: " + known);
    }
    if (Status set = it->second(value, result); !set) return set.error();
  }
  return result;
}

const std::map<std::string, FieldSetter<MarketParams>>& market_fields() {
  static const std::map<std::string, FieldSetter<MarketParams>> fields{
      {"volatility_bps", double_field(&MarketParams::volatility_bps, "volatility_bps")},
      {"venue_noise_bps", double_field(&MarketParams::venue_noise_bps, "venue_noise_bps")},
      {"spread_bps", double_field(&MarketParams::spread_bps, "spread_bps")},
      {"depth_levels", int_field(&MarketParams::depth_levels, "depth_levels", 1, 400)},
      {"level_notional", double_field(&MarketParams::level_notional, "level_notional")},
      {"dislocation_probability", double_field(&MarketParams::dislocation_probability, "dislocation_probability")},
      {"dislocation_bps_min", double_field(&MarketParams::dislocation_bps_min, "dislocation_bps_min")},
      {"dislocation_bps_max", double_field(&MarketParams::dislocation_bps_max, "dislocation_bps_max")},
      {"dislocation_ticks", int_field(&MarketParams::dislocation_ticks, "dislocation_ticks", 1, 1000000)},
      {"funding_rate", double_field(&MarketParams::funding_rate, "funding_rate")},
      {"funding_drift", double_field(&MarketParams::funding_drift, "funding_drift")},
      {"mark_smoothing", double_field(&MarketParams::mark_smoothing, "mark_smoothing")},
      {"tick_ms", int_field(&MarketParams::tick_ms, "tick_ms", 10, 60000)},
  };
  return fields;
}

}  // namespace

json fault_plan_to_json(const FaultPlan& plan) { return fault_plan_json(plan, /*with_one_shot=*/true); }

Result<FaultPlan> merge_fault_plan(const FaultPlan& base, const json& patch) {
  return merge_fault_fields(base, patch);
}

json market_params_to_json(const MarketParams& params) {
  return json{{"volatility_bps", params.volatility_bps},
              {"venue_noise_bps", params.venue_noise_bps},
              {"spread_bps", params.spread_bps},
              {"depth_levels", params.depth_levels},
              {"level_notional", params.level_notional},
              {"dislocation_probability", params.dislocation_probability},
              {"dislocation_bps_min", params.dislocation_bps_min},
              {"dislocation_bps_max", params.dislocation_bps_max},
              {"dislocation_ticks", params.dislocation_ticks},
              {"funding_rate", params.funding_rate},
              {"funding_drift", params.funding_drift},
              {"mark_smoothing", params.mark_smoothing},
              {"tick_ms", params.tick_ms}};
}

Result<MarketParams> merge_market_params(const MarketParams& base, const json& patch) {
  auto merged = merge(base, patch, market_fields());
  if (!merged) return merged;
  if (const std::string problem = merged->validate(); !problem.empty()) {
    return make_error(Errc::invalid_argument, problem);
  }
  return merged;
}

Result<Decimal> decimal_from_json(const json& value, const std::string& field) {
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_number_integer()) {
    text = value.dump();
  } else if (value.is_number_float()) {
    const double number = value.get<double>();
    if (!std::isfinite(number)) return field_error(field, "must be a finite number");
    text = value.dump();  // shortest text that round-trips the double
  } else {
    return field_error(field, "must be a decimal string or a number");
  }
  auto parsed = Decimal::parse(text);
  if (!parsed) return field_error(field, "'" + text + "' is not a decimal: " + parsed.error().message);
  return parsed;
}

Result<AccountRequest> parse_account_request(const json& body) {
  if (!body.is_object()) return make_error(Errc::invalid_argument, "body: must be a JSON object");
  static const std::map<std::string, bool> known{
      {"venue", true}, {"api_key", true}, {"api_secret", true}, {"passphrase", true}, {"balances", true}};
  for (const auto& [name, value] : body.items()) {
    if (known.find(name) == known.end()) {
      return field_error(name, "unknown field; known: venue, api_key, api_secret, passphrase, balances");
    }
  }
  const auto required_string = [&](const std::string& name, std::string& out) -> Status {
    const auto it = body.find(name);
    if (it == body.end()) return field_error(name, "is required");
    if (!it->is_string() || it->get<std::string>().empty()) return field_error(name, "must be a non-empty string");
    out = it->get<std::string>();
    return {};
  };
  AccountRequest request;
  for (Status status : {required_string("venue", request.venue), required_string("api_key", request.spec.api_key),
                        required_string("api_secret", request.spec.api_secret)}) {
    if (!status) return status.error();
  }
  if (const auto it = body.find("passphrase"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return field_error("passphrase", "must be a string");
    request.spec.passphrase = it->get<std::string>();
  }
  if (const auto it = body.find("balances"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return field_error("balances", "must be an object of asset -> amount, e.g. {\"USDT\": 100000}");
    for (const auto& [asset, amount] : it->items()) {
      const std::string field = "balances." + asset;
      if (asset.empty()) return field_error("balances", "asset name is empty");
      auto value = decimal_from_json(amount, field);
      if (!value) return value.error();
      if (value->sign() <= 0) return field_error(field, "must be > 0");
      request.spec.balances[asset] = *value;
    }
  }
  return request;
}

}  // namespace propbot::venues::sim
