#include "core/net/router.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <stdexcept>

#include "core/common/json_util.hpp"

namespace propbot::net {
namespace {

// "/a/b" -> {"a", "b"}; "/" -> {""}; "/a/" -> {"a", ""}. `path` starts with '/'.
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 2:
// syntax error while parsing value - ..."; keep the part a client can act on. The text
// quotes the offending input ("last read: '...'"), so it is capped.
std::string describe_json_error(const nlohmann::json::exception& error) {
  std::string_view text = error.what();
  if (auto bracket = text.find("] "); bracket != std::string_view::npos) text.remove_prefix(bracket + 2);
  if (text.rfind("parse error", 0) == 0) {
    if (auto colon = text.find(": "); colon != std::string_view::npos) text.remove_prefix(colon + 2);
  }
  constexpr std::size_t kMaxLength = 200;
  std::string result(text.substr(0, kMaxLength));
  if (text.size() > kMaxLength) result += "...";
  return result;
}

constexpr std::string_view kAccessCheckFailed = "internal error while checking access; details are in the server log";

// "/" + decoded segments joined by '/': the path as routing saw it
// (RouteMatch::decoded_path), so a guard can protect `/api/%75i/hold` as it protects
// `/api/ui/hold`.
std::string join_segments(const std::vector<std::string>& segments) {
  std::string path;
  for (const auto& segment : segments) {
    path += '/';
    path += segment;
  }
  return path;
}

std::string join_methods(const std::set<std::string>& methods) {
  std::string joined;
  for (const auto& method : methods) {
    if (!joined.empty()) joined += ", ";
    joined += method;
  }
  return joined;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> result;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1), true);
    result[std::move(key)] = std::move(value);
  }
  return result;
}

void parse_target(HttpRequest& request) {
  std::string_view target = request.target;
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  // absolute-form (RFC 7230 5.3.2): "http://host:port/path?query"
  if (auto scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
    auto slash = target.find('/', scheme + 3);
    auto question = target.find('?', scheme + 3);
    if (slash == std::string_view::npos || (question != std::string_view::npos && question < slash)) {
      target = question == std::string_view::npos ? std::string_view{} : target.substr(question);
    } else {
      target = target.substr(slash);
    }
  }
  auto question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (request.path.empty() || request.path.front() != '/') request.path.insert(request.path.begin(), '/');
  request.query = question == std::string_view::npos ? std::map<std::string, std::string>{}
                                                      : parse_query(target.substr(question + 1));
}

Router::Router(LogFunction error_log) : error_log_(std::move(error_log)) {}

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (method.empty()) throw std::invalid_argument("route " + pattern + ": method is empty");
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern '" + pattern + "' must start with '/'");
  }
  if (!handler) throw std::invalid_argument("route " + method + " " + pattern + " has no handler");
  Route route{method, pattern, {}, std::move(handler), options};
  std::set<std::string> names;
  for (auto& text : split_path(pattern)) {
    Segment segment;
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
      segment.is_param = true;
      segment.text = text.substr(1, text.size() - 2);
      if (segment.text.empty() || segment.text.find_first_of("{}") != std::string::npos) {
        throw std::invalid_argument("route pattern '" + pattern + "' has a bad parameter '" + text + "'");
      }
      if (!names.insert(segment.text).second) {
        throw std::invalid_argument("route pattern '" + pattern + "' repeats parameter '" + segment.text + "'");
      }
    } else {
      if (text.find_first_of("{}") != std::string::npos) {
        throw std::invalid_argument("route pattern '" + pattern + "': a parameter must be a whole segment, got '" +
                                    text + "'");
      }
      segment.text = std::move(text);
    }
    route.segments.push_back(std::move(segment));
  }
  for (const auto& existing : routes_) {
    bool same_shape = existing.method == route.method && existing.segments.size() == route.segments.size() &&
                      std::equal(existing.segments.begin(), existing.segments.end(), route.segments.begin(),
                                 [](const Segment& a, const Segment& b) {
                                   return a.is_param == b.is_param && (a.is_param || a.text == b.text);
                                 });
    if (same_shape) {
      throw std::invalid_argument("route " + method + " " + pattern + " duplicates " + existing.pattern);
    }
  }
  routes_.push_back(std::move(route));
}

std::vector<const Router::Route*> Router::match(const std::vector<std::string>& segments) const {
  std::vector<const Route*> matches;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; ok && i < segments.size(); ++i) {
      const Segment& segment = route.segments[i];
      ok = segment.is_param ? !segments[i].empty() : segment.text == segments[i];
    }
    if (ok) matches.push_back(&route);
  }
  // Most specific first: at the first position where two patterns differ, a literal
  // segment beats a parameter.
  std::stable_sort(matches.begin(), matches.end(), [](const Route* a, const Route* b) {
    for (std::size_t i = 0; i < a->segments.size(); ++i) {
      if (a->segments[i].is_param != b->segments[i].is_param) return !a->segments[i].is_param;
    }
    return false;
  });
  return matches;
}

void Router::set_guard(std::shared_ptr<const RouteGuard> guard) { guard_ = std::move(guard); }

