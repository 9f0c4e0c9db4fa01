// Binance USDⓈ-M REST client (protocols.md A2, A4, A5): one keep-alive HttpsClient to
// the REST origin, the request signer, the venue's RateLimitTracker and the measured
// clock offset. Every request goes through send():
//   1. RateLimitTracker::admit(priority, weight, counts_as_order) — a refusal completes
//      with VenueErrc::rate_limited (venue_code "LOCAL", retry_after set) and NOTHING
//      is sent: no request storm while backing off or banned;
//   2. signing (signed endpoints): recvWindow + timestamp (local UTC + clock offset) +
//      signature, as the query string (GET/DELETE) or the form body (POST/PUT); the
//      X-MBX-APIKEY header for signed and USER_STREAM endpoints;
//   3. every reply feeds RateLimitTracker::on_response (X-MBX-USED-WEIGHT-1M,
//      X-MBX-ORDER-COUNT-10S/-1M, Retry-After, status);
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
// send(). Uses HttpsClient, RequestSigner, RateLimitTracker, binance::map_error.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/net/https_client.hpp"
#include "core/venues/binance/messages.hpp"
#include "core/venues/binance/signing.hpp"
#include "core/venues/common/clock_sync.hpp"
#include "core/venues/common/rate_limit_tracker.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::binance {

struct RestClientOptions {
  std::string base_url = "https://fapi.binance.com";
  std::string api_key;
  std::string api_secret;
  std::int64_t recv_window_ms = kDefaultRecvWindowMs;
  net::TlsClientOptions tls;
  RateLimitPolicy rate_limits;
  std::chrono::milliseconds request_timeout{10000};
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

  RateLimitTracker& rate_limits() { return rate_limits_; }
  const RateLimitTracker& rate_limits() const { return rate_limits_; }
  // Requests handed to the transport so far (not those refused by the tracker).
  std::uint64_t requests_sent() const { return requests_sent_; }

  // Runs `fn` on the io_context after `delay` (never inside this call); dropped when
  // the client is destroyed first. The adapter's timers: Clock is read-only here.
  void call_after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Cancels every pending call_after (their functions never run).
  void cancel_timers();

  // Fails pending requests (network) and refuses later ones.
  void close();

 private:
  RestClient(boost::asio::io_context& io, const Clock& clock, RestClientOptions options, Logger logger,
             std::unique_ptr<net::HttpsClient> http, std::string path_prefix);
  void complete_later(BodyCallback done, VenueResult<std::string> result);

  boost::asio::io_context& io_;
  const Clock& clock_;
  std::string api_key_;
  RequestSigner signer_;
  Logger logger_;
  std::unique_ptr<net::HttpsClient> http_;
  std::string path_prefix_;
  RateLimitTracker rate_limits_;
  std::uint64_t requests_sent_ = 0;
  std::uint64_t next_timer_id_ = 1;
  std::map<std::uint64_t, std::function<void()>> timer_cancellers_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  ClockSync clock_sync_;  // last: its probe uses send()
};

}  // namespace propbot::venues::binance
