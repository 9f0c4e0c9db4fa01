// The config bundle routes (SPEC S-7.5; docs/API.md "Config bundle and hot reload"):
//   POST /api/ui/config/validate  {"files": {path: content}} → {valid, errors[{file, line, message}]}
//   POST /api/ui/config/apply     {"files", "message"?}       → {applied, version, rollback_token, message, errors}
//   POST /api/ui/config/rollback  {"rollback_token"}          → the same shape as apply
//   GET  /api/ui/config                                       → {version, hash, history, activations, files}
// The POST routes need an operator token, GET an auditor or operator (the bundle names
// limits and strategies). Answers other than 2xx also carry the S-11 error object
// {"error": {"code", "message"}} beside the contract's fields. The actor is always the
// bearer token's principal. validate, apply and rollback are blocking routes
// (RouteOptions::blocking): they run bundle validation (a child process, up to 10 s) and
// wait for the engine's swap on one of the API server's workers, never on the thread that
// answers /healthz and POST /api/ui/hold.
#pragma once

#include <memory>

#include "core/api/guarded_router.hpp"
#include "core/config_service/config_service.hpp"

namespace propbot::api {

// The routes share ownership of `service`: the POST routes are blocking (they run on
// the API server's workers, which may outlive its stop grace), so the object must live
// as long as the router; ConfigService::close() makes late calls answer 503.
void add_config_routes(GuardedRouter& router, std::shared_ptr<config_service::ConfigService> service);

}  // namespace propbot::api
