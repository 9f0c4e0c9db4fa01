// The config bundle routes (SPEC S-7.5; docs/API.md "Config bundle and hot reload"):
//   POST /api/ui/config/validate  {"files": {path: content}} → {valid, errors[{file, line, message}]}
//   POST /api/ui/config/apply     {"files", "message"?}       → {applied, version, rollback_token, message, errors}
//   POST /api/ui/config/rollback  {"rollback_token"}          → the same shape as apply
//   GET  /api/ui/config                                       → {version, hash, history, activations, files}
// The POST routes need an operator token, GET an auditor or operator (the bundle names
// limits and strategies). Answers other than 2xx also carry the S-11 error object
// {"error": {"code", "message"}} beside the contract's fields. The actor is always the
// bearer token's principal.
#pragma once

#include "core/api/router.hpp"
#include "core/app/config_service.hpp"

namespace propbot::app {

// `service` must outlive the router.
void add_config_routes(api::Router& router, ConfigService& service);

}  // namespace propbot::app
