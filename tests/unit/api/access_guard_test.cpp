// Bearer authentication, roles and brute-force lockout (SPEC S-6.1, S-11): the access
// levels, the Authorization header parser, the AccessGuard through the GuardedRouter, and one
// round trip through the real HttpServer over loopback.
#include "core/api/access_guard.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "core/api/access.hpp"
#include "core/api/guarded_router.hpp"
#include "core/common/clock.hpp"
#include "core/net/bearer_token.hpp"
#include "core/net/client_key.hpp"
#include "core/net/http_server.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::api {
namespace {

using net::HttpServer;
using net::HttpServerOptions;
using net::HttpRequest;
using net::HttpResponse;
using net::Principal;

using namespace std::chrono_literals;

// Distinctive so a leak into a body, header or log line is easy to spot.
constexpr std::string_view kViewerToken = "pbt_viewer_0123456789abcdef";
constexpr std::string_view kAuditorToken = "pbt_auditor_0123456789abcdef";
constexpr std::string_view kOperatorToken = "pbt_operator_0123456789abcdef";
constexpr std::string_view kStrangeRoleToken = "pbt_strange_0123456789abcdef";
constexpr std::string_view kUnknownToken = "pbt_unknown_0123456789abcdef";

std::string bearer(std::string_view token) { return "Bearer " + std::string(token); }

// ---------------------------------------------------------------------------------
// Access levels and the header parser: pure functions.

TEST(AccessTest, ResolvesAutomaticAccessFromPathAndMethod) {
  struct Row {
    std::string method;
    std::string path;
    Access expected;
  };
  const std::vector<Row> table = {
      {"GET", "/api/ui/status/overview", Access::viewer},
      {"HEAD", "/api/ui/status/overview", Access::viewer},
      {"POST", "/api/ui/hold", Access::operator_},
      {"PATCH", "/api/ui/control", Access::operator_},
      {"PUT", "/api/ui/x", Access::operator_},
      {"DELETE", "/api/ui/x", Access::operator_},
      {"GET", "/api/admin/status", Access::viewer},
      {"POST", "/api/admin/kill_switch", Access::operator_},
      {"GET", "/healthz", Access::public_route},
      {"GET", "/api/health", Access::public_route},
      {"GET", "/live-readiness", Access::public_route},
      {"GET", "/metrics", Access::public_route},
      {"GET", "/ui/dashboard", Access::public_route},
      {"GET", "/api/opportunities", Access::public_route},
      {"POST", "/api/other", Access::public_route},
      {"GET", "/api/ui", Access::public_route},          // the prefix needs its slash
      {"GET", "/api/uix/status", Access::public_route},  // not the /api/ui/ prefix
  };
  for (const auto& row : table) {
    EXPECT_EQ(resolve_access(Access::automatic, row.method, row.path), row.expected)
        << row.method << " " << row.path << " resolved to "
        << to_string(resolve_access(Access::automatic, row.method, row.path));
  }
}

TEST(AccessTest, KeepsAnExplicitLevel) {
  EXPECT_EQ(resolve_access(Access::auditor, "GET", "/api/ui/audit_log"), Access::auditor);
  EXPECT_EQ(resolve_access(Access::operator_, "POST", "/api/arb/execute"), Access::operator_);
  EXPECT_EQ(resolve_access(Access::public_route, "GET", "/api/ui/public"), Access::public_route);
}

TEST(AccessTest, OrdersRolesViewerAuditorOperator) {
  using Case = std::tuple<std::string, Access, bool>;
  const std::vector<Case> table = {
      {"viewer", Access::viewer, true},     {"viewer", Access::auditor, false},   {"viewer", Access::operator_, false},
      {"auditor", Access::viewer, true},    {"auditor", Access::auditor, true},   {"auditor", Access::operator_, false},
      {"operator", Access::viewer, true},   {"operator", Access::auditor, true},  {"operator", Access::operator_, true},
      {"admin", Access::viewer, false},     {"", Access::viewer, false},          {"Operator", Access::viewer, false},
      {"admin", Access::public_route, true},
  };
  for (const auto& [role, required, allowed] : table) {
    EXPECT_EQ(role_allows(role, required), allowed) << "role '" << role << "' on " << to_string(required);
  }
}

TEST(AccessTest, ParsesBearerHeaderPerRfc6750) {
  EXPECT_EQ(net::bearer_token("Bearer abc.DEF-123_~+/="), "abc.DEF-123_~+/=");
  EXPECT_EQ(net::bearer_token("bearer abc"), "abc");     // the scheme is case-insensitive
  EXPECT_EQ(net::bearer_token("BEARER abc"), "abc");
  EXPECT_EQ(net::bearer_token("Bearer  abc"), "abc");    // 1*SP between scheme and token
  EXPECT_EQ(net::bearer_token(" Bearer abc \t"), "abc");  // OWS around the field value
}

TEST(AccessTest, RejectsMalformedBearerHeaders) {
  for (std::string_view value : {"", "abc", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer", "Bearer ", "Bearer    ",
                                 "Bearerabc", "Bearer\tabc", "Bearer abc def", "Bearer abc  def", "Bearer a, Bearer b",
                                 "Token abc", "Bearer ab\x01" "c"}) {
    EXPECT_FALSE(net::bearer_token(value).has_value()) << "accepted '" << value << "'";
  }
}

// ---------------------------------------------------------------------------------
// AccessGuard through the GuardedRouter, time from a SimClock.

class AccessGuardTest : public ::testing::Test {
 protected:
  AccessGuardTest() {
    auto ok = [this](const HttpRequest& request) {
      ++handler_calls;
      seen_principal = request.principal;
      saw_authorization_header = request.headers.count("authorization") > 0;
      return HttpResponse::json(200, {{"ok", true}});
    };
    for (const char* path : {"/healthz", "/api/health", "/live-readiness", "/ui/dashboard", "/api/opportunities"}) {
      router.add("GET", path, ok);
    }
    router.add("POST", "/api/arb/preview", ok);  // outside the prefixes: public unless declared
    router.add("GET", "/api/ui/market", ok);
    router.add("POST", "/api/ui/x", ok);
    router.add("GET", "/api/ui/audit_log", ok, RouteOptions{.access = Access::auditor});
    router.add("POST", "/api/ui/snapshot", ok, RouteOptions{.access = Access::auditor});
    router.add("POST", "/api/ui/json", ok, RouteOptions{.json_body = true});
    router.add("GET", "/api/ui/approvals/{id}", ok);
    router.add("GET", "/api/admin/status", ok);
    router.add("POST", "/api/admin/kill_switch", ok);
    router.add("POST", "/api/arb/execute", ok, RouteOptions{.access = Access::operator_});
    router.add("GET", "/api/ui/public-note", ok, RouteOptions{.access = Access::public_route});
  }

