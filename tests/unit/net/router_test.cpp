// Router: pattern matching, SPEC S-11 error bodies, query decoding, JSON bodies.
#include "core/net/router.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace propbot::net {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  HttpResponse call(std::string method, std::string target, std::string body = "") {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    last_request = request;
    HttpResponse response = router.dispatch(last_request);
    return response;
  }

  static nlohmann::json parse(const HttpResponse& response) { return nlohmann::json::parse(response.body); }

  static std::string error_code(const HttpResponse& response) {
    return parse(response).at("error").at("code").get<std::string>();
  }
  static std::string error_message(const HttpResponse& response) {
    return parse(response).at("error").at("message").get<std::string>();
  }

  static HttpResponse echo_params(const HttpRequest& request) {
    return HttpResponse::json(200, {{"params", request.params}, {"query", request.query}});
  }

  std::vector<std::string> logged;
  Router router{[this](std::string_view line) { logged.emplace_back(line); }};
  HttpRequest last_request;
};

TEST_F(RouterTest, MatchesPatternAndFillsNamedParams) {
  router.add("POST", "/api/ui/approvals/{id}/confirm", echo_params);
  router.add("GET", "/api/venues/{venue}/symbols/{symbol}", echo_params);

  HttpResponse confirm = call("POST", "/api/ui/approvals/a-42/confirm");
  ASSERT_EQ(confirm.status, 200) << confirm.body;
  EXPECT_EQ(parse(confirm)["params"], nlohmann::json({{"id", "a-42"}}));

  HttpResponse symbol = call("GET", "/api/venues/binance/symbols/BTC-USDT");
  ASSERT_EQ(symbol.status, 200) << symbol.body;
  EXPECT_EQ(parse(symbol)["params"], nlohmann::json({{"venue", "binance"}, {"symbol", "BTC-USDT"}}));
}

TEST_F(RouterTest, RefusesADeeplyNestedBodyBeforeAnyHandlerTouchesIt) {
  // Issue 10 finding 1: a payload nested 70,000 deep crashed the daemon (SIGSEGV) in the
  // handler that copied it. This handler copies too: without the bound it overflows.
  bool ran = false;
  router.add("POST", "/api/ui/approvals", [&ran](const HttpRequest& request) {
    ran = true;
    nlohmann::json copy = request.json;
    return HttpResponse::json(200, {{"copied", copy.size()}});
  }, RouteOptions{.json_body = true});
  std::string body = "{\"kind\":\"resume\",\"payload\":";
  for (int i = 0; i < 70'000; ++i) body += "{\"a\":";
  body += "1";
  body.append(70'000, '}');
  body += "}";
  HttpResponse deep = call("POST", "/api/ui/approvals", body);
  EXPECT_EQ(deep.status, 400) << deep.body.substr(0, 200);
  EXPECT_EQ(error_code(deep), "bad_json");
  EXPECT_EQ(error_message(deep), "JSON nests deeper than 32 levels at byte 182: send a flatter document");
  EXPECT_FALSE(ran);

  std::string flat = "{\"payload\":";
  for (int i = 0; i < 31; ++i) flat += "[";
  flat += "1";
  flat.append(31, ']');
  flat += "}";
  EXPECT_EQ(call("POST", "/api/ui/approvals", flat).status, 200);
  EXPECT_TRUE(ran);
}

TEST_F(RouterTest, DoesNotMatchShorterLongerOrEmptySegments) {
  router.add("POST", "/api/ui/approvals/{id}/confirm", echo_params);
  EXPECT_EQ(call("POST", "/api/ui/approvals/42").status, 404);
  EXPECT_EQ(call("POST", "/api/ui/approvals/42/confirm/extra").status, 404);
  EXPECT_EQ(call("POST", "/api/ui/approvals//confirm").status, 404);
}

TEST_F(RouterTest, PrefersLiteralSegmentOverParameter) {
  router.add("GET", "/orders/{id}", [](const HttpRequest&) { return HttpResponse::json(200, "by-id"); });
  router.add("GET", "/orders/open", [](const HttpRequest&) { return HttpResponse::json(200, "open"); });
  EXPECT_EQ(call("GET", "/orders/open").body, "\"open\"");
  EXPECT_EQ(call("GET", "/orders/17").body, "\"by-id\"");
}

TEST_F(RouterTest, DecodesPercentEscapesInPathParameters) {
  router.add("GET", "/items/{name}", echo_params);
  HttpResponse response = call("GET", "/items/a%20b%2Fc");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(parse(response)["params"]["name"], "a b/c");
}

TEST_F(RouterTest, AnswersUnknownPathWith404InSpecErrorShape) {
  router.add("GET", "/healthz", echo_params);
  HttpResponse response = call("GET", "/api/nope?x=1");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":{"code":"not_found","message":"no route matches /api/nope"}})");
}

