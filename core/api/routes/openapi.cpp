#include "core/api/routes/openapi.hpp"

#include <algorithm>
#include <cctype>

#include "propbot/build_info.hpp"

namespace propbot::api {
namespace {

using nlohmann::json;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// "{version}" segments of a pattern, in order.
std::vector<std::string> path_params(const std::string& pattern) {
  std::vector<std::string> names;
  for (std::size_t open = pattern.find('{'); open != std::string::npos; open = pattern.find('{', open + 1)) {
    const std::size_t close = pattern.find('}', open);
    if (close == std::string::npos) break;
    names.push_back(pattern.substr(open + 1, close - open - 1));
  }
  return names;
}

json error_response(const std::string& why) {
  return json{{"description", why},
              {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

json openapi_document(const std::vector<GuardedRouter::RouteRow>& rows, const std::string& version) {
  json paths = json::object();
  for (const GuardedRouter::RouteRow& row : rows) {
    json operation{{"operationId", lower(row.method) + row.pattern},
                   {"x-propbot-access", std::string(to_string(row.access))},
                   {"x-propbot-blocking", row.blocking},
                   {"description", "See docs/API.md for `" + row.method + " " + row.pattern + "`."}};
    json parameters = json::array();
    for (const std::string& name : path_params(row.pattern)) {
      parameters.push_back(json{{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    if (!parameters.empty()) operation["parameters"] = std::move(parameters);
    if (row.json_body) {
      operation["requestBody"] = json{
          {"required", true},
          {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    }
    json responses{{"200", {{"description", "OK"}}},
                   {"400", error_response("bad input; the message names the field")}};
    if (row.access != Access::public_route) {
      operation["security"] = json::array({json{{"bearer", json::array()}}});
      responses["401"] = error_response("missing or unknown bearer token");
      responses["403"] = error_response("the token's role is below " + std::string(to_string(row.access)));
      responses["429"] = error_response("this address is locked out after invalid tokens");
    }
    operation["responses"] = std::move(responses);
    paths[row.pattern][lower(row.method)] = std::move(operation);
  }
  return json{
      {"openapi", "3.0.3"},
      {"info", {{"title", "PropBot HTTP API"}, {"version", version}, {"description", "Fields: docs/API.md."}}},
      {"paths", std::move(paths)},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"required", json::array({"error"})},
            {"properties",
             {{"error",
               {{"type", "object"},
                {"required", json::array({"code", "message"})},
                {"properties", {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}}}}}};
}

void add_openapi_route(GuardedRouter& router) {
  // The router owns this handler, so it outlives every call of it.
  const GuardedRouter* self = &router;
  RouteOptions options;
  options.access = Access::viewer;
  router.add("GET", "/api/openapi.json",
             [self](const net::HttpRequest&) {
               return net::HttpResponse::json(200, openapi_document(self->routes(), build_info::version));
             },
             options);
}

}  // namespace propbot::api