  AccessGuardCallbacks callbacks() {
    AccessGuardCallbacks result;
    result.authenticate = [this](std::string_view token) -> std::optional<Principal> {
      ++authenticate_calls;
      if (authenticate_throws) throw std::runtime_error("store unavailable");
      if (token == kViewerToken) return Principal{"alice", "viewer"};
      if (token == kAuditorToken) return Principal{"bob", "auditor"};
      if (token == kOperatorToken) return Principal{"carol", "operator"};
      if (token == kStrangeRoleToken) return Principal{"dave", "admin"};
      return std::nullopt;
    };
    result.on_forbidden = [this](const Principal& principal, std::string_view method, std::string_view path) {
      forbidden.push_back(principal.name + " " + std::string(method) + " " + std::string(path));
    };
    result.on_lockout = [this](std::string_view remote_addr, int failures) {
      lockouts.push_back(std::string(remote_addr) + " after " + std::to_string(failures));
    };
    result.on_unauthorized = [this](std::string_view remote_addr, std::string_view method, std::string_view path) {
      unauthorized.push_back(std::string(remote_addr) + " " + std::string(method) + " " + std::string(path));
    };
    result.log = [this](std::string_view line) { guard_log.emplace_back(line); };
    return result;
  }

  void install(AccessGuardOptions options = {}) {
    guard = std::make_shared<AccessGuard>(clock, callbacks(), options);
    router.set_guard(guard);
  }

