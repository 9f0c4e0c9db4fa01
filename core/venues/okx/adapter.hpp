// OKX v5 USDT-margined perpetual swap adapter: propbot::venues::Venue over the real
// OKX protocol (protocols.md part B). It wires the skeleton every adapter shares
// (STYLE.md): signing/errors/symbols (venue_protocol), rest_client, parse, messages,
// data_stream (public WS books + funding), order_client (REST orders and account),
// user_stream (private WS) — this file is the factory.
//
// Start-up (make_okx_adapter, blocking, bounded by 2 × request_timeout): GET
// /api/v5/public/time → clock offset applied to OK-ACCESS-TIMESTAMP and the WS login;
// GET /api/v5/public/instruments?instType=SWAP → InstrumentSpec per configured symbol
// (tick = tickSz; lot_size = lotSz × ctVal base coin) and the LevelGrids of the books
// (lot = lotSz contracts). A configured symbol that OKX does not list, or lists with a
// state other than live, fails the factory (not_found / unavailable naming it). The
// factory RUNS `io` (run_one) until both replies arrived: call it before another
// thread runs that io_context (daemon start-up), never from inside a handler.
//
// Quantities at this boundary are base coin; `sz` on the wire is contracts = base ÷
// ctVal, exact on the lotSz grid (an off-grid quantity is refused locally, with the
// base step to round DOWN to in the message: OkxInstrument::lot_step()).
//
// Post-only that would take: OKX accepts the order (place succeeds, new_order) and
// then pushes it canceled with cancelSource "31". OrderState has no reason field, so
// the executor sees OrderStatus::canceled with filled_quantity 0 on a post_only order
// it did not cancel itself; the adapter logs okx_post_only_would_take (warn, with the
// clOrdId) and counts it in post_only_rejections(). query_order shows the same state.
//
// No fill is lost across a private-stream outage: the user stream reports to a
// RecoveringListener (core/venues/common), not to the caller's listener directly. After
// a reconnect (not the first connection) it recovers before the caller hears
// on_private_stream(true): fills since the last one delivered (minus 5 s; since start
// when none) from GET /api/v5/trade/fills per symbol (fill_history: begin=, then
// after=<billId> pages), delivered oldest first; then orders it knew open
// (orders-pending per symbol, GET trade/order for the ones no longer listed) as
// on_order_update when changed; then account/positions → on_position, account/balance
// → on_balance; then on_private_stream(true). A failed request is retried with backoff
// (a timer of this adapter) and the stream stays reported down until recovery
// succeeded. Fills are deduplicated by (symbol, tradeId) across the stream and REST.
// place()/place_batch() answers tell it which orders to watch.
//
// Errors: okx::map_error's VenueErrc; a transport failure is network (OUTCOME
// UNKNOWN: resolve with query_order before re-sending). Rate limiting: every REST
// request passes the venue's RateGovernor (core/venues/common/rate_governor.hpp) over a
// RateLimitTracker (messages.hpp policy): cancel > close > place > query; HTTP 429 and
// codes 50011/50061 make it back off (exponential, jitter) and then probe one request
// at a time, so a 429 never turns into a request storm; a 429 with a ban-long
// Retry-After quarantines the venue (rate_health(), set_quarantine_listener()).
//
// Funding history: funding_since reads GET /api/v5/account/bills?type=8 (funding_history).
//
// Dead-man switch: POST trade/cancel-all-after for the whole account (arm_dead_man;
// whole seconds in [10, 120]). Self-trade prevention: every order carries
// options.stp_mode as stpMode (an unknown mode fails the factory).
//
// Secrets: the secret key lives in the two RequestSigners (REST, WS login) only; the
// passphrase only in headers / the login message sent to the socket. Nothing is logged.
//
// Threads: engine thread = the thread running `io`; every callback runs there.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/common/result.hpp"
#include "core/md/feed_health.hpp"
#include "core/net/tls_client.hpp"
#include "core/net/ws_client.hpp"
#include "core/venues/common/rate_governor.hpp"
#include "core/venues/common/rate_limit_tracker.hpp"
#include "core/venues/common/recovering_listener.hpp"
#include "core/venues/okx/messages.hpp"
#include "core/venues/venue.hpp"

namespace boost::asio {
class io_context;
}

