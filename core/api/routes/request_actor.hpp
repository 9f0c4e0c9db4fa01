// actor_of(): who made an API request, as the control plane's Actor — the bearer
// token's principal (name, role) and the peer address. Never taken from the body, so
// a request cannot act (or confirm) in someone else's name.
#pragma once

#include "core/net/http_types.hpp"
#include "core/control/control_plane.hpp"

namespace propbot::api {

inline control::Actor actor_of(const net::HttpRequest& request) {
  control::Actor actor;
  actor.name = request.principal ? request.principal->name : "anonymous";
  actor.role = request.principal ? request.principal->role : "none";
  actor.source = request.remote_addr.empty() ? "unknown" : request.remote_addr;
  return actor;
}

}  // namespace propbot::api