  HttpResponse call(std::string method, std::string target, std::optional<std::string> authorization = std::nullopt,
                    std::string remote_addr = "10.0.0.1", std::string body = "{}") {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.remote_addr = std::move(remote_addr);
    request.body = std::move(body);
    if (authorization) request.headers["authorization"] = *authorization;
    return router.dispatch(request);
  }

  HttpResponse call_as(std::string_view token, std::string method, std::string target,
                       std::string remote_addr = "10.0.0.1") {
    return call(std::move(method), std::move(target), bearer(token), std::move(remote_addr));
  }

  static nlohmann::json parse(const HttpResponse& response) { return nlohmann::json::parse(response.body); }
  static std::string error_code(const HttpResponse& response) {
    return parse(response).at("error").at("code").get<std::string>();
  }
  static std::string error_message(const HttpResponse& response) {
    return parse(response).at("error").at("message").get<std::string>();
  }
  static std::string header(const HttpResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "<absent>";
  }

  SimClock clock;
  GuardedRouter router;
  std::shared_ptr<AccessGuard> guard;
  int handler_calls = 0;
  int authenticate_calls = 0;
  bool authenticate_throws = false;
  std::optional<Principal> seen_principal;
  bool saw_authorization_header = false;
  std::vector<std::string> forbidden;
  std::vector<std::string> lockouts;
  std::vector<std::string> unauthorized;
  std::vector<std::string> guard_log;
};

TEST_F(AccessGuardTest, RefusesMissingTokenWith401AndBearerChallenge) {
  install();
  HttpResponse response = call("GET", "/api/ui/market");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(error_code(response), "unauthorized");
  EXPECT_EQ(error_message(response), "missing bearer token: send 'Authorization: Bearer <token>'");
  EXPECT_EQ(header(response, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(authenticate_calls, 0);
  EXPECT_EQ(unauthorized, std::vector<std::string>{"10.0.0.1 GET /api/ui/market"});
  EXPECT_EQ(guard->tracked_sources(), 0u) << "a missing token is not a guess: no failure counted";
}

TEST_F(AccessGuardTest, RefusesMalformedHeadersWith401WithoutCountingFailures) {
  install(AccessGuardOptions{.max_failures = 2});
  for (std::string value : {std::string("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), std::string("Bearer"),
                            std::string("Bearer "), std::string("Bearer   "), bearer(kViewerToken) + " extra",
                            "Bearer " + std::string(kViewerToken.substr(0, 8)) + " " +
                                std::string(kViewerToken.substr(8)),
                            "Bearer" + std::string(kViewerToken), "Token " + std::string(kViewerToken)}) {
    HttpResponse response = call("GET", "/api/ui/market", value);
    EXPECT_EQ(response.status, 401) << value;
    EXPECT_EQ(error_code(response), "unauthorized") << value;
    EXPECT_EQ(error_message(response), "missing bearer token: send 'Authorization: Bearer <token>'") << value;
    EXPECT_EQ(header(response, "WWW-Authenticate"), "Bearer") << value;
  }
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(authenticate_calls, 0);
  EXPECT_FALSE(guard->locked_out("10.0.0.1"));
}

TEST_F(AccessGuardTest, RefusesUnknownTokenWith401AndCountsAFailure) {
  install();
  HttpResponse response = call_as(kUnknownToken, "GET", "/api/ui/market");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(error_code(response), "unauthorized");
  EXPECT_EQ(error_message(response), "invalid bearer token");
  EXPECT_EQ(header(response, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(guard->tracked_sources(), 1u);
  EXPECT_EQ(unauthorized.size(), 1u);
}

TEST_F(AccessGuardTest, ForbidsViewerOnMutatingRouteWith403AndReportsIt) {
  install();
  HttpResponse response = call_as(kViewerToken, "POST", "/api/ui/x");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(error_code(response), "forbidden");
  EXPECT_EQ(error_message(response), "POST /api/ui/x needs the operator role; the token 'alice' has role viewer");
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(forbidden, std::vector<std::string>{"alice POST /api/ui/x"});
  EXPECT_EQ(guard->tracked_sources(), 0u) << "a valid token is not a failure";
}

TEST_F(AccessGuardTest, ForbidsViewerOnAuditorReadRoute) {
  install();
  HttpResponse response = call_as(kViewerToken, "GET", "/api/ui/audit_log");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(error_message(response), "GET /api/ui/audit_log needs the auditor role; the token 'alice' has role viewer");
  EXPECT_EQ(forbidden, std::vector<std::string>{"alice GET /api/ui/audit_log"});
}

TEST_F(AccessGuardTest, AllowsAuditorOnAuditorRoutesButNotOnOperatorRoutes) {
  install();
  EXPECT_EQ(call_as(kAuditorToken, "GET", "/api/ui/audit_log").status, 200);
  EXPECT_EQ(call_as(kAuditorToken, "POST", "/api/ui/snapshot").status, 200);
  EXPECT_EQ(call_as(kAuditorToken, "GET", "/api/ui/market").status, 200);
  HttpResponse response = call_as(kAuditorToken, "POST", "/api/admin/kill_switch");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(error_message(response),
            "POST /api/admin/kill_switch needs the operator role; the token 'bob' has role auditor");
  EXPECT_EQ(forbidden, std::vector<std::string>{"bob POST /api/admin/kill_switch"});
}

TEST_F(AccessGuardTest, AllowsOperatorEverywhere) {
  install();
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/ui/market"},     {"POST", "/api/ui/x"},         {"GET", "/api/ui/audit_log"},
           {"POST", "/api/ui/snapshot"},  {"GET", "/api/admin/status"},  {"POST", "/api/admin/kill_switch"},
           {"POST", "/api/arb/execute"},  {"GET", "/api/ui/approvals/7"}, {"GET", "/healthz"}}) {
    EXPECT_EQ(call_as(kOperatorToken, method, path).status, 200) << method << " " << path;
  }
  EXPECT_TRUE(forbidden.empty());
}

TEST_F(AccessGuardTest, ForbidsATokenWithAnUnknownRoleEverywhere) {
  install();
  HttpResponse response = call_as(kStrangeRoleToken, "GET", "/api/ui/market");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(error_message(response),
            "GET /api/ui/market needs the viewer role; the token 'dave' has role 'admin' (not a known role)");
}

TEST_F(AccessGuardTest, ServesPublicRoutesWithoutAToken) {
  install();
  for (const char* path : {"/healthz", "/api/health", "/live-readiness", "/ui/dashboard", "/api/opportunities",
                           "/api/ui/public-note"}) {
    EXPECT_EQ(call("GET", path).status, 200) << path;
  }
  EXPECT_EQ(call("POST", "/api/arb/preview").status, 200);
  // A bad token on a public route is not looked at, so it is not a failure either.
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/healthz").status, 200);
  EXPECT_EQ(authenticate_calls, 0);
  EXPECT_EQ(guard->tracked_sources(), 0u);
  EXPECT_FALSE(seen_principal.has_value());
}

TEST_F(AccessGuardTest, ProtectsAnExplicitlyDeclaredRouteOutsideThePrefixes) {
  install();
  EXPECT_EQ(call("POST", "/api/arb/execute").status, 401);
  EXPECT_EQ(call_as(kViewerToken, "POST", "/api/arb/execute").status, 403);
}

TEST_F(AccessGuardTest, HandsThePrincipalButNotTheTokenToTheHandler) {
  install();
  ASSERT_EQ(call_as(kViewerToken, "GET", "/api/ui/approvals/42").status, 200);
  ASSERT_TRUE(seen_principal.has_value());
  EXPECT_EQ(seen_principal->name, "alice");
  EXPECT_EQ(seen_principal->role, "viewer");
  EXPECT_FALSE(saw_authorization_header) << "the Authorization header must not reach handlers";

  ASSERT_EQ(call_as(kOperatorToken, "POST", "/api/ui/x").status, 200);
  ASSERT_TRUE(seen_principal.has_value());
  EXPECT_EQ(seen_principal->name, "carol");
  EXPECT_EQ(seen_principal->role, "operator");
}

TEST_F(AccessGuardTest, ClearsAPrincipalTheCallerSetBeforeDispatch) {
  install();
  HttpRequest request;
  request.method = "GET";
  request.target = "/healthz";
  request.principal = Principal{"mallory", "operator"};
  ASSERT_EQ(router.dispatch(request).status, 200);
  EXPECT_FALSE(seen_principal.has_value());
}

TEST_F(AccessGuardTest, ChecksAccessBeforeParsingTheJsonBody) {
  install();
  HttpResponse response = call("POST", "/api/ui/json", std::nullopt, "10.0.0.1", "not json");
  EXPECT_EQ(response.status, 401) << "an anonymous caller learns nothing about the body rules";
  response = call("POST", "/api/ui/json", bearer(kViewerToken), "10.0.0.1", "not json");
  EXPECT_EQ(response.status, 403);
  response = call("POST", "/api/ui/json", bearer(kOperatorToken), "10.0.0.1", "not json");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(error_code(response), "bad_json");
  EXPECT_EQ(handler_calls, 0);
}

TEST_F(AccessGuardTest, HidesTheRouteTableUnderProtectedPrefixesFromAnonymousCallers) {
  install();
  EXPECT_EQ(call("GET", "/api/ui/no-such-route").status, 401);
  EXPECT_EQ(call("DELETE", "/api/ui/market").status, 401);
  EXPECT_EQ(call_as(kViewerToken, "GET", "/api/ui/no-such-route").status, 404);
  HttpResponse response = call_as(kViewerToken, "DELETE", "/api/ui/market");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(header(response, "Allow"), "GET, HEAD");
  EXPECT_EQ(call("GET", "/no-such-public-route").status, 404) << "outside the prefixes nothing changes";
}

TEST_F(AccessGuardTest, ProtectsPercentEncodedProtectedPaths) {
  install();
  EXPECT_EQ(call("POST", "/api/%75i/x").status, 401);
  EXPECT_EQ(call_as(kViewerToken, "POST", "/api/%75i/x").status, 403);
  EXPECT_EQ(call_as(kOperatorToken, "POST", "/api/%75i/x").status, 200);
  EXPECT_EQ(call("GET", "/api/ui%2Fmarket").status, 401) << "decoded it is /api/ui/market";
}

TEST_F(AccessGuardTest, LocksTheSourceOutAfterMaxFailuresWithinTheWindow) {
  install(AccessGuardOptions{.max_failures = 3, .failure_window = 60s, .lockout = 120s});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401) << "failure " << i + 1;
    clock.advance(1s);
  }
  EXPECT_EQ(lockouts, std::vector<std::string>{"10.0.0.1 after 3"});
  EXPECT_TRUE(guard->locked_out("10.0.0.1"));

  // Locked: a missing token is refused without a lookup, an invalid one with 429 too.
  const int lookups_before = authenticate_calls;
  HttpResponse response = call("GET", "/api/ui/market");
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(error_code(response), "locked_out");
  EXPECT_EQ(header(response, "Retry-After"), "119");  // locked at t=2 s for 120 s; now t=3 s
  EXPECT_EQ(authenticate_calls, lookups_before);
  EXPECT_EQ(call_as(kUnknownToken, "POST", "/api/ui/x").status, 429);
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(lockouts.size(), 1u) << "on_lockout is called once per lockout";
  // Public routes stay reachable from a locked source.
  EXPECT_EQ(call("GET", "/healthz").status, 200);

  clock.advance(118s);  // t=121 s
  response = call_as(kUnknownToken, "GET", "/api/ui/market");
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(header(response, "Retry-After"), "1");

  clock.advance(1s);  // t=122 s: the lockout has ended
  EXPECT_FALSE(guard->locked_out("10.0.0.1"));
  EXPECT_EQ(call_as(kOperatorToken, "GET", "/api/ui/market").status, 200);
  // ...and the count starts afresh: two more failures do not lock.
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401);
  EXPECT_FALSE(guard->locked_out("10.0.0.1"));
  EXPECT_EQ(lockouts.size(), 1u);
}

// Issue 10: a lockout must never block HOLD, and behind a proxy one attacker must not
// lock every operator out. A valid token passes a locked source; only guesses and
// anonymous calls get 429.
TEST_F(AccessGuardTest, AValidTokenStillPassesWhileItsSourceIsLockedOut) {
  install(AccessGuardOptions{.max_failures = 3, .failure_window = 60s, .lockout = 900s});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401);
  ASSERT_TRUE(guard->locked_out("10.0.0.1"));