namespace propbot::venues::okx {

struct OkxAdapterOptions {
  std::string venue_id = "OKX";
  std::string rest_base_url = "https://www.okx.com";
  std::string ws_public_url = "wss://ws.okx.com:8443/ws/v5/public";
  std::string ws_private_url = "wss://ws.okx.com:8443/ws/v5/private";
  std::string api_key;
  std::string secret_key;
  std::string passphrase;  // never logged
  bool demo = false;       // x-simulated-trading: 1 (use the wspap.okx.com WS URLs too)
  std::vector<std::string> symbols;  // canonical BASE-QUOTE
  net::TlsClientOptions tls;
  GovernorPolicy rate_governor;  // classes' wait limits, ban threshold, jitter seed
  RateLimitPolicy rate_limits = default_rate_limit_policy();
  net::WsReconnectOptions reconnect;
  Nanos stale_after = std::chrono::seconds(5);
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds ping_interval{20000};  // < 30 s (OKX closes silent connections)
  std::chrono::milliseconds pong_timeout{8000};
  // stpMode of every order: one of kOkxStpModes (self_trade_prevention.hpp).
  std::string stp_mode{kOkxDefaultStpMode};
  // The raw text of every WebSocket message (public and private), before parsing, for
  // `run --capture`; empty: nothing is tapped (one branch per message).
  RawMessageTap raw_tap;
};

class RestClient;
class OrderClient;
class DataStream;
class UserStream;

class OkxAdapter final : public Venue {
 public:
  ~OkxAdapter() override;

  const std::string& id() const override { return venue_id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override { return specs_; }
  void start(MarketDataListener& listener) override;
  void start(MarketDataListener& market, PrivateListener& account) override;
  void stop() override;

  void place(const OrderRequest& request, VenueCallback<OrderState> done) override;
  void place_batch(const std::vector<OrderRequest>& requests,
                   VenueCallback<std::vector<VenueResult<OrderState>>> done) override;
  void cancel(const std::string& symbol, const std::string& client_order_id, VenueCallback<OrderState> done) override;
  void cancel_all(const std::string& symbol, VenueCallback<int> done) override;
  void query_order(const std::string& symbol, const std::string& client_order_id,
                   VenueCallback<OrderState> done) override;
  void open_orders(const std::optional<std::string>& symbol, VenueCallback<std::vector<OrderState>> done) override;
  void positions(VenueCallback<std::vector<Position>> done) override;
  void balances(VenueCallback<std::vector<Balance>> done) override;
  void server_time(VenueCallback<UtcTime> done) override;
  bool supports_batch() const override { return true; }
  // cancel-all-after: one switch for the whole account (order_client.hpp).
  DeadManScope dead_man_scope() const override { return DeadManScope::per_account; }
  void arm_dead_man(const std::string& symbol, std::chrono::milliseconds timeout,
                    VenueCallback<std::chrono::milliseconds> done) override;

  // Observability.
  std::vector<md::FeedHealthView> feed_health() const;
  const md::FeedHealth* feed_health(const std::string& symbol) const;
  RateLimitView rate_limits() const;
  // The RateGovernor's view (Venue::rate_health) and its quarantine listener.
  std::optional<RateHealth> rate_health() const override;
  void fills_since(const std::string& symbol, UtcTime since, VenueCallback<std::vector<Fill>> done) override;
  // GET /api/v5/account/bills?type=8, paged (funding_history.hpp); every listed swap.
  void funding_since(UtcTime since, VenueCallback<std::vector<FundingPayment>> done) override;
  void set_quarantine_listener(std::function<void(const RateHealth&)> listener) override;
  std::uint64_t rest_requests_sent() const;
  std::int64_t clock_offset_ms() const;
  std::uint64_t post_only_rejections() const;
  const OkxInstrument* instrument(const std::string& symbol) const;
  DataStream& data_stream() { return *data_; }
  UserStream& user_stream() { return *user_; }
  const RecoveringListener& recovery() const { return *recovery_; }

 private:
  friend Result<std::unique_ptr<Venue>> make_okx_adapter(boost::asio::io_context&, const Clock&, OkxAdapterOptions,
                                                         Logger);
  OkxAdapter(boost::asio::io_context& io, const Clock& clock, Logger logger);
  // Runs `fn` on `io` after `delay` unless the adapter stopped or died first.
  void call_after(std::chrono::milliseconds delay, std::function<void()> fn);
  void cancel_timers();
  RecoverySource recovery_source();

  struct Timers;  // pending steady_timers (adapter.cpp: keeps Boost out of this header)

  boost::asio::io_context& io_;
  const Clock& clock_;
  Logger logger_;
  std::string venue_id_;
  InstrumentTable table_;
  std::vector<md::InstrumentSpec> specs_;
  std::unique_ptr<RestClient> rest_;
  std::unique_ptr<OrderClient> orders_;
  std::unique_ptr<DataStream> data_;
  std::unique_ptr<UserStream> user_;
  std::unique_ptr<RecoveringListener> recovery_;  // between user_ and the caller's listener
  std::unique_ptr<Timers> timers_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Builds the adapter and runs its start-up requests (see above). Errors:
// invalid_argument (URL, symbol), config_invalid (TLS), unavailable / network text
// when a start-up request fails, not_found / unavailable for a symbol.
Result<std::unique_ptr<Venue>> make_okx_adapter(boost::asio::io_context& io, const Clock& clock,
                                                OkxAdapterOptions options, Logger logger);

}  // namespace propbot::venues::okx
