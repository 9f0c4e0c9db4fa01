#include "core/venues/okx/adapter.hpp"

#include <algorithm>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/venues/okx/data_stream.hpp"
#include "core/venues/okx/fill_history.hpp"
#include "core/venues/okx/funding_history.hpp"
#include "core/venues/okx/order_client.hpp"
#include "core/venues/okx/parse.hpp"
#include "core/venues/okx/rest_client.hpp"
#include "core/venues/okx/symbols.hpp"
#include "core/venues/okx/user_stream.hpp"

namespace propbot::venues::okx {

namespace {

// Runs `io` until `done` or the deadline; restarts it if it ran out of work.
void run_until(boost::asio::io_context& io, const bool& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(50));
  }
}

Error startup_error(const std::string& what, const VenueError& error) {
  return make_error(error.code == VenueErrc::network ? Errc::unavailable : Errc::io_error,
                    "OKX start-up: " + what + " failed: " + error.describe());
}

}  // namespace

struct OkxAdapter::Timers {
  std::vector<std::shared_ptr<boost::asio::steady_timer>> pending;
};

OkxAdapter::OkxAdapter(boost::asio::io_context& io, const Clock& clock, Logger logger)
    : io_(io), clock_(clock), logger_(std::move(logger)), timers_(std::make_unique<Timers>()) {}

OkxAdapter::~OkxAdapter() {
  stop();
  user_.reset();  // it points at recovery_
  recovery_.reset();
  orders_.reset();
  if (rest_) rest_->close();
}

void OkxAdapter::call_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
  timers_->pending.push_back(timer);
  std::weak_ptr<bool> alive = alive_;
  std::weak_ptr<boost::asio::steady_timer> weak = timer;
  timer->async_wait([this, alive, weak, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (alive.expired() || ec) return;
    auto self = weak.lock();
    if (!self) return;  // cancel_timers() dropped it after it had fired
    auto& pending = timers_->pending;
    pending.erase(std::remove(pending.begin(), pending.end(), self), pending.end());
    fn();
  });
}

void OkxAdapter::cancel_timers() {
  auto pending = std::move(timers_->pending);
  timers_->pending.clear();
  for (auto& timer : pending) timer->cancel();
}

RecoverySource OkxAdapter::recovery_source() {
  // recovery_ is owned here and calls these only while it lives; their completions
  // come back through its own liveness guard.
  RecoverySource source;
  source.fills_since = [this](const std::string& symbol, UtcTime since, VenueCallback<std::vector<Fill>> done) {
    fills_since(symbol, since, std::move(done));
  };
  source.open_orders = [this](const std::string& symbol, VenueCallback<std::vector<OrderState>> done) {
    orders_->open_orders(symbol, std::move(done));
  };
  source.query_order = [this](const std::string& symbol, const std::string& client_order_id,
                              VenueCallback<OrderState> done) {
    orders_->query_order(symbol, client_order_id, std::move(done));
  };
  // trade/fills carries clOrdId: no lookup by ordId needed.
  source.positions = [this](VenueCallback<std::vector<Position>> done) { orders_->positions(std::move(done)); };
  source.balances = [this](VenueCallback<std::vector<Balance>> done) { orders_->balances(std::move(done)); };
  source.call_after = [this](std::chrono::milliseconds delay, std::function<void()> fn) {
    call_after(delay, std::move(fn));
  };
  source.venue_time = [this] { return rest_->venue_time(); };
  return source;
}

