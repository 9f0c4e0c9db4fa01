#include "core/net/base_url_client.hpp"

#include "core/net/url.hpp"

namespace propbot::net {

Result<BaseUrlClient> open_base_url(boost::asio::io_context& io, const std::string& base_url,
                                    HttpsClientOptions options) {
  auto url = parse_url(base_url);
  if (!url) return url.error();
  if (url->scheme != "http" && url->scheme != "https") {
    return make_error(Errc::invalid_argument, "REST base URL must be http(s): " + base_url);
  }
  options.scheme = url->scheme;
  options.host = url->host;
  options.port = url->port;
  auto http = HttpsClient::create(io, std::move(options));
  if (!http) return http.error();
  BaseUrlClient out;
  out.http = std::move(http.value());
  out.path_prefix = url->target == "/" ? std::string() : url->target;
  if (!out.path_prefix.empty() && out.path_prefix.back() == '/') out.path_prefix.pop_back();
  return out;
}

}  // namespace propbot::net
