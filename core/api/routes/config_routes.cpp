#include "core/api/routes/config_routes.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/api/routes/request_actor.hpp"

namespace propbot::api {
namespace {

using nlohmann::json;

net::HttpResponse respond(config_service::ConfigAnswer answer) {
  if (answer.status >= 300) {
    std::string message = answer.body.value("message", std::string());
    if (message.empty() && answer.body.contains("errors") && answer.body["errors"].is_array() &&
        !answer.body["errors"].empty()) {
      const json& first = answer.body["errors"].front();
      const std::string file = first.value("file", std::string());
      message = file.empty() ? first.value("message", std::string())
                             : file + ":" + std::to_string(first.value("line", 0)) + ": " +
                                   first.value("message", std::string());
    }
    answer.body["error"] = json{{"code", answer.code}, {"message", message}};
  }
  return net::HttpResponse::json(answer.status, answer.body);
}

RouteOptions with(bool json_body, Access access, bool blocking = false) {
  RouteOptions options;
  options.json_body = json_body;
  options.access = access;
  options.blocking = blocking;
  return options;
}

}  // namespace

void add_config_routes(GuardedRouter& router, std::shared_ptr<config_service::ConfigService> service) {
  router.add("POST", "/api/ui/config/validate",
             [service](const net::HttpRequest& request) { return respond(service->validate(request.json)); },
             with(true, Access::operator_, /*blocking=*/true));
  router.add("POST", "/api/ui/config/apply",
             [service](const net::HttpRequest& request) {
               return respond(service->apply(request.json, actor_of(request)));
             },
             with(true, Access::operator_, /*blocking=*/true));
  router.add("POST", "/api/ui/config/rollback",
             [service](const net::HttpRequest& request) {
               return respond(service->rollback(request.json, actor_of(request)));
             },
             with(true, Access::operator_, /*blocking=*/true));
  router.add("GET", "/api/ui/config/versions/{version}",
             [service](const net::HttpRequest& request) {
               const std::string& text = request.params.at("version");
               std::int64_t number = 0;
               const bool digits = !text.empty() && text.size() < 19 &&
                                   text.find_first_not_of("0123456789") == std::string::npos;
               if (digits) number = std::stoll(text);
               if (number <= 0) {
                 return net::HttpResponse::error(400, "bad_request",
                                                 "path 'version': must be a positive integer (a version of GET /api/ui/config)");
               }
               return respond(service->version(number));
             },
             with(false, Access::auditor));
  router.add("GET", "/api/ui/config",
             [service](const net::HttpRequest& request) {
               std::size_t limit = 50;
               if (auto it = request.query.find("limit"); it != request.query.end()) {
                 try {
                   limit = std::clamp<std::size_t>(std::stoul(it->second), 1, 500);
                 } catch (...) {
                   return net::HttpResponse::error(400, "bad_request", "query 'limit': must be an integer in [1, 500]");
                 }
               }
               return respond(service->describe(limit));
             },
             with(false, Access::auditor));
}

}  // namespace propbot::api
