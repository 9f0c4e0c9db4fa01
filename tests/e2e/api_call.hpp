// api_call(): one request to a running daemon's API as a named development principal
// ("" = no token), JSON in and out — the e2e tests' way to talk to the binary. Returns
// the HTTP status (0 on a transport failure) and the parsed body (a discarded value
// when the body is not JSON). `transcript`, when given, receives the raw body, so a
// test can check that no secret ever appears in what the daemon answered.
// Header-only; uses tests/support (http_client) and nlohmann::json.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_process.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {

inline std::pair<int, nlohmann::json> api_call(std::uint16_t port, const DevCredentials& credentials,
                                               const std::string& who, const std::string& method,
                                               const std::string& path, const nlohmann::json& body = nullptr,
                                               std::string* transcript = nullptr,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  test_support::HeaderList headers;
  if (!who.empty()) headers.emplace_back("Authorization", "Bearer " + credentials.tokens.at(who));
  std::string text;
  if (!body.is_null()) {
    text = body.dump();
    headers.emplace_back("Content-Type", "application/json");
  }
  auto result = test_support::http_request("127.0.0.1", port, method, path, text, headers, timeout);
  if (transcript != nullptr) *transcript += result.body;
  return {result.status, nlohmann::json::parse(result.body, nullptr, false)};
}

}  // namespace propbot::testing
