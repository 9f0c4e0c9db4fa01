// Binance USDⓈ-M REST client (protocols.md A2, A4, A5): one keep-alive HttpsClient to
// the REST origin, the request signer, the venue's RateGovernor (over its
// RateLimitTracker) and the measured clock offset. Every request goes through send():
//   1. RateGovernor::submit(endpoint.priority, weight, counts_as_order) decides when it
//      goes (rate_governor.hpp): now, later (held), or never — a refusal completes with
//      VenueErrc::rate_limited, or banned while the venue is quarantined (venue_code
//      "LOCAL", retry_after set) and NOTHING is sent: no request storm while backing
//      off or banned. The caller picks the class by the Endpoint's priority (a
//      reduce-only place is `close`, the listing inside cancel_all is `cancel`);
//   2. signing (signed endpoints): recvWindow + timestamp (local UTC + clock offset) +
//      signature, as the query string (GET/DELETE) or the form body (POST/PUT); the
//      X-MBX-APIKEY header for signed and USER_STREAM endpoints;
//   3. every reply feeds RateGovernor::on_response (X-MBX-USED-WEIGHT-1M,
//      X-MBX-ORDER-COUNT-10S/-1M, Retry-After, status; a 418 without Retry-After takes
//      the end of the ban from the -1003 "IP banned until <ms>" message), a transport
//      failure RateGovernor::on_no_response;
//   4. 2XX → the body; anything else → binance::map_error.
// Transport failures: HttpsClient's io_error ("outcome unknown": the request may have
// reached the venue) → VenueErrc::network, venue_code "OUTCOME_UNKNOWN"; unavailable
// (certainly not sent) → VenueErrc::network, venue_code "NOT_SENT". In both cases a
// caller that placed or cancelled must resolve by query_order(client id), never re-send.
//
// Clock offset: sync_time() measures offset = serverTime − (send + receive) / 2 with
// GET /fapi/v1/time; it is added to every signed timestamp.
// A reply mapped to timestamp_out_of_window starts one background sync_time() (never
// two at once), so the request after the failed one is signed with the venue's
// current time; the failed request itself is not re-sent.
//
// The API secret lives only inside the RequestSigner; nothing here logs it, the
// signature or a signed query string.
//
// Threads: engine thread (the io_context's); callbacks run later on it, never inside
// send(). Uses HttpsClient, RequestSigner, RateGovernor, WakeupTimer, binance::map_error.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/common/raw_message_tap.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/net/https_client.hpp"
#include "core/venues/binance/messages.hpp"
#include "core/venues/binance/signing.hpp"
#include "core/venues/common/clock_sync.hpp"
#include "core/venues/common/rate_governor.hpp"
#include "core/venues/common/rate_limit_tracker.hpp"
#include "core/venues/common/wakeup_timer.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::binance {

struct RestClientOptions {
  std::string base_url = "https://fapi.binance.com";
  std::string api_key;
  std::string api_secret;
  std::int64_t recv_window_ms = kDefaultRecvWindowMs;
  net::TlsClientOptions tls;
  RateLimitPolicy rate_limits;
  GovernorPolicy rate_governor;
  std::chrono::milliseconds request_timeout{10000};
  RawMessageTap raw_tap;  // every answer (RawChannel::rest, rest_answer_text); may be empty
};

class RestClient {
 public:
  using BodyCallback = std::function<void(VenueResult<std::string>)>;

  // Errors: invalid_argument (URL), config_invalid (CA file).
  static Result<std::unique_ptr<RestClient>> create(boost::asio::io_context& io, const Clock& clock,
                                                    RestClientOptions options, Logger logger);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // Sends one request to `endpoint` with `params` (unsigned params are the query for
  // GET/DELETE, the form body otherwise). `done` runs exactly once, later.
  void send(const Endpoint& endpoint, std::vector<QueryParam> params, BodyCallback done);

  // Measures and stores the clock offset.
  void sync_time(std::function<void(VenueResult<std::int64_t>)> done);
  std::int64_t clock_offset_ms() const { return clock_sync_.offset_ms(); }
  // Local UTC + offset, in epoch ms: the venue's time as we estimate it.
  std::int64_t venue_time_ms() const;

  RateLimitTracker& rate_limits() { return governor_.tracker(); }
  const RateLimitTracker& rate_limits() const { return governor_.tracker(); }
  RateGovernor& governor() { return governor_; }
  const RateGovernor& governor() const { return governor_; }
  // Requests handed to the transport so far (not those refused by the governor).
  std::uint64_t requests_sent() const { return requests_sent_; }

  // Runs `fn` on the io_context after `delay` (never inside this call); dropped when
  // the client is destroyed first. The adapter's timers: Clock is read-only here.
  void call_after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Cancels every pending call_after (their functions never run).
  void cancel_timers();

  // Fails pending requests (network), those the governor holds included, and refuses
  // later ones.
  void close();

 private:
  RestClient(boost::asio::io_context& io, const Clock& clock, RestClientOptions options, Logger logger,
             std::unique_ptr<net::HttpsClient> http, std::string path_prefix);
  void complete_later(BodyCallback done, VenueResult<std::string> result);
  void transmit(const Endpoint& endpoint, std::vector<QueryParam> params, BodyCallback done);

  boost::asio::io_context& io_;
  const Clock& clock_;
  std::string api_key_;
  RequestSigner signer_;
  Logger logger_;
  std::unique_ptr<net::HttpsClient> http_;
  std::string path_prefix_;
  RawMessageTap raw_tap_;
  WakeupTimer wakeup_;
  RateGovernor governor_;
  std::uint64_t requests_sent_ = 0;
  std::uint64_t next_timer_id_ = 1;
  std::map<std::uint64_t, std::function<void()>> timer_cancellers_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  ClockSync clock_sync_;  // last: its probe uses send()
};

}  // namespace propbot::venues::binance
