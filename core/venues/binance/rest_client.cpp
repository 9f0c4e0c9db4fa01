#include "core/venues/binance/rest_client.hpp"

#include <charconv>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/net/base_url_client.hpp"
#include "core/venues/binance/errors.hpp"
#include "core/venues/binance/parse.hpp"
#include "core/venues/common/funds_guard.hpp"

namespace propbot::venues::binance {

namespace {

std::optional<int> header_int(const net::HttpReply& reply, const std::string& name) {
  auto it = reply.headers.find(name);
  if (it == reply.headers.end()) return std::nullopt;
  int value = 0;
  const auto& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) return std::nullopt;
  return value;
}

// `venue_now_ms`: the venue's time now, to turn a "banned until <ms>" into a duration.
RateLimitFeedback feedback_of(const net::HttpReply& reply, std::int64_t venue_now_ms) {
  RateLimitFeedback feedback;
  feedback.http_status = reply.status;
  feedback.used_weight_1m = header_int(reply, "x-mbx-used-weight-1m");
  feedback.order_count_10s = header_int(reply, "x-mbx-order-count-10s");
  feedback.order_count_1m = header_int(reply, "x-mbx-order-count-1m");
  if (auto seconds = header_int(reply, "retry-after")) feedback.retry_after = std::chrono::seconds(*seconds);
  if (reply.status == 418 && !feedback.retry_after) {
    if (auto until = ban_end_ms(reply.body)) {
      feedback.retry_after = std::chrono::milliseconds(std::max<std::int64_t>(0, *until - venue_now_ms));
    }
  }
  return feedback;
}

}  // namespace

Result<std::unique_ptr<RestClient>> RestClient::create(boost::asio::io_context& io, const Clock& clock,
                                                       RestClientOptions options, Logger logger) {
  net::HttpsClientOptions http_options;
  http_options.tls = options.tls;
  http_options.request_timeout = options.request_timeout;
  http_options.user_agent = "propbot-binance";
  auto origin = net::open_base_url(io, options.base_url, std::move(http_options));
  if (!origin) return make_error(origin.error().code, "Binance: " + origin.error().message);
  return std::unique_ptr<RestClient>(new RestClient(io, clock, std::move(options), std::move(logger),
                                                    std::move(origin->http), std::move(origin->path_prefix)));
}

RestClient::RestClient(boost::asio::io_context& io, const Clock& clock, RestClientOptions options, Logger logger,
                       std::unique_ptr<net::HttpsClient> http, std::string path_prefix)
    : io_(io),
      clock_(clock),
      api_key_(std::move(options.api_key)),
      signer_(options.api_secret, options.recv_window_ms),
      logger_(std::move(logger)),
      http_(std::move(http)),
      path_prefix_(std::move(path_prefix)),
      raw_tap_(std::move(options.raw_tap)),
      wakeup_(io, clock, [this] { governor_.on_wakeup(); }),
      governor_("binance", options.rate_limits, options.rate_governor, clock,
                [this](MonoTime at) { wakeup_.wake_at(at); }),
      clock_sync_(clock,
                  [this](std::function<void(VenueResult<std::int64_t>)> done) {
                    send(endpoints::kServerTime, {}, [done = std::move(done)](VenueResult<std::string> reply) {
                      if (!reply) return done(reply.error());
                      auto server_ms = parse_server_time_text(reply.value());
                      if (!server_ms) {
                        return done(VenueError{VenueErrc::rejected, "PARSE", server_ms.error().message, 200, std::nullopt});
                      }
                      done(server_ms.value());
                    });
                  },
                  logger_, "binance") {
  // The secret now lives only inside signer_.
  std::fill(options.api_secret.begin(), options.api_secret.end(), '\0');
}

RestClient::~RestClient() {
  *alive_ = false;
  cancel_timers();
  wakeup_.cancel();
}

void RestClient::close() {
  http_->close();
  governor_.refuse_all(VenueError{VenueErrc::network, "NOT_SENT", "the REST client was closed", 0, std::nullopt});
}

std::int64_t RestClient::venue_time_ms() const { return to_unix_ms(clock_.utc()) + clock_sync_.offset_ms(); }

void RestClient::complete_later(BodyCallback done, VenueResult<std::string> result) {
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [alive, done = std::move(done), result = std::move(result)]() mutable {
    if (alive.expired()) return;
    done(std::move(result));
  });
}