TEST_F(RouterTest, AnswersWrongMethodWith405AndAllowHeader) {
  router.add("GET", "/api/ui/state", echo_params);
  router.add("POST", "/api/ui/state", echo_params);
  HttpResponse response = call("DELETE", "/api/ui/state");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(error_code(response), "method_not_allowed");
  EXPECT_NE(error_message(response).find("DELETE"), std::string::npos) << response.body;
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, HEAD, POST") << "HEAD is allowed wherever GET is";
}

TEST_F(RouterTest, DecodesQueryString) {
  router.add("GET", "/q", echo_params);
  HttpResponse response = call("GET", "/q?a=1&b=x%20y&c=a+b&flag&e=%zz&euro=%E2%82%AC&&k%3D=v%26w");
  ASSERT_EQ(response.status, 200);
  nlohmann::json expected = {{"a", "1"},   {"b", "x y"},          {"c", "a b"},   {"flag", ""},
                             {"e", "%zz"}, {"euro", "\u20ac"}, {"k=", "v&w"}};
  EXPECT_EQ(parse(response)["query"], expected);
  EXPECT_EQ(last_request.path, "/q");
}

TEST_F(RouterTest, ParseTargetReducesAbsoluteFormToPath) {
  HttpRequest request;
  request.target = "http://localhost:8000/api/x?y=2";
  parse_target(request);
  EXPECT_EQ(request.path, "/api/x");
  EXPECT_EQ(request.query.at("y"), "2");
}

TEST_F(RouterTest, RejectsEmptyJsonBodyWith400) {
  router.add("POST", "/api/arb/execute", echo_params, RouteOptions{.json_body = true});
  for (const char* body : {"", "  \r\n"}) {
    HttpResponse response = call("POST", "/api/arb/execute", body);
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(error_code(response), "bad_json");
    EXPECT_EQ(error_message(response), "request body is empty: send a JSON object");
  }
}

