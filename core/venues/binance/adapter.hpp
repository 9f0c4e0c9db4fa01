// BinanceAdapter: venues::Venue for Binance USDⓈ-M futures (the `factory` of the
// adapter skeleton, STYLE.md): builds the RestClient, OrderClient, DataStream and
// UserStream from one BinanceAdapterOptions and runs the start-up sequence.
//
// Start-up (initialize(), run by start() when not done yet):
//   GET /fapi/v1/time → clock offset (offset = serverTime − (send + receive) / 2, added to
//   every signed timestamp; refreshed every time_sync_interval);
//   GET /fapi/v1/exchangeInfo → BinanceInstrument per configured symbol (tickSize,
//   stepSize, minQty, min notional) → instruments() and the books' LevelGrids.
//   A symbol missing or not TRADING fails initialize (config error, no retry); a
//   transport or venue error is retried with backoff by start().
// Then market data (DataStream) and, with start(market, account), the user stream.
// Before initialize completes, instruments() is empty and orders are refused locally.
//
// No fill is lost across a user-stream outage: the stream reports to a
// RecoveringListener (core/venues/common), not to the caller's listener directly. After
// a reconnect (not the first connection) it recovers before the caller hears
// on_private_stream(true): fills since the last one delivered (minus 5 s; since start
// when none) from GET /fapi/v1/userTrades per symbol (fill_history: startTime, then
// fromId pages), delivered in time order, client ids from the orders it saw or
// GET /fapi/v1/order?orderId=; then orders it knew open (GET /fapi/v1/openOrders per
// symbol, GET /fapi/v1/order for the ones no longer listed) as on_order_update when
// changed; then positionRisk → on_position, balance → on_balance; then
// on_private_stream(true). A failed request is retried with backoff and the stream
// stays reported down until recovery succeeded. Fills are deduplicated by (symbol,
// trade id) across the stream and REST. place()/place_batch() answers tell it which
// orders to watch.
//
// Funding history: funding_since reads GET /fapi/v1/income (funding_history).
//
// Dead-man switch: POST /fapi/v1/countdownCancelAll per symbol (arm_dead_man). Self-trade
// prevention: every order carries options.stp_mode (an unknown mode fails the factory).
//
// Rate limiting: every REST request passes the venue's RateGovernor
// (core/venues/common/rate_governor.hpp): cancel > close > place > query, 429 backoff
// with jitter then one probe at a time, a 418 quarantines the venue until the ban ends
// (rate_health(), set_quarantine_listener()).
//
// Secrets: api_secret is handed to the RequestSigner and wiped from the options copy;
// nothing logs it.
//
// Threads: create, call and destroy on the io_context's thread (the engine thread);
// callbacks run on it. Uses rest_client, order_client, data_stream, user_stream,
// fill_history, funding_history and common/recovering_listener.
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
#include "core/venues/binance/messages.hpp"
#include "core/venues/common/rate_governor.hpp"
#include "core/venues/common/rate_limit_tracker.hpp"
#include "core/venues/common/recovering_listener.hpp"
#include "core/venues/venue.hpp"

namespace boost::asio {
class io_context;
}