  HttpResponse held = call_as(kOperatorToken, "POST", "/api/ui/x");
  EXPECT_EQ(held.status, 200) << held.body;
  ASSERT_TRUE(seen_principal.has_value());
  EXPECT_EQ(seen_principal->name, "carol");
  EXPECT_EQ(call_as(kViewerToken, "GET", "/api/ui/market").status, 200);
  // Roles still apply to a locked source.
  EXPECT_EQ(call_as(kViewerToken, "POST", "/api/ui/x").status, 403);

  // Guesses during the lockout are answered 429, are not counted and do not lock again.
  for (int i = 0; i < 10; ++i) {
    HttpResponse response = call_as(kUnknownToken, "GET", "/api/ui/market");
    EXPECT_EQ(response.status, 429);
    EXPECT_EQ(error_code(response), "locked_out");
    EXPECT_NE(header(response, "Retry-After"), "<absent>");
  }
  EXPECT_EQ(lockouts.size(), 1u);
  EXPECT_TRUE(guard->locked_out("10.0.0.1"));
  EXPECT_EQ(call_as(kOperatorToken, "POST", "/api/ui/x").status, 200) << "still not blocked";
}

TEST_F(AccessGuardTest, DoesNotAccumulateFailuresOutsideTheWindow) {
  install(AccessGuardOptions{.max_failures = 3, .failure_window = 60s, .lockout = 120s});
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401);
  clock.advance(61s);  // both fall out of the window
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401);
  EXPECT_FALSE(guard->locked_out("10.0.0.1"));
  EXPECT_TRUE(lockouts.empty());
  clock.advance(30s);  // the last two are still inside: the third locks
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401);
  EXPECT_TRUE(guard->locked_out("10.0.0.1"));
  EXPECT_EQ(lockouts, std::vector<std::string>{"10.0.0.1 after 3"});
}

