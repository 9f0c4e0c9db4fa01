// OKX account REST: positions (optionally by a comma-separated instId list), balance
// and set-leverage.

#include "core/venues/sim/okx/frontend.hpp"

#include <exception>
#include <set>

namespace propbot::venues::sim::okx_frontend {

net::HttpResponse OkxSimVenue::get_positions(const net::HttpRequest& request, const std::string& account) {
  std::set<std::string> wanted;
  if (auto inst_id = request.query.find("instId"); inst_id != request.query.end()) {
    std::string list = inst_id->second;
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t comma = list.find(',', start);
      wanted.insert(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  json data = json::array();
  for (const json& position : positions_json(account, std::nullopt, clock_.utc())) {
    if (!wanted.empty() && !wanted.count(position["instId"].get<std::string>())) continue;
    data.push_back(position);
  }
  return make_response(200, wire::ok_body(data));
}

net::HttpResponse OkxSimVenue::get_balance(const net::HttpRequest&, const std::string& account) {
  return make_response(200, wire::ok_body(json::array({balance_json(account, clock_.utc())})));
}

net::HttpResponse OkxSimVenue::post_set_leverage(const net::HttpRequest& request, const std::string& account) {
  net::HttpResponse error;
  auto body = parse_body(request, error);
  if (!body) return error;
  const Instrument* instrument = instrument_by_inst_id(string_field(*body, "instId").value_or(""));
  if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
  int lever = 0;
  try {
    lever = std::stoi(string_field(*body, "lever").value_or("0"));
  } catch (const std::exception&) {
    lever = 0;
  }
  auto outcome = core_.set_leverage(account, instrument->rules.symbol, lever);
  if (!outcome) return top_level_error("51000", "Parameter lever error");
  return make_response(200,
                       wire::ok_body(json::array({json{{"lever", std::to_string(outcome.value())},
                                                       {"mgnMode", string_field(*body, "mgnMode").value_or("cross")},
                                                       {"instId", instrument->inst_id},
                                                       {"posSide", ""}}})));
}

}  // namespace propbot::venues::sim::okx_frontend
