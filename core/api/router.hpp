// Router: maps (method, path) to a handler. Patterns are literal segments and `{name}`
// segments (`/api/ui/approvals/{id}/confirm`); a literal segment wins over a `{name}`
// segment at the same position, so `/orders/open` and `/orders/{id}` can coexist.
//
// dispatch() never throws and always returns a response; the first row that applies
// answers. The access rows (*) apply only once an AccessGuard is installed (set_guard):
//   * unknown path or other method under /api/ui/ or /api/admin/ (raw or percent-
//     decoded)                    -> the guard checks for `viewer` first (429/401 as
//                                    below), so only a valid token learns the route
//                                    table; then the 404/405 rows
//   unknown path                  -> 404 not_found naming the path
//   HEAD, path has a GET route    -> the GET route answers, exactly as for GET: access
//                                    as for GET, the handler sees method "GET"; the
//                                    server sends its status and headers (Content-Length
//                                    of the GET body), no body. A HEAD route wins.
//   known path, other method      -> 405 method_not_allowed + `Allow: GET, HEAD, POST`
//                                    (HEAD is listed wherever GET is)
//   * route access public         -> no check. RouteOptions::access; `automatic` is
//                                    resolved by resolve_access() from the method and
//                                    the path (raw, or decoded when only that one is
//                                    under a protected prefix: `/api/%75i/x` is too)
//   * missing/malformed bearer    -> 401 unauthorized + `WWW-Authenticate: Bearer`; from
//                                    a locked-out source 429 locked_out + `Retry-After`
//   * unknown token               -> 401 unauthorized (one failure for the source); from
//                                    a locked-out source 429 locked_out (access_guard.hpp)
//   * role below the route's      -> 403 forbidden naming both roles
//   * guard throws                -> 500 internal (fails closed; text to the error log)
//   json_body route, empty body   -> 400 bad_json "request body is empty: send a JSON object"
//   json_body route, too deep     -> 400 bad_json "JSON nests deeper than 32 levels at byte
//                                    N: send a flatter document" (checked before parsing)
//   json_body route, bad JSON     -> 400 bad_json "malformed JSON at byte N: ..."
//   json_body route, not object   -> 400 bad_json naming the type received
//   handler throws                -> 500 internal with a generic message; the exception
//                                    text goes only to the error log callback.
// With a guard, a handler of a protected route sees request.principal (the caller);
// the Authorization header is removed from request.headers before any handler runs
// (public ones too), so no handler can echo or log a token; a principal set by the
// caller of dispatch() is cleared. Without a guard no access row applies (nothing is
// checked or removed, principal stays as given): the behaviour before authentication
// existed, for tests and tools.
//
// Threads: add() and set_guard() during start-up only (not thread-safe); once shared
// (the server holds a shared_ptr<const Router>) dispatch() is const and safe from any
// thread. Handlers run on the caller's thread: the HTTP server thread, which they must
// not hold for long, or one of the server's workers for a route marked
// RouteOptions::blocking (then the handler, the guard's callbacks and `error_log` run
// there, concurrently with the server thread).
// Uses: http_types, access, access_guard (no Boost).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/access.hpp"
#include "core/api/http_types.hpp"

namespace propbot::api {

using Handler = std::function<HttpResponse(const HttpRequest&)>;
using LogFunction = std::function<void(std::string_view line)>;

class AccessGuard;

struct RouteOptions {
  bool json_body = false;  // parse the body into HttpRequest::json; must be an object
  // Who may call the route once a guard is installed (access.hpp): `automatic` protects
  // /api/ui/* and /api/admin/* (viewer for GET/HEAD, operator otherwise) and leaves
  // every other path public.
  Access access = Access::automatic;
  // The handler may take long (seconds: untrusted Lua, a large export). The HTTP server
  // runs it on its worker pool instead of its one thread (http_server.hpp, "Blocking
  // routes"), so it must be safe to run concurrently with every other handler.
  bool blocking = false;
};

class Router {
 public:
  // `error_log` receives one line per handler exception (with its text) and is called
  // on the dispatching thread.
  explicit Router(LogFunction error_log = {});

  // Throws std::invalid_argument for a malformed pattern (not starting with '/', empty
  // or repeated `{name}`, braces inside a segment) or a duplicate (method, pattern):
  // both are start-up programming errors.
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  // Installs the guard that dispatch() runs on protected routes (see the table above);
  // nullptr removes it. Start-up only, like add().
  void set_guard(std::shared_ptr<const AccessGuard> guard);

  // Fills request.path/query from request.target when path is empty, matches the route,
  // fills request.params (and request.json for json_body routes) and runs the handler.
  // The same as admit() then, when admitted, dispatch_admitted().
  HttpResponse dispatch(HttpRequest& request) const;

  // The two halves of dispatch(), for a server that runs the handler elsewhere: admit()
  // runs the access rows (*) of the table above on the calling thread and returns the
  // guard's answer (401/403/429/500), or nullopt with request.principal set; then
  // dispatch_admitted() does the rest (404/405, body parse, handler) without the guard.
  // The HTTP server admits a blocking route's request on its own thread before queuing
  // it, so an unauthenticated request never takes a queue slot and no guard callback
  // runs on a worker (whose life may outlast what the callbacks use).
  std::optional<HttpResponse> admit(HttpRequest& request) const;
  HttpResponse dispatch_admitted(HttpRequest& request) const;

  // Whether dispatch() would run a route marked RouteOptions::blocking for `request`
  // (method and path only: access is not checked). Fills request.path/query like
  // dispatch(). Cheap (no handler, no body parse); safe from any thread once shared.
  bool is_blocking(HttpRequest& request) const;
  // Whether any route is marked blocking (the server starts its workers only then).
  bool has_blocking_routes() const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name when is_param
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
    RouteOptions options;
  };

  // The request's decoded path segments, the routes matching them and the one to run.
  struct Resolved {
    std::vector<std::string> segments;
    std::vector<const Route*> matches;
    const Route* route = nullptr;  // nullptr: 404 or 405
  };

  // Routes whose pattern matches `segments`, most specific first.
  std::vector<const Route*> match(const std::vector<std::string>& segments) const;
  Resolved resolve(HttpRequest& request) const;
  static const Route* find_method(const std::vector<const Route*>& matches, std::string_view method);
  HttpResponse run(const Route& route, HttpRequest& request) const;

  // The guard's answer when `request` may not reach a route needing `access`; nullopt
  // to proceed (also when no guard is installed).
  std::optional<HttpResponse> check_access(HttpRequest& request, Access access) const;

  std::vector<Route> routes_;
  LogFunction error_log_;
  std::shared_ptr<const AccessGuard> guard_;
};

// Decodes %XX escapes (and '+' as a space when plus_as_space). A malformed escape
// ("%zz", a trailing "%") is kept literally rather than rejected.
std::string percent_decode(std::string_view text, bool plus_as_space);

// "a=1&b=x%20y&flag" -> {a: "1", b: "x y", flag: ""}. A repeated key keeps the last value.
std::map<std::string, std::string> parse_query(std::string_view query);

// Sets request.path and request.query from request.target (absolute-form targets such
// as "http://host/x?y" are reduced to their path).
void parse_target(HttpRequest& request);

}  // namespace propbot::api
