#include "core/app/commands/ctl_http.hpp"

#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "core/net/base_url_client.hpp"

namespace propbot::app {

Result<net::HttpReply> ctl_exchange(const std::string& base_url, const CtlRequest& request) {
  boost::asio::io_context io;
  net::HttpsClientOptions options;
  options.request_timeout = request.timeout;
  options.connect_timeout = request.timeout;
  options.max_reply_bytes = request.max_reply_bytes;
  options.max_queued_requests = 1;
  options.user_agent = "propbot-ctl";
  auto client = net::open_base_url(io, base_url, std::move(options));
  if (!client) return make_error(Errc::invalid_argument, "--url '" + base_url + "': " + client.error().message);

  net::HttpHeaders headers;
  if (!request.bearer_token.empty()) headers.emplace_back("Authorization", "Bearer " + request.bearer_token);
  if (!request.body.empty()) headers.emplace_back("Content-Type", "application/json");
  std::optional<Result<net::HttpReply>> outcome;
  client->http->request(request.method, client->path_prefix + request.target, std::move(headers), request.body,
                        [&outcome, &io](Result<net::HttpReply> reply) {
                          outcome = std::move(reply);
                          io.stop();  // a kept-alive connection would keep run() going
                        });
  io.run();
  client->http.reset();
  if (!outcome) return make_error(Errc::internal, "the request to " + base_url + " never completed");
  if (outcome->ok()) return std::move(*outcome);
  // The client's messages name host and port, never headers; say which daemon it was.
  const Error& error = outcome->error();
  const Errc code = error.code == Errc::io_error ? Errc::io_error : Errc::unavailable;
  return make_error(code, "cannot reach the daemon at " + base_url + ": " + error.message);
}

}  // namespace propbot::app
