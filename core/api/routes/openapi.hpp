// GET /api/openapi.json: an OpenAPI 3.0 document of every route the daemon serves,
// built from the router's own table (GuardedRouter::routes) at each request, so it
// cannot drift from what is served. Each operation names its access level
// (`x-propbot-access`: public, viewer, auditor, operator), its path parameters, whether
// it takes a JSON object body, and the S-11 error shape; docs/API.md holds the fields.
// A viewer token is needed (like every /api/ui route: only a valid token learns the
// route table).
#pragma once

#include <nlohmann/json.hpp>

#include "core/api/guarded_router.hpp"

namespace propbot::api {

// The document for `rows` (pure; any thread).
nlohmann::json openapi_document(const std::vector<GuardedRouter::RouteRow>& rows, const std::string& version);

// Adds GET /api/openapi.json to `router`, describing `router` itself (every route added
// before the first request, this one included).
void add_openapi_route(GuardedRouter& router);

}  // namespace propbot::api