TEST_F(AccessGuardTest, LockingOneSourceDoesNotLockAnother) {
  install(AccessGuardOptions{.max_failures = 2});
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "10.0.0.1").status, 401);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "10.0.0.1").status, 401);
  EXPECT_TRUE(guard->locked_out("10.0.0.1"));
  EXPECT_EQ(call("GET", "/api/ui/market", std::nullopt, "10.0.0.1").status, 429);
  EXPECT_EQ(call("GET", "/api/ui/market", std::nullopt, "10.0.0.2").status, 401);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "10.0.0.2").status, 401);
  EXPECT_FALSE(guard->locked_out("10.0.0.2"));
}

// Review of issue 10: one IPv6 host owns a /64; rotating through it must not dodge the
// lockout (the server's connection limits already group it so).
TEST_F(AccessGuardTest, AnIpv6HostRotatingThroughItsSlash64IsOneSource) {
  install(AccessGuardOptions{.max_failures = 3});
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "2001:db8:1:2::a").status, 401);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "2001:db8:1:2::b").status, 401);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "2001:db8:1:2:ffff::1").status, 401);
  EXPECT_TRUE(guard->locked_out("2001:db8:1:2::c"));
  EXPECT_EQ(call("GET", "/api/ui/market", std::nullopt, "2001:db8:1:2::d").status, 429);
  EXPECT_FALSE(guard->locked_out("2001:db8:1:3::a")) << "the next /64 is another client";
  EXPECT_EQ(lockouts, std::vector<std::string>{"2001:db8:1:2::/64 after 3"});
  EXPECT_EQ(net::client_key("::ffff:10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(net::client_key("10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(net::client_key("not an address"), "not an address");
}

// Issue 10: "9 bad tries + 1 valid token" must not repeat for ever without a lockout.
TEST_F(AccessGuardTest, AValidTokenDoesNotResetTheFailureCount) {
  install(AccessGuardOptions{.max_failures = 3, .failure_window = 60s});
  for (const char* source : {"10.0.0.1", "10.0.0.2"}) {
    EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", source).status, 401);
    EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", source).status, 401);
  }
  EXPECT_EQ(call_as(kViewerToken, "GET", "/api/ui/market", "10.0.0.1").status, 200);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "10.0.0.1").status, 401);
  EXPECT_TRUE(guard->locked_out("10.0.0.1")) << "the success in between did not clear the two failures";
  EXPECT_FALSE(guard->locked_out("10.0.0.2")) << "one source's failures never count for another";
  EXPECT_EQ(lockouts, std::vector<std::string>{"10.0.0.1 after 3"});
}

