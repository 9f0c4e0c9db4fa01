// Access: who may call a route (SPEC S-6.1, S-11.8). A route declares an Access level
// (RouteOptions::access in guarded_router.hpp, default `automatic`); an authenticated
// caller is a net::Principal (core/net/http_types.hpp) whose role is one of "viewer" |
// "auditor" | "operator". The levels are ordered viewer < auditor < operator: an
// operator may call auditor and viewer routes, an auditor viewer routes.
//
// `automatic` resolves from the request path and method (the contract of issue 4):
// a path starting with `/api/ui/` or `/api/admin/` needs `viewer` for GET/HEAD and
// `operator` for any other method; every other path (`/healthz`, `/api/health`,
// `/live-readiness`, `/metrics`, `/ui/dashboard`, `/api/opportunities`, ...) is public.
// A route outside those prefixes that must be protected (e.g. `/api/arb/execute`)
// declares its level explicitly.
//
// Threads: plain values and pure functions; never throw (beyond std::bad_alloc).
// Uses: nothing.
#pragma once

#include <optional>
#include <string_view>

namespace propbot::api {

enum class Access {
  automatic,     // resolved by resolve_access() from the path and method
  public_route,  // no token needed
  viewer,
  auditor,
  operator_,  // "operator" (the underscore only because `operator` is a C++ keyword)
};

// "automatic", "public", "viewer", "auditor", "operator".
std::string_view to_string(Access access);

// The level a role string grants: "viewer" -> viewer, "auditor" -> auditor, "operator"
// -> operator_ (exact, lower-case). Any other string grants nothing (nullopt): a
// principal with an unknown role is refused every protected route.
std::optional<Access> role_access(std::string_view role);

// True when a principal with `role` may call a route that needs `required` (a
// resolved level: viewer, auditor or operator_; public_route is always allowed).
bool role_allows(std::string_view role, Access required);

// True for paths under the protected prefixes `/api/ui/` and `/api/admin/`.
bool is_protected_path(std::string_view path);

// `declared` unless it is `automatic`; then viewer (GET, HEAD) or operator_ (other
// methods) for a protected path, public_route otherwise. Never returns automatic.
Access resolve_access(Access declared, std::string_view method, std::string_view path);

}  // namespace propbot::api
