// BaseUrlClient: an HttpsClient for a venue's REST base URL such as
// "https://fapi.binance.com" or "http://127.0.0.1:40343/prefix": the URL is parsed
// once, the scheme checked, the origin's client created, and any path in the URL kept
// as a prefix for every request target. Both venue REST clients start from it.
#pragma once

#include <memory>
#include <string>

#include "core/common/result.hpp"
#include "core/net/https_client.hpp"

namespace propbot::net {

struct BaseUrlClient {
  std::unique_ptr<HttpsClient> http;
  std::string path_prefix;  // "" or "/prefix" (no trailing slash)
};

// `options` supplies everything but scheme, host and port, which come from `base_url`.
// Errors: invalid_argument naming the URL when it is not http(s), or the parse or
// client-creation error.
Result<BaseUrlClient> open_base_url(boost::asio::io_context& io, const std::string& base_url,
                                    HttpsClientOptions options);

}  // namespace propbot::net