Result<std::unique_ptr<Venue>> make_okx_adapter(boost::asio::io_context& io, const Clock& clock,
                                                OkxAdapterOptions options, Logger logger) {
  if (options.symbols.empty()) return make_error(Errc::invalid_argument, "OKX adapter: no symbols configured");
  if (!is_stp_mode("okx", options.stp_mode)) {
    return make_error(Errc::invalid_argument, "OKX adapter: stp_mode '" + options.stp_mode +
                                                  "' is not one of cancel_maker, cancel_taker, cancel_both");
  }
  std::vector<std::string> inst_ids;
  for (const auto& symbol : options.symbols) {
    auto inst_id = to_inst_id(symbol);
    if (!inst_id) return make_error(Errc::invalid_argument, "OKX adapter: symbol " + symbol + ": " + inst_id.error().message);
    inst_ids.push_back(inst_id.value());
  }
  std::unique_ptr<OkxAdapter> adapter(new OkxAdapter(io, clock, logger));
  adapter->venue_id_ = options.venue_id;

  Credentials credentials{options.api_key, options.secret_key, options.passphrase, options.demo};
  RestClientOptions rest_options;
  rest_options.base_url = options.rest_base_url;
  rest_options.credentials = credentials;
  rest_options.tls = options.tls;
  rest_options.rate_limits = options.rate_limits;
  rest_options.rate_governor = options.rate_governor;
  rest_options.request_timeout = options.request_timeout;
  rest_options.raw_tap = options.raw_tap;
  auto rest = RestClient::create(io, clock, std::move(rest_options), logger);
  if (!rest) return rest.error();
  adapter->rest_ = std::move(rest.value());

  // Start-up: clock offset, then instruments.
  bool time_done = false;
  std::optional<VenueError> time_error;
  adapter->rest_->sync_time([&](VenueResult<std::int64_t> offset) {
    if (!offset) time_error = offset.error();
    time_done = true;
  });
  run_until(io, time_done, options.request_timeout * 2);
  if (!time_done) return make_error(Errc::unavailable, "OKX start-up: GET /api/v5/public/time did not complete");
  if (time_error) return startup_error("GET /api/v5/public/time", *time_error);

  bool instruments_done = false;
  std::optional<VenueError> instruments_error;
  nlohmann::json instruments_reply;
  adapter->rest_->send(endpoints::kInstruments, query_string({{"instType", "SWAP"}}), "",
                       [&](VenueResult<nlohmann::json> reply) {
                         if (reply) {
                           instruments_reply = std::move(reply.value());
                         } else {
                           instruments_error = reply.error();
                         }
                         instruments_done = true;
                       });
  run_until(io, instruments_done, options.request_timeout * 2);
  if (!instruments_done) return make_error(Errc::unavailable, "OKX start-up: GET instruments did not complete");
  if (instruments_error) return startup_error("GET /api/v5/public/instruments", *instruments_error);
  auto table = parse_instruments(instruments_reply, options.venue_id);
  if (!table) return make_error(table.error().code, "OKX instruments: " + table.error().message);
  adapter->table_ = std::move(table.value());

  std::vector<OkxInstrument> streamed;
  for (std::size_t i = 0; i < inst_ids.size(); ++i) {
    auto it = adapter->table_.find(inst_ids[i]);
    if (it == adapter->table_.end()) {
      return make_error(Errc::not_found, "OKX does not list " + inst_ids[i] + " (symbol " + options.symbols[i] + ")");
    }
    if (!it->second.state.empty() && it->second.state != "live") {
      return make_error(Errc::unavailable, "OKX " + inst_ids[i] + " is " + it->second.state + ", not live");
    }
    adapter->specs_.push_back(it->second.spec);
    streamed.push_back(it->second);
  }

  adapter->orders_ = std::make_unique<OrderClient>(io, *adapter->rest_, adapter->table_, logger);
  adapter->orders_->set_stp_mode(options.stp_mode);

  DataStreamOptions data_options;
  data_options.venue_id = options.venue_id;
  data_options.ws_public_url = options.ws_public_url;
  data_options.tls = options.tls;
  data_options.reconnect = options.reconnect;
  data_options.ping_interval = options.ping_interval;
  data_options.pong_timeout = options.pong_timeout;
  data_options.stale_after = options.stale_after;
  data_options.raw_tap = options.raw_tap;
  adapter->data_ = std::make_unique<DataStream>(io, clock, std::move(streamed), std::move(data_options), logger);

  UserStreamOptions user_options;
  user_options.ws_private_url = options.ws_private_url;
  user_options.tls = options.tls;
  user_options.reconnect = options.reconnect;
  user_options.ping_interval = options.ping_interval;
  user_options.pong_timeout = options.pong_timeout;
  user_options.raw_tap = options.raw_tap;
  RecoveryOptions recovery_options;
  recovery_options.symbols = options.symbols;
  adapter->recovery_ =
      std::make_unique<RecoveringListener>(adapter->recovery_source(), std::move(recovery_options), logger);

  RestClient* rest_client = adapter->rest_.get();
  adapter->user_ = std::make_unique<UserStream>(
      io, credentials, adapter->table_, [rest_client] { return rest_client->venue_time(); }, std::move(user_options),
      logger);
  std::fill(credentials.secret_key.begin(), credentials.secret_key.end(), '\0');
  std::fill(options.secret_key.begin(), options.secret_key.end(), '\0');

  logger.info("okx_adapter_ready", {{"venue", options.venue_id},
                                    {"symbols", static_cast<std::int64_t>(adapter->specs_.size())},
                                    {"clock_offset_ms", adapter->rest_->clock_offset_ms()},
                                    {"demo", options.demo}});
  return std::unique_ptr<Venue>(std::move(adapter));
}

