#include "core/venues/okx/rest_client.hpp"

#include <algorithm>
#include <charconv>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/common/json_util.hpp"
#include "core/net/base_url_client.hpp"
#include "core/venues/okx/errors.hpp"
#include "core/venues/okx/parse.hpp"
#include "core/venues/common/funds_guard.hpp"

namespace propbot::venues::okx {

namespace {

std::string code_of(const nlohmann::json& body) {
  auto it = body.find("code");
  if (it == body.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return {};
}

bool is_rate_limit_code(std::string_view code) { return code == "50011" || code == "50061"; }

// Any data[].sCode that is a rate-limit code (batch items).
bool has_rate_limited_item(const nlohmann::json& body) {
  auto data = body.find("data");
  if (data == body.end() || !data->is_array()) return false;
  for (const auto& item : *data) {
    auto it = item.find("sCode");
    if (it != item.end() && it->is_string() && is_rate_limit_code(it->get_ref<const std::string&>())) return true;
  }
  return false;
}

std::optional<Nanos> retry_after_of(const net::HttpReply& reply) {
  const std::string text = reply.header("retry-after");
  int seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || ec != std::errc{} || end == text.data()) return std::nullopt;
  return std::chrono::seconds(seconds);
}

}  // namespace

Result<std::unique_ptr<RestClient>> RestClient::create(boost::asio::io_context& io, const Clock& clock,
                                                       RestClientOptions options, Logger logger) {
  net::HttpsClientOptions http_options;
  http_options.tls = options.tls;
  http_options.request_timeout = options.request_timeout;
  http_options.user_agent = "propbot-okx";
  auto origin = net::open_base_url(io, options.base_url, std::move(http_options));
  if (!origin) return make_error(origin.error().code, "OKX: " + origin.error().message);
  return std::unique_ptr<RestClient>(new RestClient(io, clock, std::move(options), std::move(logger),
                                                    std::move(origin->http), std::move(origin->path_prefix)));
}

RestClient::RestClient(boost::asio::io_context& io, const Clock& clock, RestClientOptions options, Logger logger,
                       std::unique_ptr<net::HttpsClient> http, std::string path_prefix)
    : io_(io),
      clock_(clock),
      signer_(options.credentials),
      logger_(std::move(logger)),
      http_(std::move(http)),
      path_prefix_(std::move(path_prefix)),
      raw_tap_(std::move(options.raw_tap)),
      wakeup_(io, clock, [this] { governor_.on_wakeup(); }),
      governor_("okx", options.rate_limits, options.rate_governor, clock,
                [this](MonoTime at) { wakeup_.wake_at(at); }),
      clock_sync_(clock,
                  [this](std::function<void(VenueResult<std::int64_t>)> done) {
                    send(endpoints::kServerTime, "", "", [done = std::move(done)](VenueResult<nlohmann::json> reply) {
                      if (!reply) return done(reply.error());
                      auto server_ms = parse_server_time(reply.value());
                      if (!server_ms) {
                        return done(VenueError{VenueErrc::rejected, "PARSE", server_ms.error().message, 200, std::nullopt});
                      }
                      done(server_ms.value());
                    });
                  },
                  logger_, "okx") {
  // The secret now lives only inside signer_.
  std::fill(options.credentials.secret_key.begin(), options.credentials.secret_key.end(), '\0');
}

RestClient::~RestClient() {
  *alive_ = false;
  wakeup_.cancel();
}

void RestClient::close() {
  http_->close();
  governor_.refuse_all(VenueError{VenueErrc::network, "NOT_SENT", "the REST client was closed", 0, std::nullopt});
}

UtcTime RestClient::venue_time() const { return clock_.utc() + std::chrono::milliseconds(clock_sync_.offset_ms()); }

void RestClient::complete_later(ReplyCallback done, VenueResult<nlohmann::json> result) {
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [alive, done = std::move(done), result = std::move(result)]() mutable {
    if (alive.expired()) return;
    done(std::move(result));
  });
}