TEST_F(AccessGuardTest, KeepsTheFailureTableBoundedAndLockoutsLongest) {
  install(AccessGuardOptions{.max_failures = 2, .failure_window = 60s, .lockout = 600s, .max_sources = 4});
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "10.9.9.9").status, 401);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "10.9.9.9").status, 401);
  ASSERT_TRUE(guard->locked_out("10.9.9.9"));
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "10.1.0." + std::to_string(i)).status, 401);
    EXPECT_LE(guard->tracked_sources(), 4u);
  }
  EXPECT_TRUE(guard->locked_out("10.9.9.9")) << "many other sources must not flush a lockout";
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market", "10.9.9.9").status, 429);
}

TEST_F(AccessGuardTest, ErrorBodiesFollowSpecS11AndNeverCarryTheToken) {
  install(AccessGuardOptions{.max_failures = 1});
  std::vector<HttpResponse> responses = {
      call("GET", "/api/ui/market", "Basic " + std::string(kUnknownToken)),  // 401 malformed
      call_as(kViewerToken, "POST", "/api/ui/x", "10.0.0.7"),                // 403
      call_as(kUnknownToken, "GET", "/api/ui/market"),                       // 401 invalid, locks
      call_as(kUnknownToken, "GET", "/api/ui/market"),                       // 429
  };
  std::vector<int> statuses;
  for (const auto& response : responses) {
    statuses.push_back(response.status);
    nlohmann::json body = parse(response);
    ASSERT_TRUE(body.is_object()) << response.body;
    ASSERT_EQ(body.size(), 1u) << response.body;
    ASSERT_TRUE(body.contains("error")) << response.body;
    ASSERT_EQ(body["error"].size(), 2u) << response.body;
    EXPECT_TRUE(body["error"]["code"].is_string()) << response.body;
    EXPECT_TRUE(body["error"]["message"].is_string()) << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    for (std::string_view token : {kUnknownToken, kViewerToken}) {
      EXPECT_EQ(response.body.find(token), std::string::npos) << response.body;
      for (const auto& [name, value] : response.headers) {
        EXPECT_EQ(value.find(token), std::string::npos) << name << ": " << value;
      }
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{401, 403, 401, 429}));
}