TEST_F(RouterTest, RejectsMalformedJsonNamingTheBytePosition) {
  router.add("POST", "/api/arb/execute", echo_params, RouteOptions{.json_body = true});
  HttpResponse response = call("POST", "/api/arb/execute", R"({"qty": 1,})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(error_code(response), "bad_json");
  std::string message = error_message(response);
  EXPECT_EQ(message.rfind("malformed JSON at byte 11: ", 0), 0u) << message;
  EXPECT_NE(message.find("syntax error"), std::string::npos) << message;
  EXPECT_EQ(message.find("json.exception"), std::string::npos) << message;
}

TEST_F(RouterTest, RejectsNonObjectJsonNamingTheType) {
  router.add("POST", "/api/arb/execute", echo_params, RouteOptions{.json_body = true});
  HttpResponse response = call("POST", "/api/arb/execute", "[1, 2]");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(error_code(response), "bad_json");
  EXPECT_EQ(error_message(response), "request body must be a JSON object, got array");
}

TEST_F(RouterTest, ParsesJsonBodyIntoRequest) {
  router.add("POST", "/api/arb/execute",
             [](const HttpRequest& request) { return HttpResponse::json(200, request.json["qty"]); },
             RouteOptions{.json_body = true});
  HttpResponse response = call("POST", "/api/arb/execute", R"({"qty": 3})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "3");
}

TEST_F(RouterTest, TurnsHandlerExceptionInto500WithoutLeakingItsText) {
  router.add("GET", "/boom", [](const HttpRequest&) -> HttpResponse {
    throw std::runtime_error("db password=hunter2 rejected");
  });
  HttpResponse response = call("GET", "/boom");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(error_code(response), "internal");
  EXPECT_EQ(response.body.find("hunter2"), std::string::npos) << response.body;
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("hunter2"), std::string::npos) << "the operator log keeps the detail";
}

TEST_F(RouterTest, ErrorBodyStaysValidJsonForInvalidUtf8InPath) {
  HttpResponse response = call("GET", "/bad%FF\xFE");
  EXPECT_EQ(response.status, 404);
  EXPECT_NO_THROW((void)parse(response)) << response.body;
}

TEST_F(RouterTest, RejectsMalformedOrDuplicatePatternsAtStartup) {
  EXPECT_THROW(router.add("GET", "no-slash", echo_params), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{}", echo_params), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/x{id}", echo_params), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{id}/{id}", echo_params), std::invalid_argument);
  router.add("GET", "/a/{id}", echo_params);
  EXPECT_THROW(router.add("GET", "/a/{other}", echo_params), std::invalid_argument);
  EXPECT_NO_THROW(router.add("PUT", "/a/{id}", echo_params));
}

TEST_F(RouterTest, AnswersHeadWithTheGetRouteExactlyAsGet) {
  router.add("GET", "/api/ui/state/{id}", [](const HttpRequest& request) {
    HttpResponse response = HttpResponse::json(201, {{"method", request.method}, {"id", request.params.at("id")}});
    response.headers.emplace_back("X-State", "on");
    return response;
  });
  HttpResponse get = call("GET", "/api/ui/state/7?x=1");
  HttpResponse head = call("HEAD", "/api/ui/state/7?x=1");
  EXPECT_EQ(head.status, get.status);
  EXPECT_EQ(head.headers, get.headers);
  EXPECT_EQ(head.content_type, get.content_type);
  EXPECT_EQ(head.body, get.body) << "the handler runs as for GET; the server drops the body";
  EXPECT_EQ(parse(head)["method"], "GET");
}

TEST_F(RouterTest, PrefersAnExplicitHeadRouteAndRefusesHeadWithoutGet) {
  router.add("GET", "/both", [](const HttpRequest&) { return HttpResponse::json(200, {{"from", "get"}}); });
  router.add("HEAD", "/both", [](const HttpRequest&) { return HttpResponse::json(200, {{"from", "head"}}); });
  router.add("POST", "/post-only", echo_params);
  EXPECT_EQ(parse(call("HEAD", "/both"))["from"], "head");
  HttpResponse refused = call("HEAD", "/post-only");
  EXPECT_EQ(refused.status, 405);
  ASSERT_EQ(refused.headers.size(), 1u);
  EXPECT_EQ(refused.headers[0].second, "POST");
}

TEST_F(RouterTest, TellsWhetherARequestTargetsABlockingRoute) {
  router.add("POST", "/api/ui/config/validate", echo_params, RouteOptions{.blocking = true});
  router.add("GET", "/api/ui/audit/export/{day}", echo_params, RouteOptions{.blocking = true});
  router.add("GET", "/api/ui/config/validate", echo_params);
  EXPECT_TRUE(router.has_blocking_routes());
  auto blocking = [this](std::string method, std::string target) {
    HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    return router.is_blocking(request);
  };
  EXPECT_TRUE(blocking("POST", "/api/ui/config/validate?dry=1"));
  EXPECT_TRUE(blocking("POST", "/api/ui/config/%76alidate")) << "matched on the decoded path, as dispatch does";
  EXPECT_TRUE(blocking("GET", "/api/ui/audit/export/2026-11-23"));
  EXPECT_TRUE(blocking("HEAD", "/api/ui/audit/export/2026-11-23")) << "HEAD runs the GET route";
  EXPECT_FALSE(blocking("GET", "/api/ui/config/validate")) << "another method, another route";
  EXPECT_FALSE(blocking("DELETE", "/api/ui/config/validate")) << "a 405 is answered inline";
  EXPECT_FALSE(blocking("POST", "/nowhere"));
  Router plain;
  plain.add("GET", "/x", echo_params);
  EXPECT_FALSE(plain.has_blocking_routes());
}

}  // namespace
}  // namespace propbot::net
