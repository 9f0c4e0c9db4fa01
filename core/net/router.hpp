// Router: maps (method, path) to a handler, for any HTTP service on an HttpServer (the
// operator API, the venue simulator). Patterns are literal segments and `{name}`
// segments (`/api/ui/approvals/{id}/confirm`); a literal segment wins over a `{name}`
// segment at the same position, so `/orders/open` and `/orders/{id}` can coexist. Who may
// call a route is not the router's business: an installed RouteGuard decides (the
// operator API's is core/api/guarded_router.hpp).
//
// dispatch() never throws and always returns a response; the first row that applies
// answers. The guard row (*) applies only once a RouteGuard is installed (set_guard):
//   * guard answers               -> that answer (401, 403, 429, ...), before anything
//                                    below: the guard sees every request, also one with
//                                    no route (RouteMatch::found false), so it can hide
//                                    the route table from a caller it refuses
//   * guard throws                -> 500 internal (fails closed; text to the error log)
//   unknown path                  -> 404 not_found naming the path
//   HEAD, path has a GET route    -> the GET route answers, exactly as for GET: guarded
//                                    as the GET route, the handler sees method "GET"; the
//                                    server sends its status and headers (Content-Length
//                                    of the GET body), no body. A HEAD route wins.
//   known path, other method      -> 405 method_not_allowed + `Allow: GET, HEAD, POST`
//                                    (HEAD is listed wherever GET is)
//   json_body route, empty body   -> 400 bad_json "request body is empty: send a JSON object"
//   json_body route, too deep     -> 400 bad_json "JSON nests deeper than 32 levels at byte
//                                    N: send a flatter document" (checked before parsing)
//   json_body route, bad JSON     -> 400 bad_json "malformed JSON at byte N: ..."
//   json_body route, not object   -> 400 bad_json naming the type received
//   handler throws                -> 500 internal with a generic message; the exception
//                                    text goes only to the error log callback.
// Without a guard nothing is checked and the request reaches the 404/405/handler rows as
// it came (principal and headers untouched).
//
// Threads: add() and set_guard() during start-up only (not thread-safe); once shared
// (the server holds a shared_ptr<const Router>) dispatch() is const and safe from any
// thread. Handlers run on the caller's thread: the HTTP server thread, which they must
// not hold for long, or one of the server's workers for a route marked
// RouteOptions::blocking (then the handler and `error_log` run there, concurrently with
// the server thread; the guard always runs on the server thread, see admit()).
// Uses: http_types, common/json_util (no Boost).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/net/http_types.hpp"

namespace propbot::net {

using Handler = std::function<HttpResponse(const HttpRequest&)>;
using LogFunction = std::function<void(std::string_view line)>;

struct RouteOptions {
  bool json_body = false;  // parse the body into HttpRequest::json; must be an object
  // The handler may take long (seconds: untrusted Lua, a large export). The HTTP server
  // runs it on its worker pool instead of its one thread (http_server.hpp, "Blocking
  // routes"), so it must be safe to run concurrently with every other handler.
  bool blocking = false;
};

// What routing found for a request, as a RouteGuard sees it before any handler runs.
// The views point into the router and the request; valid during the guard's call only.
struct RouteMatch {
  bool found = false;             // false: no route runs (the 404 or 405 row follows)
  std::string_view method;        // the route's method ("GET" for a HEAD the GET route answers)
  std::string_view pattern;       // the route's pattern as registered
  std::string_view decoded_path;  // "/" + the percent-decoded segments, as routing matched them
};

// A check run by Router::admit() on every request before its route (or its 404/405
// answer): authentication and authorisation live here, outside the generic router.
class RouteGuard {
 public:
  virtual ~RouteGuard() = default;
  // nullopt to proceed (the guard may set request.principal and remove credentials from
  // request.headers), otherwise the answer to send. May throw: the router then answers
  // 500 (fails closed).
  virtual std::optional<HttpResponse> admit(HttpRequest& request, const RouteMatch& match) const = 0;
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

  // Installs the guard that dispatch() runs on every request (see the table above);
  // nullptr removes it. Start-up only, like add().
  void set_guard(std::shared_ptr<const RouteGuard> guard);

  // Fills request.path/query from request.target when path is empty, matches the route,
  // fills request.params (and request.json for json_body routes) and runs the handler.
  // The same as admit() then, when admitted, dispatch_admitted().
  HttpResponse dispatch(HttpRequest& request) const;

  // The two halves of dispatch(), for a server that runs the handler elsewhere: admit()
  // runs the guard rows (*) of the table above on the calling thread and returns the
  // guard's answer (e.g. 401/403/429, or 500), or nullopt (the guard may have set
  // request.principal); then dispatch_admitted() does the rest (404/405, body parse,
  // handler) without the guard.
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

  std::vector<Route> routes_;
  LogFunction error_log_;
  std::shared_ptr<const RouteGuard> guard_;
};

// Decodes %XX escapes (and '+' as a space when plus_as_space). A malformed escape
// ("%zz", a trailing "%") is kept literally rather than rejected.
std::string percent_decode(std::string_view text, bool plus_as_space);

// "a=1&b=x%20y&flag" -> {a: "1", b: "x y", flag: ""}. A repeated key keeps the last value.
std::map<std::string, std::string> parse_query(std::string_view query);

// Sets request.path and request.query from request.target (absolute-form targets such
// as "http://host/x?y" are reduced to their path).
void parse_target(HttpRequest& request);

}  // namespace propbot::net