TEST_F(AccessGuardTest, FailsClosedWhenTheTokenLookupThrows) {
  install();
  authenticate_throws = true;
  HttpResponse response = call_as(kOperatorToken, "POST", "/api/ui/x");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(error_code(response), "internal");
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(guard->tracked_sources(), 0u) << "a server-side fault is not the caller's failure";
  ASSERT_EQ(guard_log.size(), 1u);
  EXPECT_EQ(guard_log[0].find(kOperatorToken), std::string::npos);
}

TEST_F(AccessGuardTest, KeepsItsAnswerWhenAReactionCallbackThrows) {
  AccessGuardCallbacks throwing = callbacks();
  throwing.on_forbidden = [](const Principal&, std::string_view, std::string_view) {
    throw std::runtime_error("audit down");
  };
  throwing.on_lockout = [](std::string_view, int) { throw std::runtime_error("alert bus down"); };
  router.set_guard(std::make_shared<AccessGuard>(clock, throwing, AccessGuardOptions{.max_failures = 1}));
  EXPECT_EQ(call_as(kViewerToken, "POST", "/api/ui/x").status, 403);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 401);
  EXPECT_EQ(call_as(kUnknownToken, "GET", "/api/ui/market").status, 429);
  EXPECT_EQ(guard_log.size(), 2u);
}

