#include "core/venues/sim/okx/rest_replies.hpp"

#include <utility>

#include "core/common/json_util.hpp"
#include "core/venues/okx/errors.hpp"
#include "core/venues/sim/okx/okx_sim_wire.hpp"

namespace propbot::venues::sim::okx_frontend {

using nlohmann::json;
namespace wire = okx_wire;

net::HttpResponse make_response(int status, std::string body) {
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

net::HttpResponse error_response(std::string_view code, std::string_view msg) {
  auto [status, body] = venues::okx::error_body(code, msg);
  return make_response(status == 0 ? 400 : status, std::move(body));
}

net::HttpResponse top_level_error(std::string_view code, std::string_view msg) {
  json body = {{"code", std::string(code)}, {"msg", std::string(msg)}, {"data", json::array()}};
  return make_response(200, body.dump());
}

json order_item(const std::string& ord_id, const std::string& cl_ord_id, std::string_view s_code,
                std::string_view s_msg, UtcTime now) {
  return json{{"ordId", ord_id},          {"clOrdId", cl_ord_id},         {"tag", ""},
              {"ts", wire::ms_text(now)}, {"sCode", std::string(s_code)}, {"sMsg", std::string(s_msg)}};
}

std::optional<std::string> string_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  return std::nullopt;
}

std::optional<json> parse_body(const net::HttpRequest& request, net::HttpResponse& error) {
  if (request.body.empty()) {
    error = error_response("50000");
    return std::nullopt;
  }
  json body = parse_json_or_discarded(request.body);
  if (body.is_discarded()) {
    error = make_response(400,
                          json{{"code", "50002"}, {"msg", "Json data format error"}, {"data", json::array()}}.dump());
    return std::nullopt;
  }
  return body;
}

}  // namespace propbot::venues::sim::okx_frontend