Router::Resolved Router::resolve(HttpRequest& request) const {
  if (request.path.empty()) parse_target(request);
  Resolved resolved;
  resolved.segments = split_path(request.path);
  for (auto& segment : resolved.segments) segment = percent_decode(segment, false);
  resolved.matches = match(resolved.segments);
  resolved.route = find_method(resolved.matches, request.method);
  // HEAD is answered by the GET route (RFC 9110 9.3.2) unless HEAD has its own.
  if (!resolved.route && request.method == "HEAD") resolved.route = find_method(resolved.matches, "GET");
  return resolved;
}

const Router::Route* Router::find_method(const std::vector<const Route*>& matches, std::string_view method) {
  for (const Route* route : matches) {
    if (route->method == method) return route;
  }
  return nullptr;
}

bool Router::is_blocking(HttpRequest& request) const {
  const Route* route = resolve(request).route;
  return route != nullptr && route->options.blocking;
}

bool Router::has_blocking_routes() const {
  return std::any_of(routes_.begin(), routes_.end(), [](const Route& route) { return route.options.blocking; });
}

HttpResponse Router::dispatch(HttpRequest& request) const {
  if (auto denied = admit(request)) return std::move(*denied);
  return dispatch_admitted(request);
}

std::optional<HttpResponse> Router::admit(HttpRequest& request) const {
  Resolved resolved = resolve(request);
  if (!guard_) return std::nullopt;
  const std::string decoded_path = join_segments(resolved.segments);
  RouteMatch match;
  match.decoded_path = decoded_path;
  if (resolved.route) {
    match.found = true;
    match.method = resolved.route->method;
    match.pattern = resolved.route->pattern;
  }
  try {
    return guard_->admit(request, match);
  } catch (const std::exception& error) {
    if (error_log_) error_log_(std::string("access guard threw: ") + error.what());
  } catch (...) {
    if (error_log_) error_log_("access guard threw a non-std exception");
  }
  return HttpResponse::error(500, "internal", kAccessCheckFailed);
}

HttpResponse Router::dispatch_admitted(HttpRequest& request) const {
  Resolved resolved = resolve(request);
  const std::vector<std::string>& segments = resolved.segments;
  const std::vector<const Route*>& matches = resolved.matches;
  const Route* chosen = resolved.route;
  if (chosen) {
    request.params.clear();
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (chosen->segments[i].is_param) request.params[chosen->segments[i].text] = segments[i];
    }
    // A HEAD served by the GET route runs exactly as a GET; the server drops the body.
    if (chosen->method != request.method) request.method = chosen->method;
    return run(*chosen, request);
  }
  if (matches.empty()) {
    return HttpResponse::error(404, "not_found", "no route matches " + request.path);
  }
  std::set<std::string> allowed;
  for (const Route* route : matches) allowed.insert(route->method);
  if (allowed.count("GET") != 0) allowed.insert("HEAD");
  std::string allow = join_methods(allowed);
  HttpResponse response = HttpResponse::error(
      405, "method_not_allowed",
      "method " + request.method + " is not allowed on " + request.path + "; allowed: " + allow);
  response.headers.emplace_back("Allow", allow);
  return response;
}

HttpResponse Router::run(const Route& route, HttpRequest& request) const {
  if (route.options.json_body) {
    if (is_blank(request.body)) {
      return HttpResponse::error(400, "bad_json", "request body is empty: send a JSON object");
    }
    // Bounded before it is built: handlers copy, compare and serialise the value, and
    // each of those recurses once per level (a 70,000-deep payload crashed the daemon).
    if (auto at = json_depth_exceeded_at(request.body, kMaxRequestJsonDepth)) {
      return HttpResponse::error(400, "bad_json",
                                 "JSON nests deeper than " + std::to_string(kMaxRequestJsonDepth) + " levels at byte " +
                                     std::to_string(*at) + ": send a flatter document");
    }
    try {
      request.json = nlohmann::json::parse(request.body);
    } catch (const nlohmann::json::parse_error& error) {
      return HttpResponse::error(
          400, "bad_json", "malformed JSON at byte " + std::to_string(error.byte) + ": " + describe_json_error(error));
    } catch (const nlohmann::json::exception& error) {
      return HttpResponse::error(400, "bad_json", "malformed JSON: " + describe_json_error(error));
    }
    if (!request.json.is_object()) {
      return HttpResponse::error(400, "bad_json",
                                 std::string("request body must be a JSON object, got ") + request.json.type_name());
    }
  }
  // The exception text may carry internals (paths, SQL, key material in a badly written
  // message), so it goes to the operator log only; the client gets a generic message.
  try {
    return route.handler(request);
  } catch (const std::exception& error) {
    if (error_log_) error_log_("handler " + route.method + " " + route.pattern + " threw: " + error.what());
  } catch (...) {
    if (error_log_) error_log_("handler " + route.method + " " + route.pattern + " threw a non-std exception");
  }
  return HttpResponse::error(500, "internal",
                             "internal error while handling " + request.method + " " + request.path +
                                 "; details are in the server log");
}

}  // namespace propbot::net
