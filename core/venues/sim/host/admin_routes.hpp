// The venue simulator admin API (docs/API.md, "Venue simulator admin API"): accounts,
// faults, forced marks, the market model, funding, health and the back office's order
// list (GET /admin/orders?venue=), served by the host's
// admin HttpServer. Errors use the project shape {"error": {"code", "message"}} with the
// field named in the message: 400 invalid_argument, 404 not_found (unknown venue),
// 409 already_exists (duplicate api_key on a venue).
//
// Threads: handlers run on the admin server thread; every call into a venue holds that
// venue's HostedVenue::call_mutex. Uses: VenueSimHost, admin_json, net::Router.
#pragma once

#include "core/net/router.hpp"

namespace propbot::venues::sim {

class VenueSimHost;

// Registers every /admin/* route on `router`; `host` must outlive the router's server.
void add_admin_routes(net::Router& router, VenueSimHost& host);

}  // namespace propbot::venues::sim