void RestClient::call_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
  const std::uint64_t id = next_timer_id_++;
  std::weak_ptr<boost::asio::steady_timer> weak_timer = timer;
  timer_cancellers_.emplace(id, [weak_timer] {
    if (auto t = weak_timer.lock()) t->cancel();
  });
  std::weak_ptr<bool> alive = alive_;
  timer->async_wait([this, id, timer, alive, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (alive.expired()) return;
    timer_cancellers_.erase(id);
    if (ec) return;
    fn();
  });
}

void RestClient::cancel_timers() {
  auto cancellers = std::move(timer_cancellers_);
  timer_cancellers_.clear();
  for (auto& [id, cancel] : cancellers) cancel();
}

void RestClient::send(const Endpoint& endpoint, std::vector<QueryParam> params, BodyCallback done) {
  if (auto refused = refuse_funds_movement(endpoint.path)) {
    complete_later(std::move(done), std::move(*refused));
    return;
  }
  // One shared request: the governor either sends it (maybe later) or refuses it.
  struct Pending {
    Endpoint endpoint;
    std::vector<QueryParam> params;
    BodyCallback done;
  };
  auto pending = std::make_shared<Pending>(Pending{endpoint, std::move(params), std::move(done)});
  governor_.submit(
      endpoint.priority, RequestCost{endpoint.weight, endpoint.counts_as_order},
      [this, pending] { transmit(pending->endpoint, std::move(pending->params), std::move(pending->done)); },
      [this, pending](VenueError error) { complete_later(std::move(pending->done), std::move(error)); });
}

void RestClient::transmit(const Endpoint& endpoint, std::vector<QueryParam> params, BodyCallback done) {
  const std::string method(endpoint.method);
  const bool body_params = method == "POST" || method == "PUT";
  std::string encoded;
  if (endpoint.security == Security::signed_request) {
    encoded = signer_.sign_params(params, venue_time_ms());
  } else {
    encoded = encode_params(params);
  }
  std::string target = path_prefix_ + std::string(endpoint.path);
  std::string body;
  net::HttpHeaders headers;
  if (endpoint.security != Security::none) headers.emplace_back("X-MBX-APIKEY", api_key_);
  if (body_params) {
    body = std::move(encoded);
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  } else if (!encoded.empty()) {
    target += '?';
    target += encoded;
  }

  ++requests_sent_;
  std::weak_ptr<bool> alive = alive_;
  const std::string path(endpoint.path);
  // The request as the capture records it: the parameters without the signature.
  std::string tapped_target;
  if (raw_tap_) tapped_target = params.empty() ? path : path + "?" + encode_params(params);
  http_->request(method, std::move(target), std::move(headers), std::move(body),
                 [this, alive, done = std::move(done), method, path,
                  tapped_target = std::move(tapped_target)](Result<net::HttpReply> reply) {
                   if (alive.expired()) return;
                   if (reply && raw_tap_) {
                     raw_tap_(RawChannel::rest, rest_answer_text(method, tapped_target, reply->status, reply->body));
                   }
                   if (!reply) {
                     VenueError error;
                     error.code = VenueErrc::network;
                     error.venue_code = reply.error().code == Errc::unavailable ? "NOT_SENT" : "OUTCOME_UNKNOWN";
                     error.venue_message = reply.error().message;
                     logger_.warn("binance_rest_transport_error",
                                  {{"method", method}, {"path", path}, {"code", error.venue_code},
                                   {"message", error.venue_message}});
                     governor_.on_no_response();
                     done(std::move(error));
                     return;
                   }
                   governor_.on_response(feedback_of(reply.value(), venue_time_ms()));
                   const int status = reply->status;
                   if (status >= 200 && status < 300) {
                     done(std::move(reply->body));
                     return;
                   }
                   VenueError error = map_error(status, reply->body, reply->header("retry-after"));
                   logger_.warn("binance_rest_error", {{"method", method},
                                                       {"path", path},
                                                       {"http_status", static_cast<std::int64_t>(status)},
                                                       {"error", error.describe()}});
                   if (error.code == VenueErrc::timestamp_out_of_window) clock_sync_.resync();
                   done(std::move(error));
                 });
}

void RestClient::sync_time(std::function<void(VenueResult<std::int64_t>)> done) { clock_sync_.sync(std::move(done)); }

}  // namespace propbot::venues::binance
