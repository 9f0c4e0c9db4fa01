#include "core/net/http_types.hpp"

namespace propbot::net {

std::string HttpRequest::header(const std::string& name, std::string fallback) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::move(fallback) : it->second;
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse HttpResponse::json(int status, const nlohmann::json& value) {
  HttpResponse response;
  response.status = status;
  response.body = dump_json(value);
  return response;
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  nlohmann::json body;
  body["error"] = {{"code", std::string(code)}, {"message", std::string(message)}};
  return json(status, body);
}

}  // namespace propbot::net
