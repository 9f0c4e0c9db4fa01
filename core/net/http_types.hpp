// HTTP request/response values exchanged between the server (http_server) and the
// route handlers (router), for the operator API and the venue simulator alike. Plain
// data, no Boost: handlers and their tests compile without Beast/Asio (TOOLCHAIN.md,
// "Build time").
//
// Guarantees: every error body produced here has exactly the SPEC S-11 shape
// {"error": {"code": "...", "message": "..."}}; JSON bodies are always valid UTF-8
// (invalid bytes coming from a request, e.g. in a path, are replaced, never thrown).
// Uses: nlohmann::json.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace propbot::net {

// The authenticated caller of a request, as the router's RouteGuard establishes it (for
// the operator API: the bearer token's name, the actor in audit entries, and its role,
// core/api/access.hpp). Never holds the credential itself.
struct Principal {
  std::string name;
  std::string role;
};

struct HttpRequest {
  std::string method;                          // "GET", "POST", ... as sent
  std::string target;                          // raw request-target, e.g. "/a/b?x=1"
  std::string path;                            // target without the query, not decoded
  std::map<std::string, std::string> query;    // percent-decoded ('+' is a space)
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined by ", "
  std::string body;
  std::string remote_addr;                     // peer IP address, empty in unit tests
  std::map<std::string, std::string> params;   // from `{name}` path segments, decoded
  nlohmann::json json;                         // parsed body for RouteOptions::json_body routes
  // The authenticated caller (the actor for audit entries), set by the router's guard
  // on a protected route that passed; empty on public routes and when no guard is
  // installed.
  std::optional<Principal> principal;

  // The header value or `fallback` when absent; `name` must be lower-case.
  std::string header(const std::string& name, std::string fallback = {}) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers (e.g. Allow, Retry-After). The server always adds Content-Type,
  // Content-Length, Cache-Control: no-store and Server: propbot; a handler may
  // override Cache-Control by setting it here.
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse json(int status, const nlohmann::json& value);
  // SPEC S-11 error body: {"error": {"code": code, "message": message}}.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

// Serialises JSON for the wire; invalid UTF-8 in strings is replaced by U+FFFD instead
// of throwing (request text often ends up in messages).
std::string dump_json(const nlohmann::json& value);

}  // namespace propbot::net
