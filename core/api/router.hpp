// Router: maps (method, path) to a handler. Patterns are literal segments and `{name}`
// segments (`/api/ui/approvals/{id}/confirm`); a literal segment wins over a `{name}`
// segment at the same position, so `/orders/open` and `/orders/{id}` can coexist.
//
// dispatch() never throws and always returns a response:
//   unknown path                  -> 404 not_found naming the path
//   known path, other method      -> 405 method_not_allowed + `Allow: GET, POST`
//   json_body route, empty body   -> 400 bad_json "request body is empty: send a JSON object"
//   json_body route, bad JSON     -> 400 bad_json "malformed JSON at byte N: ..."
//   json_body route, not object   -> 400 bad_json naming the type received
//   handler throws                -> 500 internal with a generic message; the exception
//                                    text goes only to the error log callback.
//
// Threads: add() during start-up only (not thread-safe); once shared (the server holds a
// shared_ptr<const Router>) dispatch() is const and safe from any thread. Handlers run
// on the caller's thread (the HTTP server thread) and must not block for long.
// Uses: http_types (no Boost).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/http_types.hpp"

namespace propbot::api {

using Handler = std::function<HttpResponse(const HttpRequest&)>;
using LogFunction = std::function<void(std::string_view line)>;

struct RouteOptions {
  bool json_body = false;  // parse the body into HttpRequest::json; must be an object
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

  // Fills request.path/query from request.target when path is empty, matches the route,
  // fills request.params (and request.json for json_body routes) and runs the handler.
  HttpResponse dispatch(HttpRequest& request) const;

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

  // Routes whose pattern matches `segments`, most specific first.
  std::vector<const Route*> match(const std::vector<std::string>& segments) const;
  HttpResponse run(const Route& route, HttpRequest& request) const;

  std::vector<Route> routes_;
  LogFunction error_log_;
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
