// OKX v5 REST client (protocols.md B2, B3): one keep-alive HttpsClient to the REST
// origin, the request signer, the venue's RateGovernor (over its RateLimitTracker) and
// the measured clock offset. Every request goes through send():
//   1. RateGovernor::submit(endpoint.priority, weight, counts_as_order) decides when it
//      goes (rate_governor.hpp): now, later (held), or never — a refusal completes with
//      VenueErrc::rate_limited, or banned while the venue is quarantined (venue_code
//      "LOCAL", retry_after set) and NOTHING is sent: no request storm while backing
//      off. The caller picks the class by the Endpoint's priority (a reduce-only place
//      is `close`, the listing inside cancel_all is `cancel`);
//   2. signing (private endpoints): OK-ACCESS-* headers over timestamp (local UTC +
//      clock offset, ISO ms) + METHOD + path?query + the exact body; demo adds
//      x-simulated-trading: 1;
//   3. every reply feeds RateGovernor::on_response; HTTP 429 and the OKX
//      rate-limit codes 50011 / 50061 (sent with HTTP 200) are fed as 429 → backoff;
//      OKX has no 418: a 429 whose Retry-After reaches GovernorPolicy::ban_retry_after
//      is the ban and quarantines the venue. A transport failure feeds on_no_response;
//   4. HTTP 2XX with code "0" → the parsed body; per-item endpoints (batch) also pass
//      code "1"/"2" through, the caller reads data[].sCode; anything else →
//      okx::map_error (per-order sCode used for single-order endpoints).
// Transport failures: HttpsClient's io_error ("outcome unknown": the request may have
// reached the venue) → VenueErrc::network, venue_code "OUTCOME_UNKNOWN"; unavailable
// (certainly not sent) → VenueErrc::network, venue_code "NOT_SENT". A caller that
// placed or cancelled must resolve by query_order(client id), never re-send.
//
// Clock offset: sync_time() measures offset = server ts − (send + receive) / 2 with
// GET /api/v5/public/time; it is added to every OK-ACCESS-TIMESTAMP (and WS login).
// A reply mapped to timestamp_out_of_window starts one background sync_time() (never
// two at once), so the request after the failed one is signed with the venue's
// current time; the failed request itself is not re-sent.
//
// The secret lives only inside the RequestSigner; the passphrase only in headers sent
// to the socket. Nothing here logs either, nor a signature.
//
// Threads: engine thread (the io_context's); callbacks run later on it, never inside
// send(). Uses HttpsClient, okx::RequestSigner, RateGovernor, WakeupTimer, okx::map_error.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/common/raw_message_tap.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/net/https_client.hpp"
#include "core/venues/common/clock_sync.hpp"
#include "core/venues/common/rate_governor.hpp"
#include "core/venues/common/rate_limit_tracker.hpp"
#include "core/venues/common/wakeup_timer.hpp"
#include "core/venues/okx/messages.hpp"
#include "core/venues/okx/signing.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::okx {

struct RestClientOptions {
  std::string base_url = "https://www.okx.com";
  Credentials credentials;
  net::TlsClientOptions tls;
  RateLimitPolicy rate_limits = default_rate_limit_policy();
  GovernorPolicy rate_governor;
  std::chrono::milliseconds request_timeout{10000};
  RawMessageTap raw_tap;  // every answer (RawChannel::rest, rest_answer_text); may be empty
};

class RestClient {
 public:
  using ReplyCallback = std::function<void(VenueResult<nlohmann::json>)>;

  // Errors: invalid_argument (URL), config_invalid (CA file).
  static Result<std::unique_ptr<RestClient>> create(boost::asio::io_context& io, const Clock& clock,
                                                    RestClientOptions options, Logger logger);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // Sends one request. `query` is "" or "?a=b&c=d"; `body` the exact JSON text (POST).
  // `done` runs exactly once, later, with the whole parsed reply.
  void send(const Endpoint& endpoint, std::string query, std::string body, ReplyCallback done);

  // Measures and stores the clock offset (ms).
  void sync_time(std::function<void(VenueResult<std::int64_t>)> done);
  std::int64_t clock_offset_ms() const { return clock_sync_.offset_ms(); }
  // Local UTC + offset: the venue's time as we estimate it.
  UtcTime venue_time() const;

  RateLimitTracker& rate_limits() { return governor_.tracker(); }
  const RateLimitTracker& rate_limits() const { return governor_.tracker(); }
  RateGovernor& governor() { return governor_; }
  const RateGovernor& governor() const { return governor_; }
  // Requests handed to the transport so far (not those refused by the governor).
  std::uint64_t requests_sent() const { return requests_sent_; }

  // Fails pending requests (network), those the governor holds included.
  void close();

 private:
  RestClient(boost::asio::io_context& io, const Clock& clock, RestClientOptions options, Logger logger,
             std::unique_ptr<net::HttpsClient> http, std::string path_prefix);
  void complete_later(ReplyCallback done, VenueResult<nlohmann::json> result);
  void on_reply(const Endpoint& endpoint, Result<net::HttpReply> reply, const ReplyCallback& done);
  void transmit(const Endpoint& endpoint, const std::string& query, std::string body, ReplyCallback done);

  boost::asio::io_context& io_;
  const Clock& clock_;
  RequestSigner signer_;
  Logger logger_;
  std::unique_ptr<net::HttpsClient> http_;
  std::string path_prefix_;
  RawMessageTap raw_tap_;
  WakeupTimer wakeup_;
  RateGovernor governor_;
  std::uint64_t requests_sent_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  ClockSync clock_sync_;  // last: its probe uses send()
};

}  // namespace propbot::venues::okx