void RestClient::send(const Endpoint& endpoint, std::string query, std::string body, ReplyCallback done) {
  if (auto refused = refuse_funds_movement(endpoint.path)) {
    complete_later(std::move(done), std::move(*refused));
    return;
  }
  // One shared request: the governor either sends it (maybe later) or refuses it.
  struct Pending {
    Endpoint endpoint;
    std::string query;
    std::string body;
    ReplyCallback done;
  };
  auto pending = std::make_shared<Pending>(Pending{endpoint, std::move(query), std::move(body), std::move(done)});
  governor_.submit(
      endpoint.priority, RequestCost{endpoint.weight, endpoint.counts_as_order},
      [this, pending] { transmit(pending->endpoint, pending->query, std::move(pending->body), std::move(pending->done)); },
      [this, pending](VenueError error) { complete_later(std::move(pending->done), std::move(error)); });
}

void RestClient::transmit(const Endpoint& endpoint, const std::string& query, std::string body, ReplyCallback done) {
  const std::string method(endpoint.method);
  std::string target = path_prefix_ + std::string(endpoint.path) + query;
  net::HttpHeaders headers;
  if (endpoint.signed_request) {
    for (auto& header : signer_.headers(venue_time(), method, target, body)) {
      headers.emplace_back(std::move(header.name), std::move(header.value));
    }
  } else if (!body.empty()) {
    headers.emplace_back("Content-Type", "application/json");
  }
  ++requests_sent_;
  std::weak_ptr<bool> alive = alive_;
  const Endpoint copy = endpoint;
  // The request as the capture records it (OKX signs in headers: nothing to leave out).
  std::string tapped_target;
  if (raw_tap_) tapped_target = std::string(endpoint.path) + query;
  http_->request(method, std::move(target), std::move(headers), std::move(body),
                 [this, alive, copy, method, tapped_target = std::move(tapped_target),
                  done = std::move(done)](Result<net::HttpReply> reply) {
                   if (alive.expired()) return;
                   if (reply && raw_tap_) {
                     raw_tap_(RawChannel::rest, rest_answer_text(method, tapped_target, reply->status, reply->body));
                   }
                   on_reply(copy, std::move(reply), done);
                 });
}

void RestClient::on_reply(const Endpoint& endpoint, Result<net::HttpReply> reply, const ReplyCallback& done) {
  const std::string path(endpoint.path);
  if (!reply) {
    VenueError error;
    error.code = VenueErrc::network;
    error.venue_code = reply.error().code == Errc::unavailable ? "NOT_SENT" : "OUTCOME_UNKNOWN";
    error.venue_message = reply.error().message;
    logger_.warn("okx_rest_transport_error",
                 {{"path", path}, {"code", error.venue_code}, {"message", error.venue_message}});
    governor_.on_no_response();
    done(std::move(error));
    return;
  }
  const int status = reply->status;
  auto parsed = parse_json(reply->body);
  const std::string code = parsed ? code_of(parsed.value()) : std::string();
  RateLimitFeedback feedback;
  feedback.http_status = status;
  feedback.retry_after = retry_after_of(reply.value());
  if (is_rate_limit_code(code) || (parsed && has_rate_limited_item(parsed.value()))) feedback.http_status = 429;
  governor_.on_response(feedback);

  const bool success = status >= 200 && status < 300 && parsed &&
                       (code == "0" || (endpoint.per_item_results && (code == "1" || code == "2")));
  if (success) {
    done(std::move(parsed.value()));
    return;
  }
  VenueError error;
  if (status >= 200 && status < 300 && !parsed) {
    error = VenueError{VenueErrc::rejected, "PARSE", parsed.error().message, status, std::nullopt};
  } else {
    error = map_error(status, reply->body, reply->header("retry-after"));
  }
  logger_.warn("okx_rest_error", {{"method", endpoint.method},
                                  {"path", path},
                                  {"http_status", static_cast<std::int64_t>(status)},
                                  {"error", error.describe()}});
  if (error.code == VenueErrc::timestamp_out_of_window) clock_sync_.resync();
  done(std::move(error));
}

void RestClient::sync_time(std::function<void(VenueResult<std::int64_t>)> done) { clock_sync_.sync(std::move(done)); }

}  // namespace propbot::venues::okx