void OkxAdapter::start(MarketDataListener& listener) {
  if (auto started = data_->start(listener); !started) {
    logger_.error("okx_public_start_failed", {{"error", started.error().describe()}});
  }
}

void OkxAdapter::start(MarketDataListener& market, PrivateListener& account) {
  start(market);
  recovery_->start(account);
  if (auto started = user_->start(*recovery_); !started) {
    logger_.error("okx_private_start_failed", {{"error", started.error().describe()}});
  }
}

void OkxAdapter::stop() {
  if (data_) data_->stop();
  if (user_) user_->stop();
  if (recovery_) recovery_->stop();
  if (timers_) cancel_timers();
}

void OkxAdapter::place(const OrderRequest& request, VenueCallback<OrderState> done) {
  orders_->place(request, recovery_->noting_placed(alive_, std::move(done)));
}

void OkxAdapter::place_batch(const std::vector<OrderRequest>& requests,
                             VenueCallback<std::vector<VenueResult<OrderState>>> done) {
  orders_->place_batch(requests, recovery_->noting_placed(alive_, std::move(done)));
}

void OkxAdapter::cancel(const std::string& symbol, const std::string& client_order_id,
                        VenueCallback<OrderState> done) {
  orders_->cancel(symbol, client_order_id, std::move(done));
}

void OkxAdapter::cancel_all(const std::string& symbol, VenueCallback<int> done) {
  orders_->cancel_all(symbol, std::move(done));
}

void OkxAdapter::arm_dead_man(const std::string& /*symbol*/, std::chrono::milliseconds timeout,
                              VenueCallback<std::chrono::milliseconds> done) {
  orders_->arm_dead_man(timeout, std::move(done));
}

void OkxAdapter::query_order(const std::string& symbol, const std::string& client_order_id,
                             VenueCallback<OrderState> done) {
  orders_->query_order(symbol, client_order_id, std::move(done));
}

void OkxAdapter::open_orders(const std::optional<std::string>& symbol, VenueCallback<std::vector<OrderState>> done) {
  orders_->open_orders(symbol, std::move(done));
}

void OkxAdapter::positions(VenueCallback<std::vector<Position>> done) { orders_->positions(std::move(done)); }

void OkxAdapter::balances(VenueCallback<std::vector<Balance>> done) { orders_->balances(std::move(done)); }

void OkxAdapter::server_time(VenueCallback<UtcTime> done) {
  rest_->send(endpoints::kServerTime, "", "", [done = std::move(done)](VenueResult<nlohmann::json> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    auto ms = parse_server_time(reply.value());
    if (!ms) {
      done(VenueError{VenueErrc::rejected, "PARSE", ms.error().message, 200, std::nullopt});
      return;
    }
    done(UtcTime{std::chrono::milliseconds(ms.value())});
  });
}

std::vector<md::FeedHealthView> OkxAdapter::feed_health() const { return data_->feed_health(); }
const md::FeedHealth* OkxAdapter::feed_health(const std::string& symbol) const { return data_->feed_health(symbol); }
RateLimitView OkxAdapter::rate_limits() const { return rest_->rate_limits().view(); }
std::optional<RateHealth> OkxAdapter::rate_health() const { return rest_->governor().health(); }
void OkxAdapter::set_quarantine_listener(std::function<void(const RateHealth&)> listener) {
  rest_->governor().on_quarantine(std::move(listener));
}
std::uint64_t OkxAdapter::rest_requests_sent() const { return rest_->requests_sent(); }
std::int64_t OkxAdapter::clock_offset_ms() const { return rest_->clock_offset_ms(); }
std::uint64_t OkxAdapter::post_only_rejections() const { return user_->post_only_rejections(); }
const OkxInstrument* OkxAdapter::instrument(const std::string& symbol) const { return orders_->find(symbol); }

void OkxAdapter::fills_since(const std::string& symbol, UtcTime since, VenueCallback<std::vector<Fill>> done) {
  const OkxInstrument* instrument = orders_->find(symbol);
  if (instrument == nullptr) {
    call_after(std::chrono::milliseconds(0), [done = std::move(done), symbol] {
      done(local_error(make_error(Errc::not_found, "symbol " + symbol + " is not loaded")));
    });
    return;
  }
  fetch_fills_since(*rest_, table_, instrument->inst_id, since, std::move(done));
}

void OkxAdapter::funding_since(UtcTime since, VenueCallback<std::vector<FundingPayment>> done) {
  fetch_funding_since(*rest_, table_, since, std::move(done));
}

}  // namespace propbot::venues::okx