namespace propbot::venues::binance {

struct BinanceAdapterOptions {
  std::string venue_id = "BINANCE";
  std::string rest_base_url = "https://fapi.binance.com";  // or http://127.0.0.1:PORT (simulator)
  std::string ws_base_url = "wss://fstream.binance.com";
  // Routed WS paths (protocols.md A1); empty strings give the legacy unrouted URLs.
  std::string public_stream_prefix = "/public";
  std::string market_stream_prefix = "/market";
  std::string private_stream_target =
      "/private/ws?listenKey={listenKey}&events=ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired";
  std::string api_key;
  std::string api_secret;  // never logged; lives only inside the signer
  std::int64_t recv_window_ms = 5000;
  std::vector<std::string> symbols;  // canonical BASE-QUOTE
  net::TlsClientOptions tls;
  GovernorPolicy rate_governor;  // classes' wait limits, ban threshold, jitter seed
  RateLimitPolicy rate_limits;
  net::WsReconnectOptions reconnect;
  Nanos stale_after = std::chrono::seconds(5);
  int depth_limit = 1000;
  std::chrono::milliseconds snapshot_retry_initial{250};
  std::chrono::milliseconds snapshot_retry_max{30000};
  int snapshot_max_attempts = 10;
  std::chrono::milliseconds listen_key_keepalive = std::chrono::minutes(30);
  std::chrono::milliseconds time_sync_interval = std::chrono::minutes(10);
  std::chrono::milliseconds request_timeout{10000};
  // selfTradePreventionMode of every order: one of kBinanceStpModes (self_trade_prevention.hpp).
  std::string stp_mode{kBinanceDefaultStpMode};
  // The raw text of every WebSocket message (market and private), before parsing, for
  // `run --capture`; empty: nothing is tapped (one branch per message).
  RawMessageTap raw_tap;
};

class RestClient;
class OrderClient;
class DataStream;
class UserStream;

class BinanceAdapter final : public Venue {
 public:
  BinanceAdapter(boost::asio::io_context& io, const Clock& clock, BinanceAdapterOptions options, Logger logger,
                 std::unique_ptr<RestClient> rest);
  ~BinanceAdapter() override;

  // Venue
  const std::string& id() const override { return options_.venue_id; }
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
  // countdownCancelAll, one switch per symbol (order_client.hpp).
  DeadManScope dead_man_scope() const override { return DeadManScope::per_symbol; }
  void arm_dead_man(const std::string& symbol, std::chrono::milliseconds timeout,
                    VenueCallback<std::chrono::milliseconds> done) override;

  // Time sync + exchangeInfo; `done` runs later with the outcome. Idempotent once ok.
  void initialize(std::function<void(Status)> done);
  bool initialized() const { return initialized_; }

  // Per-symbol market-data health (empty before market data starts).
  std::vector<md::FeedHealthView> feed_health() const;
  md::BookSyncState book_state(const std::string& symbol) const;
  RateLimitView rate_limits() const;
  // The RateGovernor's view (Venue::rate_health) and its quarantine listener.
  std::optional<RateHealth> rate_health() const override;
  void fills_since(const std::string& symbol, UtcTime since, VenueCallback<std::vector<Fill>> done) override;
  // GET /fapi/v1/income?incomeType=FUNDING_FEE, paged (funding_history.hpp).
  void funding_since(UtcTime since, VenueCallback<std::vector<FundingPayment>> done) override;
  void set_quarantine_listener(std::function<void(const RateHealth&)> listener) override;
  std::int64_t clock_offset_ms() const;
  // Requests handed to the transport (tests: proves refusals send nothing).
  std::uint64_t requests_sent() const;
  // What the caller was told: the stream is up and, after a reconnect, recovered.
  bool private_stream_connected() const;
  const RecoveringListener& recovery() const { return *recovery_; }

 private:
  void start_streams();
  void schedule_time_sync();

  boost::asio::io_context& io_;
  const Clock& clock_;
  BinanceAdapterOptions options_;
  Logger logger_;
  std::unique_ptr<RestClient> rest_;  // first: outlives the components that use it
  std::unique_ptr<OrderClient> orders_;
  std::unique_ptr<DataStream> data_;
  std::unique_ptr<UserStream> user_;
  std::unique_ptr<RecoveringListener> recovery_;  // between user_ and account_
  std::vector<BinanceInstrument> instruments_;
  std::vector<md::InstrumentSpec> specs_;
  MarketDataListener* market_ = nullptr;
  PrivateListener* account_ = nullptr;
  bool initialized_ = false;
  bool running_ = false;
  std::chrono::milliseconds init_retry_{1000};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Errors: invalid_argument (URL, symbol, empty symbol list), config_invalid (CA file).
Result<std::unique_ptr<Venue>> make_binance_adapter(boost::asio::io_context& io, const Clock& clock,
                                                    BinanceAdapterOptions options, Logger logger);

}  // namespace propbot::venues::binance