TEST_F(AccessGuardTest, RejectsInvalidConfiguration) {
  EXPECT_THROW(AccessGuard(clock, AccessGuardCallbacks{}), std::invalid_argument);
  EXPECT_THROW(AccessGuard(clock, callbacks(), AccessGuardOptions{.max_failures = 0}), std::invalid_argument);
  EXPECT_THROW(AccessGuard(clock, callbacks(), AccessGuardOptions{.failure_window = 0s}), std::invalid_argument);
  EXPECT_THROW(AccessGuard(clock, callbacks(), AccessGuardOptions{.lockout = 0s}), std::invalid_argument);
  EXPECT_THROW(AccessGuard(clock, callbacks(), AccessGuardOptions{.max_sources = 0}), std::invalid_argument);
}

TEST_F(AccessGuardTest, ChangesNothingWithoutAGuard) {
  // No install(): the router behaves as before authentication existed.
  EXPECT_EQ(call("POST", "/api/ui/x").status, 200);
  EXPECT_FALSE(seen_principal.has_value());
  EXPECT_EQ(call("GET", "/api/ui/no-such-route").status, 404);
  EXPECT_EQ(call("GET", "/api/ui/market", "Bearer whatever").status, 200);
  EXPECT_TRUE(saw_authorization_header);
}

// ---------------------------------------------------------------------------------
// Through the real HttpServer over loopback.

TEST(AccessGuardServerTest, AnswersWith401ThenServesWithTheBearerHeaderAndNeverLogsTheToken) {
  RealClock clock;
  auto router = std::make_shared<GuardedRouter>();
  router->add("GET", "/api/ui/market", [](const HttpRequest& request) {
    return HttpResponse::json(200, {{"actor", request.principal ? request.principal->name : "<none>"}});
  });
  AccessGuardCallbacks callbacks;
  callbacks.authenticate = [](std::string_view token) -> std::optional<Principal> {
    if (token == kViewerToken) return Principal{"alice", "viewer"};
    return std::nullopt;
  };
  router->set_guard(std::make_shared<AccessGuard>(clock, callbacks));

  std::mutex log_mutex;
  std::vector<std::string> log_lines;
  HttpServerOptions options;
  options.port = 0;
  options.log = [&](std::string_view line) {
    std::lock_guard lock(log_mutex);
    log_lines.emplace_back(line);
  };
  HttpServer server(options, router);
  Status status = server.start();
  ASSERT_TRUE(status.ok()) << status.error().describe();

  test_support::HttpResult anonymous = test_support::http_request("127.0.0.1", server.port(), "GET", "/api/ui/market");
  ASSERT_TRUE(anonymous.ok()) << anonymous.error;
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.header("www-authenticate"), "Bearer");
  EXPECT_EQ(nlohmann::json::parse(anonymous.body)["error"]["code"], "unauthorized");

  test_support::HttpResult wrong = test_support::http_request("127.0.0.1", server.port(), "GET", "/api/ui/market", "",
                                                              {{"Authorization", bearer(kUnknownToken)}});
  EXPECT_EQ(wrong.status, 401);

  test_support::HttpResult authorized = test_support::http_request(
      "127.0.0.1", server.port(), "GET", "/api/ui/market", "", {{"Authorization", bearer(kViewerToken)}});
  ASSERT_TRUE(authorized.ok()) << authorized.error;
  EXPECT_EQ(authorized.status, 200) << authorized.body;
  EXPECT_EQ(nlohmann::json::parse(authorized.body), nlohmann::json({{"actor", "alice"}}));

  server.stop();  // access lines are written after the responses: join first
  std::lock_guard lock(log_mutex);
  bool saw_access_line = false;
  for (const auto& line : log_lines) {
    EXPECT_EQ(line.find(kViewerToken), std::string::npos) << line;
    EXPECT_EQ(line.find(kUnknownToken), std::string::npos) << line;
    EXPECT_EQ(line.find("Bearer"), std::string::npos) << line;
    if (line.find("GET /api/ui/market 200") != std::string::npos) saw_access_line = true;
  }
  EXPECT_TRUE(saw_access_line);
}

}  // namespace
}  // namespace propbot::api
