#include "core/venues/binance/adapter.hpp"

#include <algorithm>

#include "core/venues/binance/data_stream.hpp"
#include "core/venues/binance/fill_history.hpp"
#include "core/venues/binance/funding_history.hpp"
#include "core/venues/binance/order_client.hpp"
#include "core/venues/binance/parse.hpp"
#include "core/venues/binance/rest_client.hpp"
#include "core/venues/binance/symbols.hpp"
#include "core/venues/binance/user_stream.hpp"

namespace propbot::venues::binance {

Result<std::unique_ptr<Venue>> make_binance_adapter(boost::asio::io_context& io, const Clock& clock,
                                                    BinanceAdapterOptions options, Logger logger) {
  if (options.symbols.empty()) return make_error(Errc::invalid_argument, "Binance adapter: no symbols configured");
  if (!is_stp_mode("binance", options.stp_mode)) {
    return make_error(Errc::invalid_argument, "Binance adapter: stp_mode '" + options.stp_mode +
                                                  "' is not one of EXPIRE_TAKER, EXPIRE_MAKER, EXPIRE_BOTH");
  }
  for (const auto& symbol : options.symbols) {
    if (auto venue_symbol = to_venue_symbol(symbol); !venue_symbol) return venue_symbol.error();
  }
  RestClientOptions rest_options;
  rest_options.base_url = options.rest_base_url;
  rest_options.api_key = options.api_key;
  rest_options.api_secret = options.api_secret;
  rest_options.recv_window_ms = options.recv_window_ms;
  rest_options.tls = options.tls;
  rest_options.rate_limits = options.rate_limits;
  rest_options.rate_governor = options.rate_governor;
  rest_options.request_timeout = options.request_timeout;
  rest_options.raw_tap = options.raw_tap;
  std::fill(options.api_secret.begin(), options.api_secret.end(), '\0');
  options.api_secret.clear();
  auto rest = RestClient::create(io, clock, std::move(rest_options), logger);
  if (!rest) return rest.error();
  return std::unique_ptr<Venue>(
      new BinanceAdapter(io, clock, std::move(options), std::move(logger), std::move(rest.value())));
}

BinanceAdapter::BinanceAdapter(boost::asio::io_context& io, const Clock& clock, BinanceAdapterOptions options,
                               Logger logger, std::unique_ptr<RestClient> rest)
    : io_(io),
      clock_(clock),
      options_(std::move(options)),
      logger_(std::move(logger)),
      rest_(std::move(rest)),
      orders_(std::make_unique<OrderClient>(*rest_)) {
  orders_->set_stp_mode(options_.stp_mode);
  std::fill(options_.api_secret.begin(), options_.api_secret.end(), '\0');
  options_.api_secret.clear();
  // The recovery's view of this venue. recovery_ is owned here and calls these only
  // while it lives; their completions come back through its own liveness guard.
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
  source.order_by_venue_id = [this](const std::string& symbol, const std::string& venue_order_id,
                                    VenueCallback<OrderState> done) {
    orders_->query_order_by_id(symbol, venue_order_id, std::move(done));
  };
  source.positions = [this](VenueCallback<std::vector<Position>> done) { orders_->positions(std::move(done)); };
  source.balances = [this](VenueCallback<std::vector<Balance>> done) { orders_->balances(std::move(done)); };
  source.call_after = [this](std::chrono::milliseconds delay, std::function<void()> fn) {
    rest_->call_after(delay, std::move(fn));
  };
  source.venue_time = [this] { return UtcTime{std::chrono::milliseconds(rest_->venue_time_ms())}; };
  RecoveryOptions recovery_options;
  recovery_options.symbols = options_.symbols;
  recovery_ = std::make_unique<RecoveringListener>(std::move(source), std::move(recovery_options), logger_);
}

BinanceAdapter::~BinanceAdapter() {
  stop();
  user_.reset();  // it points at recovery_
  data_.reset();
  recovery_.reset();
}

void BinanceAdapter::initialize(std::function<void(Status)> done) {
  if (initialized_) {
    rest_->call_after(std::chrono::milliseconds(0), [done = std::move(done)] { done(Status{}); });
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  rest_->sync_time([this, alive, done = std::move(done)](VenueResult<std::int64_t> offset) mutable {
    if (alive.expired()) return;
    if (!offset) {
      done(make_error(Errc::unavailable, "server time: " + offset.error().describe()));
      return;
    }
    logger_.info("binance_clock_offset", {{"offset_ms", offset.value()}});
    rest_->send(endpoints::kExchangeInfo, {}, [this, alive, done = std::move(done)](VenueResult<std::string> reply) {
      if (alive.expired()) return;
      if (!reply) {
        done(make_error(Errc::unavailable, "exchangeInfo: " + reply.error().describe()));
        return;
      }
      auto instruments = parse_exchange_info_text(reply.value(), options_.venue_id, options_.symbols);
      if (!instruments) {
        done(make_error(Errc::config_invalid, "exchangeInfo: " + instruments.error().message));
        return;
      }
      instruments_ = std::move(instruments.value());
      specs_.clear();
      for (const auto& instrument : instruments_) specs_.push_back(instrument.spec);
      orders_->set_instruments(instruments_);
      initialized_ = true;
      logger_.info("binance_instruments_loaded", {{"count", static_cast<std::uint64_t>(instruments_.size())}});
      done(Status{});
    });
  });
}

void BinanceAdapter::start(MarketDataListener& listener) {
  market_ = &listener;
  account_ = nullptr;
  start_streams();
}

void BinanceAdapter::start(MarketDataListener& market, PrivateListener& account) {
  market_ = &market;
  account_ = &account;
  recovery_->start(account);
  start_streams();
}

void BinanceAdapter::start_streams() {
  running_ = true;
  std::weak_ptr<bool> alive = alive_;
  initialize([this, alive](Status status) {
    if (alive.expired() || !running_) return;
    if (!status) {
      if (status.error().code == Errc::config_invalid) {
        logger_.error("binance_start_failed", {{"error", status.error().describe()}});
        return;
      }
      logger_.warn("binance_start_retry", {{"error", status.error().describe()},
                                           {"retry_ms", static_cast<std::int64_t>(init_retry_.count())}});
      const auto delay = init_retry_;
      init_retry_ = std::min(init_retry_ * 2, std::chrono::milliseconds(60000));
      rest_->call_after(delay, [this, alive] {
        if (!alive.expired() && running_) start_streams();
      });
      return;
    }
    // A restart after stop() reuses the components; start() refuses (conflict) while running.
    if (market_ != nullptr) {
      if (!data_) {
        DataStreamOptions data_options;
        data_options.venue_id = options_.venue_id;
        data_options.ws_base_url = options_.ws_base_url;
        data_options.public_prefix = options_.public_stream_prefix;
        data_options.market_prefix = options_.market_stream_prefix;
        data_options.depth_limit = options_.depth_limit;
        data_options.tls = options_.tls;
        data_options.reconnect = options_.reconnect;
        data_options.stale_after = options_.stale_after;
        data_options.snapshot_retry_initial = options_.snapshot_retry_initial;
        data_options.snapshot_retry_max = options_.snapshot_retry_max;
        data_options.snapshot_max_attempts = options_.snapshot_max_attempts;
        data_options.raw_tap = options_.raw_tap;
        data_ = std::make_unique<DataStream>(io_, clock_, *rest_, instruments_, std::move(data_options), logger_);
      }
      if (auto s = data_->start(*market_); !s && s.error().code != Errc::conflict) {
        logger_.error("binance_market_data_failed", {{"error", s.error().describe()}});
      }
    }
    if (account_ != nullptr) {
      if (!user_) {
        UserStreamOptions user_options;
        user_options.ws_base_url = options_.ws_base_url;
        user_options.private_target = options_.private_stream_target;
        user_options.keepalive_interval = options_.listen_key_keepalive;
        user_options.tls = options_.tls;
        user_options.reconnect = options_.reconnect;
        user_options.raw_tap = options_.raw_tap;
        user_ = std::make_unique<UserStream>(io_, *rest_, std::move(user_options), logger_);
      }
      if (auto s = user_->start(*recovery_); !s && s.error().code != Errc::conflict) {
        logger_.error("binance_user_stream_failed", {{"error", s.error().describe()}});
      }
    }
    schedule_time_sync();
  });
}

void BinanceAdapter::schedule_time_sync() {
  std::weak_ptr<bool> alive = alive_;
  rest_->call_after(options_.time_sync_interval, [this, alive] {
    if (alive.expired() || !running_) return;
    rest_->sync_time([this, alive](VenueResult<std::int64_t> offset) {
      if (alive.expired() || !running_) return;
      if (offset) {
        logger_.debug("binance_clock_offset", {{"offset_ms", offset.value()}});
      } else {
        logger_.warn("binance_time_sync_failed", {{"error", offset.error().describe()}});
      }
      schedule_time_sync();
    });
  });
}

void BinanceAdapter::stop() {
  running_ = false;
  if (data_) data_->stop();
  if (user_) user_->stop();
  recovery_->stop();
  rest_->cancel_timers();
  market_ = nullptr;
  account_ = nullptr;
}

void BinanceAdapter::place(const OrderRequest& request, VenueCallback<OrderState> done) {
  orders_->place(request, recovery_->noting_placed(alive_, std::move(done)));
}
void BinanceAdapter::place_batch(const std::vector<OrderRequest>& requests,
                                 VenueCallback<std::vector<VenueResult<OrderState>>> done) {
  orders_->place_batch(requests, recovery_->noting_placed(alive_, std::move(done)));
}
void BinanceAdapter::cancel(const std::string& symbol, const std::string& client_order_id,
                            VenueCallback<OrderState> done) {
  orders_->cancel(symbol, client_order_id, std::move(done));
}
void BinanceAdapter::cancel_all(const std::string& symbol, VenueCallback<int> done) {
  orders_->cancel_all(symbol, std::move(done));
}
void BinanceAdapter::query_order(const std::string& symbol, const std::string& client_order_id,
                                 VenueCallback<OrderState> done) {
  orders_->query_order(symbol, client_order_id, std::move(done));
}
void BinanceAdapter::open_orders(const std::optional<std::string>& symbol,
                                 VenueCallback<std::vector<OrderState>> done) {
  orders_->open_orders(symbol, std::move(done));
}
void BinanceAdapter::positions(VenueCallback<std::vector<Position>> done) { orders_->positions(std::move(done)); }
void BinanceAdapter::balances(VenueCallback<std::vector<Balance>> done) { orders_->balances(std::move(done)); }
void BinanceAdapter::server_time(VenueCallback<UtcTime> done) { orders_->server_time(std::move(done)); }
void BinanceAdapter::arm_dead_man(const std::string& symbol, std::chrono::milliseconds timeout,
                                  VenueCallback<std::chrono::milliseconds> done) {
  orders_->arm_dead_man(symbol, timeout, std::move(done));
}

std::vector<md::FeedHealthView> BinanceAdapter::feed_health() const {
  return data_ ? data_->feed_health() : std::vector<md::FeedHealthView>{};
}
md::BookSyncState BinanceAdapter::book_state(const std::string& symbol) const {
  return data_ ? data_->book_state(symbol) : md::BookSyncState::awaiting_snapshot;
}
RateLimitView BinanceAdapter::rate_limits() const { return rest_->rate_limits().view(); }
std::optional<RateHealth> BinanceAdapter::rate_health() const { return rest_->governor().health(); }
void BinanceAdapter::set_quarantine_listener(std::function<void(const RateHealth&)> listener) {
  rest_->governor().on_quarantine(std::move(listener));
}
std::int64_t BinanceAdapter::clock_offset_ms() const { return rest_->clock_offset_ms(); }
std::uint64_t BinanceAdapter::requests_sent() const { return rest_->requests_sent(); }
bool BinanceAdapter::private_stream_connected() const {
  return user_ && user_->connected() && recovery_->connected();
}

void BinanceAdapter::fills_since(const std::string& symbol, UtcTime since, VenueCallback<std::vector<Fill>> done) {
  auto venue_symbol = to_venue_symbol(symbol);
  if (!venue_symbol) {
    rest_->call_after(std::chrono::milliseconds(0), [done = std::move(done), message = venue_symbol.error().message] {
      done(VenueError{VenueErrc::rejected, "LOCAL", message, 0, std::nullopt});
    });
    return;
  }
  fetch_fills_since(*rest_, venue_symbol.value(), since, std::move(done));
}

void BinanceAdapter::funding_since(UtcTime since, VenueCallback<std::vector<FundingPayment>> done) {
  fetch_funding_since(*rest_, since, std::move(done));
}

}  // namespace propbot::venues::binance
