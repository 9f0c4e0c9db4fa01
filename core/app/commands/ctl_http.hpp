// ctl_http: the one blocking HTTP exchange `propbot ctl` makes with a running daemon —
// a base URL ("http://127.0.0.1:8000", an optional path prefix kept), a bearer token,
// one request, one reply. It wraps net::HttpsClient (the venue adapters' client) on an
// io_context of its own, so Asio stays inside ctl_http.cpp.
//
// Guarantees
// - The bearer token goes only into the Authorization header: no error message, log
//   line or reply field this unit produces contains it.
// - It returns within `timeout` (+ the connect time, bounded by the same timeout).
// - A non-2xx status is a reply, not an error. Errors: invalid_argument for a URL that
//   is not http(s)://host[:port][/prefix]; unavailable when the daemon was not reached
//   (refused, unresolvable, timed out before the request was sent); io_error when the
//   request was sent but no complete answer came back (outcome unknown). Each message
//   names the URL.
//
// Uses: core/net (HttpsClient, open_base_url).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/common/result.hpp"
#include "core/net/https_client.hpp"

namespace propbot::app {

struct CtlRequest {
  std::string method = "GET";
  std::string target;        // "/api/health"; appended to the base URL's path prefix
  std::string body;          // sent as application/json when not empty
  std::string bearer_token;  // "" = no Authorization header
  std::chrono::milliseconds timeout{15000};
  std::size_t max_reply_bytes = 16u << 20;
};

Result<net::HttpReply> ctl_exchange(const std::string& base_url, const CtlRequest& request);

}  // namespace propbot::app
