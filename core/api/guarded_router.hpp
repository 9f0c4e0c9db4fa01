// GuardedRouter: the operator API's route table. A net::Router whose routes each declare
// who may call them (an Access level, access.hpp) and whose requests pass an AccessGuard
// (bearer token, role, lockout) before any route runs. The generic routing (patterns,
// 404/405, HEAD, JSON bodies, blocking routes) is net::Router's (core/net/router.hpp);
// this unit adds only the access rows below, so the venue simulator shares the transport
// without any operator-API concept.
//
// The access rows, once a guard is installed (set_guard), run before net::Router's rows:
//   unknown path or other method under /api/ui/ or /api/admin/ (raw or percent-decoded)
//                                 -> the guard checks for `viewer` first (429/401 as
//                                    below), so only a valid token learns the route
//                                    table; then the 404/405 rows
//   route access public           -> no check. RouteOptions::access; `automatic` is
//                                    resolved by resolve_access() from the method and
//                                    the path (raw, or decoded when only that one is
//                                    under a protected prefix: `/api/%75i/x` is too).
//                                    A HEAD answered by the GET route is checked as GET.
//   missing/malformed bearer      -> 401 unauthorized + `WWW-Authenticate: Bearer`; from
//                                    a locked-out source 429 locked_out + `Retry-After`
//   unknown token                 -> 401 unauthorized (one failure for the source); from
//                                    a locked-out source 429 locked_out (access_guard.hpp)
//   role below the route's        -> 403 forbidden naming both roles
//   guard throws                  -> 500 internal (fails closed; text to the error log)
// With a guard, a handler of a protected route sees request.principal (the caller);
// the Authorization header is removed from request.headers before any handler runs
// (public ones too), so no handler can echo or log a token; a principal set by the
// caller of dispatch() is cleared. Without a guard no access row applies (nothing is
// checked or removed, principal stays as given): the behaviour before authentication
// existed, for tests and tools.
//
// Threads: as net::Router: add() and set_guard() during start-up only; dispatch() and
// the server's admit() are const and safe from any thread once shared. The guard's
// callbacks run on the thread that admits (the HTTP server thread, never a worker).
// Uses: net/router, access, access_guard.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/api/access.hpp"
#include "core/net/router.hpp"

namespace propbot::api {

class AccessGuard;

struct RouteOptions {
  bool json_body = false;  // parse the body into HttpRequest::json; must be an object
  // Who may call the route once a guard is installed (access.hpp): `automatic` protects
  // /api/ui/* and /api/admin/* (viewer for GET/HEAD, operator otherwise) and leaves
  // every other path public.
  Access access = Access::automatic;
  // The handler may take long; it runs on the server's workers (net::RouteOptions).
  bool blocking = false;
};

class GuardedRouter : public net::Router {
 public:
  // Declared access by (method, pattern).
  using AccessTable = std::map<std::pair<std::string, std::string>, Access>;

  explicit GuardedRouter(net::LogFunction error_log = {});

  // net::Router::add() with the route's access level. Throws std::invalid_argument as
  // net::Router::add() does (start-up programming errors).
  void add(std::string method, std::string pattern, net::Handler handler, RouteOptions options = {});

  // Installs `guard` for the access rows above; nullptr removes it. Start-up only; routes
  // added before or after are covered alike.
  void set_guard(std::shared_ptr<const AccessGuard> guard);

  // Every route as added, in (method, pattern) order, with its resolved access — what
  // GET /api/openapi.json describes (so the document is the table, never a copy of it).
  struct RouteRow {
    std::string method;
    std::string pattern;
    Access access = Access::automatic;  // resolved: public, viewer, auditor or operator
    bool json_body = false;
    bool blocking = false;
  };
  std::vector<RouteRow> routes() const;

 private:
  std::shared_ptr<std::vector<RouteRow>> rows_ = std::make_shared<std::vector<RouteRow>>();
  // Filled by add() at start-up, read-only once the router is shared; shared with the
  // installed net::RouteGuard.
  std::shared_ptr<AccessTable> access_;
};

}  // namespace propbot::api
