#include "core/api/routes/exposure_json.hpp"

#include <cmath>
#include <map>
#include <string>

namespace propbot::api {
namespace {

using nlohmann::json;

struct Sums {
  double long_usdt = 0;
  double short_usdt = 0;
  int unmarked = 0;

  void add(double net_qty, const json& notional) {
    if (!notional.is_number()) {
      ++unmarked;
      return;
    }
    (net_qty > 0 ? long_usdt : short_usdt) += std::fabs(notional.get<double>());
  }
  json to_json() const {
    return json{{"long_usdt", long_usdt},
                {"short_usdt", short_usdt},
                {"net_usdt", long_usdt - short_usdt},
                {"gross_usdt", long_usdt + short_usdt},
                {"unmarked", unmarked}};
  }
};

json rows(const std::map<std::string, Sums>& by, const char* key) {
  json out = json::array();
  for (const auto& [name, sums] : by) {
    json row = sums.to_json();
    row[key] = name;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

json exposure_json(const json& positions) {
  std::map<std::string, Sums> venues;
  std::map<std::string, Sums> symbols;
  Sums total;
  const json empty = json::array();
  const json& exposure = positions.is_object() && positions.contains("exposure") ? positions["exposure"] : empty;
  for (const json& row : exposure) {
    if (!row.is_object() || !row.value("net_qty", json()).is_number()) continue;
    const double net_qty = row["net_qty"].get<double>();
    if (net_qty == 0) continue;
    const json notional = row.value("notional_usdt", json());
    venues[row.value("venue", std::string())].add(net_qty, notional);
    symbols[row.value("symbol", std::string())].add(net_qty, notional);
    total.add(net_qty, notional);
  }
  return json{{"venues", rows(venues, "venue")}, {"symbols", rows(symbols, "symbol")}, {"total", total.to_json()}};
}

}  // namespace propbot::api
