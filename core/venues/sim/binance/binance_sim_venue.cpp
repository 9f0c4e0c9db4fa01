#include "core/venues/sim/binance/binance_sim_venue.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/net/http_types.hpp"
#include "core/common/json_util.hpp"
#include "core/venues/binance/errors.hpp"
#include "core/venues/binance/signing.hpp"
#include "core/venues/binance/symbols.hpp"
#include "core/venues/sim/binance/wire_format.hpp"
#include "core/venues/sim/engine/exchange_core.hpp"

namespace propbot::venues::sim {

namespace {

using nlohmann::json;
using Params = std::map<std::string, std::string>;
namespace wire = binance_wire;
namespace bn = venues::binance;

constexpr auto kMinute = std::chrono::minutes(1);
constexpr auto kTenSeconds = std::chrono::seconds(10);
constexpr auto kListenKeyLifetime = std::chrono::minutes(60);
constexpr std::size_t kPublishedLevels = 1000;  // the depth the streams and snapshot cover
constexpr int kMaxLatencyMs = 2000;

// Sum of weights added within the last `window` (the sliding minute of A4).
class SlidingWindow {
 public:
  int add(MonoTime now, int amount, Nanos window) {
    expire(now, window);
    if (amount > 0) {
      entries_.emplace_back(now, amount);
      total_ += amount;
    }
    return total_;
  }

 private:
  void expire(MonoTime now, Nanos window) {
    while (!entries_.empty() && entries_.front().first + window <= now) {
      total_ -= entries_.front().second;
      entries_.pop_front();
    }
  }
  std::deque<std::pair<MonoTime, int>> entries_;
  int total_ = 0;
};

std::optional<std::int64_t> to_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

net::HttpResponse binance_error(int code, std::string_view msg = {}) {
  auto [status, body] = bn::error_body(code, msg);
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

net::HttpResponse ok_json(const json& value) {
  net::HttpResponse response;
  response.status = 200;
  response.body = value.dump();
  return response;
}

std::string mandatory_message(std::string_view name) {
  return "Mandatory parameter '" + std::string(name) + "' was not sent, was empty/null, or malformed.";
}

// One REST call as the endpoint sees it: merged params (query wins over body, A5), the
// authenticated account (signed / API-key endpoints) and the times of this request.
struct Call {
  const net::HttpRequest& request;
  Params params;
  std::string account;
  MonoTime now;
  UtcTime utc;
  std::int64_t server_ms = 0;  // with clock skew
};

enum class Security { none, api_key, signed_request };

struct SessionState {
  std::shared_ptr<net::WebSocketSession> session;
  bool combined = false;
  std::set<std::string> streams;  // market streams
  std::string listen_key;         // user data stream, empty otherwise
  std::set<std::string> events;   // user data filter; empty = all
};

struct SymbolState {
  InstrumentRules rules;
  std::string venue_symbol;   // BTCUSDT
  std::string stream_symbol;  // btcusdt
  std::map<Decimal, Decimal> bids;  // the published view (as of last_update_id)
  std::map<Decimal, Decimal> asks;
  std::int64_t last_update_id = 0;
  std::uint64_t diffs = 0;
  std::optional<MarketTick> tick;
  std::optional<std::pair<Decimal, Decimal>> published_bid;
  std::optional<std::pair<Decimal, Decimal>> published_ask;
  std::vector<PriceLevel> maker_bids;  // the market model's last quotes, best first
  std::vector<PriceLevel> maker_asks;
};

struct AccountState {
  std::string id;
  std::string api_key;
  std::string secret;  // never logged, never described
};

struct ListenKey {
  std::string account;
  MonoTime expires{};
};

class BinanceSimVenue final : public SimulatedVenue {
 public:
  BinanceSimVenue(const SimVenueConfig& config, const Clock& clock)
      : config_(config), clock_(clock), rng_(config.seed) {
    std::vector<Event> ignored;
    for (const auto& rules : config.instruments) {
      core_.add_instrument(rules);
      SymbolState state;
      state.rules = rules;
      state.venue_symbol = wire::venue_symbol(rules.symbol);
      auto stream = bn::to_stream_symbol(rules.symbol);
      state.stream_symbol = stream ? *stream : state.venue_symbol;
      if (!stream) std::transform(state.stream_symbol.begin(), state.stream_symbol.end(), state.stream_symbol.begin(),
                                  [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      by_venue_symbol_[state.venue_symbol] = rules.symbol;
      symbols_.emplace(rules.symbol, std::move(state));
    }
    core_.open_account(config.market_maker_account, Decimal::from_mantissa(1'000'000'000, 0), clock_.utc(), ignored,
                       /*margin_exempt=*/true);
    core_.set_quiet(config.market_maker_account, true);
  }

  std::string_view protocol() const override { return "binance"; }

  Status install(net::Router& router, net::HttpServer& server) override;
  void on_market_tick(const std::vector<MarketTick>& ticks) override;
  void settle_funding() override;
  Status create_account(const SimAccountSpec& spec) override;
  FaultPlan faults() const override {
    std::lock_guard lock(mutex_);
    return faults_;
  }
  void set_faults(const FaultPlan& plan) override;
  void force_mark(const std::string& symbol, Decimal mark) override;
  json describe() const override;

 private:
  using Endpoint = std::function<net::HttpResponse(Call&)>;
  using WeightOf = std::function<int(const Params&)>;

  void add_route(net::Router& router, const std::string& method, const std::string& path, Security security,
                 WeightOf weight, bool order_endpoint, Endpoint endpoint);
  net::HttpResponse handle(const net::HttpRequest& request, Security security, const WeightOf& weight,
                           bool order_endpoint, const Endpoint& endpoint);
  std::optional<net::HttpResponse> authenticate(Call& call, Security security);
  std::optional<net::HttpResponse> storm_or_ban(MonoTime now);

  // --- endpoints ---------------------------------------------------------------------
  net::HttpResponse exchange_info(Call& call) const;
  net::HttpResponse depth(Call& call);
  net::HttpResponse premium_index(Call& call) const;
  net::HttpResponse new_order(Call& call);
  net::HttpResponse batch_orders(Call& call);
  net::HttpResponse query_order(Call& call);
  net::HttpResponse cancel_order(Call& call);
  net::HttpResponse cancel_all(Call& call);
  net::HttpResponse open_orders(Call& call);
  net::HttpResponse position_risk(Call& call, bool v3);
  net::HttpResponse balance(Call& call);
  net::HttpResponse account(Call& call);
  net::HttpResponse leverage(Call& call);
  net::HttpResponse countdown_cancel_all(Call& call);
  net::HttpResponse listen_key(Call& call);
  net::HttpResponse user_trades(Call& call);

  // The JSON answer (order or {code,msg}) of one placement; `ok` tells which.
  json place(const std::string& account, const Params& params, UtcTime utc, bool& ok, int& http_status);
  const SymbolState* symbol_from(const Params& params, std::string& canonical) const;
  bool cap_first_match(const OrderRequest& request, UtcTime utc, std::vector<Event>& events);
  void restore_liquidity(const OrderRequest& request, const Outcome<OrderState>& placed, UtcTime utc,
                         std::vector<Event>& events);
  std::optional<OrderRef> order_ref(const Params& params) const;

  // --- market data and user streams --------------------------------------------------
  void deliver(const std::vector<Event>& events, UtcTime utc);
  void publish_book(SymbolState& symbol, UtcTime utc);
  void publish_mark(const SymbolState& symbol, UtcTime utc);
  void publish(const std::string& stream, const std::string& raw);
  void run_timers(MonoTime now, UtcTime utc);
  void close_all_sessions();
  std::int64_t next_funding_ms(UtcTime utc) const;
  std::string new_listen_key();

  void register_stream_path(net::HttpServer& server, const std::string& path, std::set<std::string> streams,
                            bool combined_from_query, Status& status);
  void on_ws_open(const std::shared_ptr<net::WebSocketSession>& session, const net::HttpRequest& request,
                  std::set<std::string> streams, bool combined_from_query);
  void on_ws_message(const std::shared_ptr<net::WebSocketSession>& session, std::string_view text);
  void on_ws_close(const std::shared_ptr<net::WebSocketSession>& session);

  SimVenueConfig config_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  ExchangeCore core_;
  std::mt19937_64 rng_;
  FaultPlan faults_;
  std::map<std::string, SymbolState> symbols_;         // canonical → state
  std::map<std::string, std::string> by_venue_symbol_;  // BTCUSDT → BTC-USDT
  std::set<std::string> known_streams_;
  std::map<std::string, AccountState> accounts_by_key_;  // api key → account
  std::map<std::string, std::string> account_ids_;       // account id → api key
  std::map<std::string, ListenKey> listen_keys_;
  std::map<std::pair<std::string, std::string>, MonoTime> countdowns_;  // (account, symbol) → deadline
  std::map<std::string, SlidingWindow> ip_weight_;
  std::map<std::string, SlidingWindow> orders_10s_;
  std::map<std::string, SlidingWindow> orders_1m_;
  std::map<std::uint64_t, SessionState> sessions_;
  int reject_countdown_ = 0;
  int storm_seen_ = 0;
  std::optional<MonoTime> banned_until_;
  // Counters for describe().
  std::uint64_t requests_ = 0;
  std::uint64_t orders_placed_ = 0;
  std::uint64_t orders_rejected_ = 0;
  std::uint64_t answered_429_ = 0;
  std::uint64_t answered_418_ = 0;
  std::uint64_t diffs_published_ = 0;
  std::uint64_t diffs_dropped_ = 0;
  std::uint64_t ticks_ = 0;
  int next_account_ = 1;
};

// --- install -----------------------------------------------------------------------------

Status BinanceSimVenue::install(net::Router& router, net::HttpServer& server) {
  auto w = [](int weight) { return [weight](const Params&) { return weight; }; };
  add_route(router, "GET", "/fapi/v1/ping", Security::none, w(1), false, [](Call&) { return ok_json(json::object()); });
  add_route(router, "GET", "/fapi/v1/time", Security::none, w(1), false,
            [](Call& call) { return ok_json(json{{"serverTime", call.server_ms}}); });
  add_route(router, "GET", "/fapi/v1/exchangeInfo", Security::none, w(1), false,
            [this](Call& call) { return exchange_info(call); });
  auto depth_weight = [](const Params& p) {
    auto it = p.find("limit");
    const std::int64_t limit = it == p.end() ? 500 : to_int(it->second).value_or(500);
    if (limit <= 50) return 2;
    if (limit <= 100) return 5;
    if (limit <= 500) return 10;
    return 20;
  };
  add_route(router, "GET", "/fapi/v1/depth", Security::none, depth_weight, false,
            [this](Call& call) { return depth(call); });
  add_route(router, "GET", "/fapi/v1/premiumIndex", Security::none, w(1), false,
            [this](Call& call) { return premium_index(call); });

  add_route(router, "POST", "/fapi/v1/order", Security::signed_request, w(0), true,
            [this](Call& call) { return new_order(call); });
  add_route(router, "GET", "/fapi/v1/order", Security::signed_request, w(1), false,
            [this](Call& call) { return query_order(call); });
  add_route(router, "DELETE", "/fapi/v1/order", Security::signed_request, w(1), false,
            [this](Call& call) { return cancel_order(call); });
  add_route(router, "POST", "/fapi/v1/batchOrders", Security::signed_request, w(5), true,
            [this](Call& call) { return batch_orders(call); });
  add_route(router, "DELETE", "/fapi/v1/allOpenOrders", Security::signed_request, w(1), false,
            [this](Call& call) { return cancel_all(call); });
  add_route(router, "GET", "/fapi/v1/openOrders", Security::signed_request,
            [](const Params& p) { return p.count("symbol") ? 1 : 40; }, false,
            [this](Call& call) { return open_orders(call); });
  add_route(router, "GET", "/fapi/v2/positionRisk", Security::signed_request, w(5), false,
            [this](Call& call) { return position_risk(call, false); });
  add_route(router, "GET", "/fapi/v3/positionRisk", Security::signed_request, w(5), false,
            [this](Call& call) { return position_risk(call, true); });
  for (const char* path : {"/fapi/v2/balance", "/fapi/v3/balance"}) {
    add_route(router, "GET", path, Security::signed_request, w(5), false, [this](Call& call) { return balance(call); });
  }
  for (const char* path : {"/fapi/v2/account", "/fapi/v3/account"}) {
    add_route(router, "GET", path, Security::signed_request, w(5), false, [this](Call& call) { return account(call); });
  }
  add_route(router, "GET", "/fapi/v1/userTrades", Security::signed_request, w(5), false,
            [this](Call& call) { return user_trades(call); });
  add_route(router, "POST", "/fapi/v1/leverage", Security::signed_request, w(1), false,
            [this](Call& call) { return leverage(call); });
  add_route(router, "POST", "/fapi/v1/countdownCancelAll", Security::signed_request, w(10), false,
            [this](Call& call) { return countdown_cancel_all(call); });
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    add_route(router, method, "/fapi/v1/listenKey", Security::api_key, w(1), false,
              [this](Call& call) { return listen_key(call); });
  }

  // WebSocket endpoints (exact paths: one per concrete stream, A1/A7).
  Status status;
  std::set<std::string> all;
  for (const auto& [canonical, symbol] : symbols_) {
    const std::string& s = symbol.stream_symbol;
    const std::vector<std::string> high = {s + "@depth", s + "@depth@100ms", s + "@depth@500ms", s + "@bookTicker"};
    const std::vector<std::string> regular = {s + "@markPrice", s + "@markPrice@1s"};
    for (const auto& stream : high) {
      register_stream_path(server, "/ws/" + stream, {stream}, false, status);
      register_stream_path(server, "/public/ws/" + stream, {stream}, false, status);
      all.insert(stream);
    }
    for (const auto& stream : regular) {
      register_stream_path(server, "/ws/" + stream, {stream}, false, status);
      register_stream_path(server, "/market/ws/" + stream, {stream}, false, status);
      all.insert(stream);
    }
  }
  known_streams_ = all;
  for (const char* path : {"/stream", "/public/stream", "/market/stream"}) {
    register_stream_path(server, path, {}, true, status);
  }
  for (const char* path : {"/ws", "/public/ws", "/market/ws", "/private/ws"}) {
    register_stream_path(server, path, {}, false, status);
  }
  // The classic user data stream: /ws/<listenKey> (known stream names above win).
  register_stream_path(server, "/ws/*", {}, false, status);
  return status;
}

void BinanceSimVenue::register_stream_path(net::HttpServer& server, const std::string& path,
                                           std::set<std::string> streams, bool combined_from_query, Status& status) {
  net::WebSocketHandler handler;
  handler.on_open = [this, streams, combined_from_query](const std::shared_ptr<net::WebSocketSession>& session,
                                                         const net::HttpRequest& request) {
    on_ws_open(session, request, streams, combined_from_query);
  };
  handler.on_message = [this](const std::shared_ptr<net::WebSocketSession>& session, std::string_view text) {
    on_ws_message(session, text);
  };
  handler.on_close = [this](const std::shared_ptr<net::WebSocketSession>& session) { on_ws_close(session); };
  Status added = server.add_websocket(path, std::move(handler));
  if (!added.ok() && status.ok()) status = added;
}

void BinanceSimVenue::add_route(net::Router& router, const std::string& method, const std::string& path,
                                Security security, WeightOf weight, bool order_endpoint, Endpoint endpoint) {
  router.add(method, path,
             [this, security, weight = std::move(weight), order_endpoint,
              endpoint = std::move(endpoint)](const net::HttpRequest& request) {
               return handle(request, security, weight, order_endpoint, endpoint);
             });
}

// --- request pipeline ----------------------------------------------------------------------

std::optional<net::HttpResponse> BinanceSimVenue::storm_or_ban(MonoTime now) {
  auto banned = [&](MonoTime until) {
    ++answered_418_;
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(until - now).count();
    auto response = binance_error(-1003, "Way too many requests; IP banned until " +
                                             std::to_string(to_unix_ms(clock_.utc()) + seconds * 1000) +
                                             ". Please use the websocket for live updates to avoid bans.");
    response.status = 418;
    response.headers.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>(seconds, 1)));
    return response;
  };
  if (banned_until_) {
    if (now < *banned_until_) return banned(*banned_until_);
    banned_until_.reset();
  }
  if (faults_.rate_limit_429_count > 0) {
    --faults_.rate_limit_429_count;
    ++storm_seen_;
    if (faults_.ban_after_429s > 0 && storm_seen_ > faults_.ban_after_429s) {
      banned_until_ = now + std::chrono::seconds(faults_.ban_s);
      faults_.rate_limit_429_count = 0;  // the ban ends the storm
      return banned(*banned_until_);
    }
    ++answered_429_;
    auto response = binance_error(-1003, "Too many requests; current limit of IP is 2400 requests per minute. "
                                         "Please use the websocket for live updates to avoid polling the API.");
    response.status = 429;
    response.headers.emplace_back("Retry-After", std::to_string(faults_.retry_after_s));
    return response;
  }
  return std::nullopt;
}

std::optional<net::HttpResponse> BinanceSimVenue::authenticate(Call& call, Security security) {
  if (security == Security::none) return std::nullopt;
  const std::string key = call.request.header("x-mbx-apikey");
  auto account = accounts_by_key_.find(key);
  if (key.empty() || account == accounts_by_key_.end()) return binance_error(-2015);
  call.account = account->second.id;
  if (security == Security::api_key) return std::nullopt;

  const std::size_t question = call.request.target.find('?');
  const std::string_view raw_query =
      question == std::string::npos ? std::string_view{} : std::string_view(call.request.target).substr(question + 1);
  auto parts = bn::split_signature(raw_query, call.request.body);
  if (!parts) return binance_error(-1102, mandatory_message("signature"));
  if (!bn::verify_signature(account->second.secret, parts->total_params, parts->signature)) {
    return binance_error(-1022);
  }
  auto timestamp = call.params.count("timestamp") ? to_int(call.params["timestamp"]) : std::nullopt;
  if (!timestamp) return binance_error(-1102, mandatory_message("timestamp"));
  std::int64_t recv_window = bn::kDefaultRecvWindowMs;
  if (call.params.count("recvWindow")) {
    auto parsed = to_int(call.params["recvWindow"]);
    if (!parsed || *parsed <= 0 || *parsed > 60000) return binance_error(-1102, mandatory_message("recvWindow"));
    recv_window = *parsed;
  }
  if (*timestamp >= call.server_ms + 1000) {
    return binance_error(-1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  }
  if (call.server_ms - *timestamp > recv_window) return binance_error(-1021);
  return std::nullopt;
}

net::HttpResponse BinanceSimVenue::handle(const net::HttpRequest& request, Security security,
                                          const WeightOf& weight, bool order_endpoint, const Endpoint& endpoint) {
  int latency_ms = 0;
  {
    std::lock_guard lock(mutex_);
    latency_ms = std::clamp(faults_.added_latency_ms, 0, kMaxLatencyMs);
  }
  if (latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));

  std::lock_guard lock(mutex_);
  ++requests_;
  Call call{request, {}, {}, clock_.now(), clock_.utc(), 0};
  call.server_ms = to_unix_ms(call.utc) + faults_.clock_skew_ms;
  run_timers(call.now, call.utc);

  // Params: body first, then the query, which wins (A5).
  const std::size_t question = request.target.find('?');
  if (!request.body.empty()) call.params = net::parse_query(request.body);
  if (question != std::string::npos) {
    for (auto& [k, v] : net::parse_query(std::string_view(request.target).substr(question + 1))) call.params[k] = v;
  }

  const std::string ip = request.remote_addr.empty() ? "local" : request.remote_addr;
  std::optional<net::HttpResponse> early = storm_or_ban(call.now);
  const int used = ip_weight_[ip].add(call.now, early ? 0 : weight(call.params), kMinute);
  if (!early) early = authenticate(call, security);
  net::HttpResponse response = early ? std::move(*early) : endpoint(call);
  response.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(used));
  if (order_endpoint && !call.account.empty()) {
    response.headers.emplace_back("X-MBX-ORDER-COUNT-10S",
                                  std::to_string(orders_10s_[call.account].add(call.now, 0, kTenSeconds)));
    response.headers.emplace_back("X-MBX-ORDER-COUNT-1M",
                                  std::to_string(orders_1m_[call.account].add(call.now, 0, kMinute)));
  }
  return response;
}

// --- public endpoints ----------------------------------------------------------------------

const SymbolState* BinanceSimVenue::symbol_from(const Params& params, std::string& canonical) const {
  auto it = params.find("symbol");
  if (it == params.end()) return nullptr;
  auto found = by_venue_symbol_.find(it->second);
  if (found == by_venue_symbol_.end()) return nullptr;
  canonical = found->second;
  return &symbols_.at(canonical);
}

net::HttpResponse BinanceSimVenue::exchange_info(Call& call) const {
  json symbols = json::array();
  for (const auto& [canonical, s] : symbols_) {
    const auto dash = canonical.find('-');
    const std::string base = canonical.substr(0, dash);
    const std::string quote = dash == std::string::npos ? "USDT" : canonical.substr(dash + 1);
    const std::string tick = s.rules.tick.to_string();
    const std::string step = s.rules.step.to_string();
    symbols.push_back(
        {{"symbol", s.venue_symbol},
         {"pair", s.venue_symbol},
         {"contractType", "PERPETUAL"},
         {"deliveryDate", 4133404800000LL},
         {"onboardDate", 1569398400000LL},
         {"status", "TRADING"},
         {"maintMarginPercent", "2.5000"},
         {"requiredMarginPercent", "5.0000"},
         {"baseAsset", base},
         {"quoteAsset", quote},
         {"marginAsset", s.rules.margin_asset},
         {"pricePrecision", s.rules.tick.scale()},
         {"quantityPrecision", s.rules.step.scale()},
         {"baseAssetPrecision", 8},
         {"quotePrecision", 8},
         {"underlyingType", "COIN"},
         {"triggerProtect", "0.0500"},
         {"liquidationFee", "0.012500"},
         {"marketTakeBound", "0.05"},
         {"filters",
          json::array({{{"filterType", "PRICE_FILTER"}, {"minPrice", tick}, {"maxPrice", "10000000"}, {"tickSize", tick}},
                       {{"filterType", "LOT_SIZE"},
                        {"minQty", s.rules.min_qty.to_string()},
                        {"maxQty", "100000"},
                        {"stepSize", step}},
                       {{"filterType", "MARKET_LOT_SIZE"},
                        {"minQty", s.rules.min_qty.to_string()},
                        {"maxQty", "100000"},
                        {"stepSize", step}},
                       {{"filterType", "MAX_NUM_ORDERS"}, {"limit", 200}},
                       {{"filterType", "MAX_NUM_ALGO_ORDERS"}, {"limit", 10}},
                       {{"filterType", "MIN_NOTIONAL"}, {"notional", s.rules.min_notional.to_string()}},
                       {{"filterType", "PERCENT_PRICE"},
                        {"multiplierUp", "1.0500"},
                        {"multiplierDown", "0.9500"},
                        {"multiplierDecimal", "4"}}})},
         {"orderTypes", json::array({"LIMIT", "MARKET"})},
         {"timeInForce", json::array({"GTC", "IOC", "FOK", "GTX"})}});
  }
  json info{{"timezone", "UTC"},
            {"serverTime", call.server_ms},
            {"futuresType", "U_MARGINED"},
            {"rateLimits",
             json::array({{{"rateLimitType", "REQUEST_WEIGHT"}, {"interval", "MINUTE"}, {"intervalNum", 1}, {"limit", 2400}},
                          {{"rateLimitType", "ORDERS"}, {"interval", "MINUTE"}, {"intervalNum", 1}, {"limit", 1200}},
                          {{"rateLimitType", "ORDERS"}, {"interval", "SECOND"}, {"intervalNum", 10}, {"limit", 300}}})},
            {"exchangeFilters", json::array()},
            {"assets", json::array({{{"asset", "USDT"}, {"marginAvailable", true}, {"autoAssetExchange", "-10000"}}})},
            {"symbols", symbols}};
  return ok_json(info);
}

net::HttpResponse BinanceSimVenue::depth(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
  std::int64_t limit = 500;
  if (call.params.count("limit")) {
    auto parsed = to_int(call.params["limit"]);
    static const std::set<std::int64_t> valid = {5, 10, 20, 50, 100, 500, 1000};
    if (!parsed || !valid.count(*parsed)) return binance_error(-1102, mandatory_message("limit"));
    limit = *parsed;
  }
  // The published book is the state after event u = last_update_id; the snapshot names
  // the next id, which the next diff's [U, u] range covers (it starts at last u + 1), so
  // a client that connected after the last diff still finds its bridging event
  // (U <= lastUpdateId <= u, A7 step 5), and every event it buffered before is older
  // than the snapshot (u < lastUpdateId) and dropped. Quantities are absolute, so the
  // bridging event applies correctly on top.
  std::int64_t last_update_id = symbol->last_update_id + 1;
  if (faults_.corrupt_next_snapshot) {
    // An id older than the stream's: the first buffered diff cannot bridge it (U >
    // lastUpdateId), so a correct client detects the gap and re-fetches.
    last_update_id = last_update_id > 2 ? last_update_id / 2 : last_update_id + 1'000'000;
    faults_.corrupt_next_snapshot = false;
  }
  json bids = json::array();
  json asks = json::array();
  for (auto it = symbol->bids.rbegin(); it != symbol->bids.rend() && static_cast<std::int64_t>(bids.size()) < limit; ++it) {
    bids.push_back({it->first.to_string(), it->second.to_string()});
  }
  for (auto it = symbol->asks.begin(); it != symbol->asks.end() && static_cast<std::int64_t>(asks.size()) < limit; ++it) {
    asks.push_back({it->first.to_string(), it->second.to_string()});
  }
  return ok_json(json{{"lastUpdateId", last_update_id},
                      {"E", call.server_ms},
                      {"T", call.server_ms},
                      {"bids", bids},
                      {"asks", asks}});
}

std::int64_t BinanceSimVenue::next_funding_ms(UtcTime utc) const {
  constexpr std::int64_t kEightHours = 8LL * 3600 * 1000;
  const std::int64_t now = to_unix_ms(utc);
  return (now / kEightHours + 1) * kEightHours;
}

net::HttpResponse BinanceSimVenue::premium_index(Call& call) const {
  auto one = [&](const SymbolState& s) {
    auto mark = core_.accounts().mark(s.rules.symbol);
    const std::string mark_text = mark ? mark->to_string() : "0";
    std::string index = mark_text;
    std::string rate = "0";
    if (s.tick) {
      if (auto d = Decimal::from_double(s.tick->index > 0 ? s.tick->index : s.tick->mid, 8)) index = d->normalized().to_string();
      if (auto d = Decimal::from_double(s.tick->funding_rate, 8)) rate = d->to_string();
    }
    return json{{"symbol", s.venue_symbol},
                {"markPrice", mark_text},
                {"indexPrice", index},
                {"estimatedSettlePrice", mark_text},
                {"lastFundingRate", rate},
                {"interestRate", "0.00010000"},
                {"nextFundingTime", next_funding_ms(call.utc)},
                {"time", call.server_ms}};
  };
  if (call.params.count("symbol")) {
    std::string canonical;
    const SymbolState* symbol = symbol_from(call.params, canonical);
    if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
    return ok_json(one(*symbol));
  }
  json all = json::array();
  for (const auto& [canonical, s] : symbols_) all.push_back(one(s));
  return ok_json(all);
}

// --- orders --------------------------------------------------------------------------------

json BinanceSimVenue::place(const std::string& account, const Params& p, UtcTime utc, bool& ok, int& http_status) {
  ok = false;
  auto fail = [&](int code, std::string_view msg = {}) {
    ++orders_rejected_;
    auto [status, body] = bn::error_body(code, msg);
    http_status = status;
    return json::parse(body);
  };
  auto get = [&](const char* key) -> std::optional<std::string> {
    auto it = p.find(key);
    if (it == p.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  if (faults_.maintenance) return fail(-1016, "Service is under maintenance.");
  if (faults_.read_only) return fail(-1016, "This service is no longer available: the venue is read-only.");

  std::string canonical;
  if (symbol_from(p, canonical) == nullptr) {
    return get("symbol") ? fail(-1121, "Invalid symbol.") : fail(-1102, mandatory_message("symbol"));
  }
  OrderRequest request;
  request.symbol = canonical;
  auto side_text = get("side");
  if (!side_text) return fail(-1102, mandatory_message("side"));
  auto side = bn::parse_side(*side_text);
  if (!side) return fail(-1117, "Invalid side.");
  request.side = *side;
  auto type_text = get("type");
  if (!type_text) return fail(-1102, mandatory_message("type"));
  auto type = bn::parse_order_type(*type_text);
  if (!type) return fail(-1116, "Invalid orderType.");
  request.type = *type;
  if (request.type == OrderType::limit) {
    auto tif_text = get("timeInForce");
    if (!tif_text) return fail(-1102, mandatory_message("timeInForce"));
    auto tif = bn::parse_time_in_force(*tif_text);
    if (!tif) return fail(-1115, "Invalid timeInForce.");
    request.time_in_force = *tif;
    auto price_text = get("price");
    if (!price_text) return fail(-1102, mandatory_message("price"));
    auto price = Decimal::parse(*price_text);
    if (!price) return fail(-1102, mandatory_message("price"));
    if (price->sign() <= 0) return fail(-4013, "Price less than min price.");
    request.price = *price;
  } else {
    if (get("price")) return fail(-1106, "Parameter 'price' sent when not required.");
    request.time_in_force = TimeInForce::ioc;
  }
  auto quantity_text = get("quantity");
  if (!quantity_text) return fail(-1102, mandatory_message("quantity"));
  auto quantity = Decimal::parse(*quantity_text);
  if (!quantity) return fail(-1102, mandatory_message("quantity"));
  if (quantity->sign() <= 0) return fail(-4003, "Quantity less than or equal to zero.");
  request.quantity = *quantity;
  if (auto reduce = get("reduceOnly")) {
    if (*reduce != "true" && *reduce != "false") return fail(-1102, mandatory_message("reduceOnly"));
    request.reduce_only = *reduce == "true";
  }
  if (auto position_side = get("positionSide"); position_side && *position_side != "BOTH") {
    return fail(-4061, "Order's position side does not match user's setting.");
  }
  if (auto client_id = get("newClientOrderId")) {
    if (!bn::validate_client_order_id(*client_id).ok()) return fail(-4015, "Client order id is not valid.");
    request.client_order_id = *client_id;
  }
  if (reject_countdown_ > 0 && --reject_countdown_ == 0) {
    faults_.reject_nth_order = 0;
    const auto code = to_int(faults_.reject_code);
    return fail(code.value_or(-2010), code ? std::string_view{} : std::string_view("New order rejected."));
  }

  std::vector<Event> events;
  const bool capped = cap_first_match(request, utc, events);
  auto placed = core_.place(account, request, utc, events);
  if (capped) restore_liquidity(request, placed, utc, events);
  deliver(events, utc);
  if (!placed) {
    auto [code, msg] = wire::reject_code(placed.rejection());
    return fail(code, msg);
  }
  ++orders_placed_;
  ok = true;
  http_status = 200;
  return wire::order_json(placed.value(), to_unix_ms(utc));
}

// FaultPlan::partial_fill_ratio without an engine hook: when the market model's quotes
// would fill the whole order, they are shrunk for this one placement to `ratio` of the
// order's quantity (levels beyond the order's price removed), so the order fills that
// much and its remainder rests (GTC) or expires (IOC, market); then the quotes come
// back without the levels that would cross the resting remainder (the next market tick
// re-quotes and may fill it: "0.3 then the rest"). FOK and GTX are left alone.
bool BinanceSimVenue::cap_first_match(const OrderRequest& request, UtcTime utc, std::vector<Event>& events) {
  const double ratio = faults_.partial_fill_ratio;
  if (!(ratio > 0 && ratio < 1) || request.time_in_force == TimeInForce::fok ||
      request.time_in_force == TimeInForce::post_only) {
    return false;
  }
  SymbolState& s = symbols_.at(request.symbol);
  const bool buy = request.side == OrderSide::buy;
  const auto& opposite = buy ? s.maker_asks : s.maker_bids;
  auto crosses = [&](Decimal price) { return !request.price || (buy ? price <= *request.price : price >= *request.price); };
  Decimal crossing;
  for (const auto& level : opposite) {
    if (!crosses(level.price)) continue;
    if (auto sum = crossing.add(level.quantity)) crossing = *sum;
  }
  if (crossing < request.quantity) return false;
  auto ratio_decimal = Decimal::from_double(ratio, 6);
  if (!ratio_decimal) return false;
  auto scaled = request.quantity.mul(*ratio_decimal);
  if (!scaled) return false;
  auto cap = scaled->round_to_step(s.rules.step, RoundMode::down);
  if (!cap || cap->sign() <= 0) return false;
  std::vector<PriceLevel> reduced;
  Decimal left = *cap;
  for (const auto& level : opposite) {
    if (!crosses(level.price) || left.sign() <= 0) continue;
    const Decimal take = std::min(left, level.quantity);
    reduced.push_back(PriceLevel{level.price, take});
    if (auto rest = left.sub(take)) left = *rest;
  }
  core_.replace_liquidity(request.symbol, config_.market_maker_account, buy ? s.maker_bids : reduced,
                          buy ? reduced : s.maker_asks, utc, events);
  return true;
}

void BinanceSimVenue::restore_liquidity(const OrderRequest& request, const Outcome<OrderState>& placed, UtcTime utc,
                                        std::vector<Event>& events) {
  SymbolState& s = symbols_.at(request.symbol);
  const bool buy = request.side == OrderSide::buy;
  const bool rests = placed.ok() && !is_final(placed->status);
  std::vector<PriceLevel> restored;
  for (const auto& level : buy ? s.maker_asks : s.maker_bids) {
    const bool crosses = !request.price || (buy ? level.price <= *request.price : level.price >= *request.price);
    if (!rests || !crosses) restored.push_back(level);
  }
  core_.replace_liquidity(request.symbol, config_.market_maker_account, buy ? s.maker_bids : restored,
                          buy ? restored : s.maker_asks, utc, events);
}

net::HttpResponse BinanceSimVenue::new_order(Call& call) {
  orders_10s_[call.account].add(call.now, 1, kTenSeconds);
  orders_1m_[call.account].add(call.now, 1, kMinute);
  bool ok = false;
  int status = 200;
  json answer = place(call.account, call.params, call.utc, ok, status);
  net::HttpResponse response;
  response.status = status;
  response.body = answer.dump();
  return response;
}

net::HttpResponse BinanceSimVenue::batch_orders(Call& call) {
  orders_10s_[call.account].add(call.now, 5, kTenSeconds);
  orders_1m_[call.account].add(call.now, 1, kMinute);
  auto it = call.params.find("batchOrders");
  if (it == call.params.end()) return binance_error(-1102, mandatory_message("batchOrders"));
  json list = parse_json_or_discarded(it->second);
  if (!list.is_array() || list.empty()) return binance_error(-1102, mandatory_message("batchOrders"));
  if (list.size() > 5) return binance_error(-4079, "Invalid batch order size: at most 5 orders.");
  json out = json::array();
  for (const auto& item : list) {
    if (!item.is_object()) {
      out.push_back(json::parse(bn::error_body(-1102, mandatory_message("batchOrders")).second));
      continue;
    }
    Params p;
    for (const auto& [key, value] : item.items()) {
      p[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    bool ok = false;
    int status = 200;
    out.push_back(place(call.account, p, call.utc, ok, status));
  }
  return ok_json(out);
}

std::optional<OrderRef> BinanceSimVenue::order_ref(const Params& params) const {
  if (auto it = params.find("orderId"); it != params.end() && !it->second.empty()) {
    auto id = to_int(it->second);
    if (!id) return std::nullopt;
    return OrderRef::by_venue_id(*id);
  }
  if (auto it = params.find("origClientOrderId"); it != params.end() && !it->second.empty()) {
    return OrderRef::by_client_id(it->second);
  }
  return std::nullopt;
}

net::HttpResponse BinanceSimVenue::query_order(Call& call) {
  std::string canonical;
  if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
  auto ref = order_ref(call.params);
  if (!ref) return binance_error(-1102, "Either orderId or origClientOrderId must be sent.");
  auto found = core_.order(call.account, canonical, *ref);
  if (!found) return binance_error(-2013);
  return ok_json(wire::order_json(found.value(), to_unix_ms(found->updated_at)));
}

net::HttpResponse BinanceSimVenue::cancel_order(Call& call) {
  if (faults_.maintenance || faults_.read_only) return binance_error(-1016, "Service is under maintenance.");
  std::string canonical;
  if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
  auto ref = order_ref(call.params);
  if (!ref) return binance_error(-1102, "Either orderId or origClientOrderId must be sent.");
  std::vector<Event> events;
  auto canceled = core_.cancel(call.account, canonical, *ref, call.utc, events);
  deliver(events, call.utc);
  if (!canceled) return binance_error(-2011);
  return ok_json(wire::order_json(canceled.value(), call.server_ms));
}

net::HttpResponse BinanceSimVenue::cancel_all(Call& call) {
  if (faults_.maintenance || faults_.read_only) return binance_error(-1016, "Service is under maintenance.");
  std::string canonical;
  if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
  std::vector<Event> events;
  (void)core_.cancel_all(call.account, canonical, call.utc, events);
  deliver(events, call.utc);
  return ok_json(json{{"code", 200}, {"msg", "The operation of cancel all open order is done."}});
}

net::HttpResponse BinanceSimVenue::open_orders(Call& call) {
  std::optional<std::string> filter;
  if (call.params.count("symbol")) {
    std::string canonical;
    if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
    filter = canonical;
  }
  json out = json::array();
  for (const auto& order : core_.open_orders(call.account, filter)) {
    out.push_back(wire::order_json(order, to_unix_ms(order.updated_at)));
  }
  return ok_json(out);
}

net::HttpResponse BinanceSimVenue::position_risk(Call& call, bool v3) {
  std::optional<std::string> filter;
  if (call.params.count("symbol")) {
    std::string canonical;
    if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
    filter = canonical;
  }
  std::map<std::string, Position> held;
  for (const auto& position : core_.positions(call.account)) held[position.symbol] = position;
  json out = json::array();
  for (const auto& [canonical, s] : symbols_) {
    if (filter && *filter != canonical) continue;
    auto it = held.find(canonical);
    const bool has_orders = !core_.open_orders(call.account, canonical).empty();
    if (v3 && it == held.end() && !has_orders) continue;
    Position p = it == held.end() ? Position{} : it->second;
    auto mark = core_.accounts().mark(canonical);
    const Decimal mark_price = mark ? *mark : p.mark_price;
    auto notional = p.quantity.mul(mark_price);
    json item{{"symbol", s.venue_symbol},
              {"positionSide", "BOTH"},
              {"positionAmt", p.quantity.to_string()},
              {"entryPrice", p.entry_price.to_string()},
              {"breakEvenPrice", p.entry_price.to_string()},
              {"markPrice", mark_price.to_string()},
              {"unRealizedProfit", p.unrealized_pnl.to_string()},
              {"liquidationPrice", p.liquidation_price.to_string()},
              {"isolatedMargin", "0"},
              {"notional", notional ? notional->normalized().to_string() : "0"},
              {"marginAsset", s.rules.margin_asset},
              {"isolatedWallet", "0"},
              {"updateTime", to_unix_ms(p.updated_at)}};
    if (v3) {
      item["initialMargin"] = "0";
      item["maintMargin"] = "0";
      item["positionInitialMargin"] = "0";
      item["openOrderInitialMargin"] = "0";
      item["adl"] = 0;
      item["bidNotional"] = "0";
      item["askNotional"] = "0";
    } else {
      item["leverage"] = std::to_string(core_.accounts().leverage(call.account, canonical));
      item["marginType"] = "cross";
      item["isAutoAddMargin"] = "false";
      item["maxNotionalValue"] = "1000000";
    }
    out.push_back(std::move(item));
  }
  return ok_json(out);
}

net::HttpResponse BinanceSimVenue::balance(Call& call) {
  json out = json::array();
  for (const auto& b : core_.balances(call.account, call.utc)) {
    out.push_back({{"accountAlias", "SgsR"},
                   {"asset", b.asset},
                   {"balance", b.wallet.to_string()},
                   {"crossWalletBalance", b.wallet.to_string()},
                   {"crossUnPnl", "0"},
                   {"availableBalance", b.available.to_string()},
                   {"maxWithdrawAmount", b.available.to_string()},
                   {"marginAvailable", true},
                   {"updateTime", to_unix_ms(b.updated_at)}});
  }
  return ok_json(out);
}

net::HttpResponse BinanceSimVenue::account(Call& call) {
  json assets = json::array();
  Decimal wallet;
  Decimal available;
  for (const auto& b : core_.balances(call.account, call.utc)) {
    wallet = b.wallet;
    available = b.available;
    assets.push_back({{"asset", b.asset},
                      {"walletBalance", b.wallet.to_string()},
                      {"availableBalance", b.available.to_string()},
                      {"crossWalletBalance", b.wallet.to_string()},
                      {"maxWithdrawAmount", b.available.to_string()},
                      {"marginAvailable", true},
                      {"updateTime", to_unix_ms(b.updated_at)}});
  }
  json positions = json::array();
  for (const auto& p : core_.positions(call.account)) {
    positions.push_back({{"symbol", wire::venue_symbol(p.symbol)},
                         {"positionSide", "BOTH"},
                         {"positionAmt", p.quantity.to_string()},
                         {"entryPrice", p.entry_price.to_string()},
                         {"unrealizedProfit", p.unrealized_pnl.to_string()},
                         {"updateTime", to_unix_ms(p.updated_at)}});
  }
  return ok_json(json{{"totalWalletBalance", wallet.to_string()},
                      {"availableBalance", available.to_string()},
                      {"maxWithdrawAmount", available.to_string()},
                      {"assets", assets},
                      {"positions", positions}});
}

net::HttpResponse BinanceSimVenue::leverage(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
  auto value = call.params.count("leverage") ? to_int(call.params["leverage"]) : std::nullopt;
  if (!value) return binance_error(-1102, mandatory_message("leverage"));
  auto set = core_.set_leverage(call.account, canonical, static_cast<int>(*value));
  if (!set) return binance_error(-4028, "Leverage " + std::to_string(*value) + " is not valid");
  return ok_json(json{{"leverage", set.value()}, {"maxNotionalValue", "1000000"}, {"symbol", symbol->venue_symbol}});
}

net::HttpResponse BinanceSimVenue::countdown_cancel_all(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
  auto countdown = call.params.count("countdownTime") ? to_int(call.params["countdownTime"]) : std::nullopt;
  if (!countdown || *countdown < 0) return binance_error(-1102, mandatory_message("countdownTime"));
  const auto key = std::make_pair(call.account, canonical);
  if (*countdown == 0) {
    countdowns_.erase(key);
  } else {
    countdowns_[key] = call.now + std::chrono::milliseconds(*countdown);
  }
  return ok_json(json{{"symbol", symbol->venue_symbol}, {"countdownTime", std::to_string(*countdown)}});
}

// Account Trade List (USER_DATA, weight 5), as the official page describes it:
// symbol required; fromId cannot be combined with startTime/endTime (-1128); at most
// 7 days between startTime and endTime (-1127); limit 1..1000, default 500 (-1130).
// With fromId: trades with id >= fromId; with startTime: the first `limit` trades from
// it (up to startTime + 7 days or endTime); otherwise the most recent `limit` of the 7
// days up to endTime (default now). Always oldest first. A window whose end is before
// its start holds no trade. commission is positive when paid (as the stream's `n`).
net::HttpResponse BinanceSimVenue::user_trades(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) {
    return call.params.count("symbol") ? binance_error(-1121, "Invalid symbol.")
                                       : binance_error(-1102, mandatory_message("symbol"));
  }
  std::map<std::string, std::int64_t> numbers;
  for (const char* key : {"startTime", "endTime", "fromId", "orderId", "limit"}) {
    auto it = call.params.find(key);
    if (it == call.params.end()) continue;
    auto value = to_int(it->second);
    if (!value) return binance_error(-1102, mandatory_message(key));
    numbers[key] = *value;
  }
  auto number = [&](const char* key) -> std::optional<std::int64_t> {
    auto it = numbers.find(key);
    return it == numbers.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
  };
  constexpr std::int64_t kSevenDaysMs = 7LL * 24 * 3600 * 1000;
  const auto start = number("startTime");
  const auto end = number("endTime");
  const auto from_id = number("fromId");
  const auto order_id = number("orderId");
  const std::int64_t limit = number("limit").value_or(500);
  if (limit < 1 || limit > 1000) return binance_error(-1130, "Data sent for parameter 'limit' is not valid.");
  if (from_id && (start || end)) return binance_error(-1128, "Combination of optional parameters invalid.");
  if (start && end && *end - *start > kSevenDaysMs) {
    return binance_error(-1127, "More than 168 hours between startTime and endTime.");
  }
  std::int64_t window_start = std::numeric_limits<std::int64_t>::min();
  std::int64_t window_end = std::numeric_limits<std::int64_t>::max();
  if (!from_id) {
    if (start) {
      window_start = *start;
      window_end = end ? *end : *start + kSevenDaysMs;
    } else {
      window_end = end ? *end : to_unix_ms(call.utc);
      window_start = window_end - kSevenDaysMs;
    }
  }
  std::vector<Fill> selected;
  for (const auto& record : core_.trades(call.account, canonical)) {
    const Fill& fill = record.fill;
    const std::int64_t time = to_unix_ms(fill.ts);
    if (from_id && to_int(fill.trade_id).value_or(0) < *from_id) continue;
    if (time < window_start || time > window_end) continue;
    if (order_id && to_int(fill.venue_order_id).value_or(0) != *order_id) continue;
    selected.push_back(fill);
  }
  const auto count = static_cast<std::size_t>(limit);
  if (selected.size() > count) {
    if (from_id || start) {
      selected.resize(count);  // the first `limit` from the start point
    } else {
      selected.erase(selected.begin(), selected.end() - static_cast<std::ptrdiff_t>(count));  // the most recent
    }
  }
  json out = json::array();
  for (const Fill& fill : selected) {
    auto quote = fill.price.mul(fill.quantity);
    out.push_back({{"symbol", symbol->venue_symbol},
                   {"id", to_int(fill.trade_id).value_or(0)},
                   {"orderId", to_int(fill.venue_order_id).value_or(0)},
                   {"side", std::string(bn::to_wire(fill.side))},
                   {"price", fill.price.to_string()},
                   {"qty", fill.quantity.to_string()},
                   {"realizedPnl", fill.realized_pnl.to_string()},
                   {"quoteQty", quote ? quote->normalized().to_string() : "0"},
                   {"commission", fill.fee.to_string()},
                   {"commissionAsset", fill.fee_asset.empty() ? symbol->rules.margin_asset : fill.fee_asset},
                   {"time", to_unix_ms(fill.ts)},
                   {"positionSide", "BOTH"},
                   {"buyer", fill.side == OrderSide::buy},
                   {"maker", fill.maker}});
  }
  return ok_json(out);
}

std::string BinanceSimVenue::new_listen_key() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string key;
  for (int i = 0; i < 64; ++i) key.push_back(kAlphabet[rng_() % (sizeof(kAlphabet) - 1)]);
  return key;
}

net::HttpResponse BinanceSimVenue::listen_key(Call& call) {
  auto current = std::find_if(listen_keys_.begin(), listen_keys_.end(),
                              [&](const auto& entry) { return entry.second.account == call.account; });
  const std::string& method = call.request.method;
  if (method == "POST") {
    if (current == listen_keys_.end()) {
      current = listen_keys_.emplace(new_listen_key(), ListenKey{call.account, {}}).first;
    }
    current->second.expires = call.now + kListenKeyLifetime;
    return ok_json(json{{"listenKey", current->first}});
  }
  if (current == listen_keys_.end()) return binance_error(-1125, "This listenKey does not exist.");
  if (method == "PUT") {
    current->second.expires = call.now + kListenKeyLifetime;
    return ok_json(json{{"listenKey", current->first}});
  }
  listen_keys_.erase(current);
  return ok_json(json::object());
}

// --- market model --------------------------------------------------------------------------

void BinanceSimVenue::on_market_tick(const std::vector<MarketTick>& ticks) {
  std::lock_guard lock(mutex_);
  ++ticks_;
  const UtcTime utc = clock_.utc();
  std::vector<Event> events;
  std::vector<SymbolState*> touched;
  for (const auto& tick : ticks) {
    auto it = symbols_.find(tick.symbol);
    if (it == symbols_.end() || !(tick.mid > 0)) continue;
    SymbolState& s = it->second;
    const double tick_size = s.rules.tick.to_double();
    const double step = s.rules.step.to_double();
    const double half = tick.mid * tick.spread_bps / 2.0 / 10'000.0;
    std::int64_t bid_ticks = static_cast<std::int64_t>(std::floor((tick.mid - half) / tick_size + 1e-9));
    std::int64_t ask_ticks = static_cast<std::int64_t>(std::ceil((tick.mid + half) / tick_size - 1e-9));
    if (ask_ticks <= bid_ticks) ask_ticks = bid_ticks + 1;
    const std::int64_t min_lots = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(s.rules.min_qty.to_double() / step - 1e-9)));
    std::vector<PriceLevel> bids;
    std::vector<PriceLevel> asks;
    const int levels = std::max(1, tick.depth_levels);
    auto level = [&](std::int64_t ticks_at) -> std::optional<PriceLevel> {
      if (ticks_at <= 0) return std::nullopt;
      auto price = Decimal::from_ticks(ticks_at, s.rules.tick);
      if (!price) return std::nullopt;
      const double price_value = price->to_double();
      const std::int64_t notional_lots = static_cast<std::int64_t>(
          std::ceil(s.rules.min_notional.to_double() / (price_value * step) + 1e-9));
      // At least ten minimum orders per level, so a small order takes one level only.
      const std::int64_t lots = 10 * std::max(min_lots, notional_lots) + static_cast<std::int64_t>(rng_() % 1000);
      auto quantity = Decimal::from_ticks(lots, s.rules.step);
      if (!quantity) return std::nullopt;
      return PriceLevel{*price, *quantity};
    };
    for (int i = 0; i < levels; ++i) {
      if (auto l = level(bid_ticks - i)) bids.push_back(*l);
      if (auto l = level(ask_ticks + i)) asks.push_back(*l);
    }
    core_.replace_liquidity(tick.symbol, config_.market_maker_account, bids, asks, utc, events);
    s.maker_bids = std::move(bids);
    s.maker_asks = std::move(asks);
    const double mark_value = tick.mark > 0 ? tick.mark : tick.mid;
    if (auto mark = Decimal::from_double(mark_value, std::min(8, s.rules.tick.scale() + 2))) {
      core_.set_mark(tick.symbol, *mark, utc, events);
    }
    s.tick = tick;
    touched.push_back(&s);
  }
  if (faults_.disconnect_websockets) {
    faults_.disconnect_websockets = false;
    close_all_sessions();
  }
  deliver(events, utc);
  run_timers(clock_.now(), utc);
  if (!faults_.stale_books) {
    for (SymbolState* s : touched) {
      publish_book(*s, utc);
      publish_mark(*s, utc);
    }
  }
}

void BinanceSimVenue::settle_funding() {
  std::lock_guard lock(mutex_);
  const UtcTime utc = clock_.utc();
  std::vector<Event> events;
  for (const auto& [canonical, s] : symbols_) {
    if (!s.tick) continue;
    auto rate = Decimal::from_double(s.tick->funding_rate, 8);
    auto mark = core_.accounts().mark(canonical);
    if (!rate || !mark) continue;
    core_.apply_funding(canonical, *rate, *mark, utc, events);
  }
  deliver(events, utc);
}

void BinanceSimVenue::force_mark(const std::string& symbol, Decimal mark) {
  std::lock_guard lock(mutex_);
  if (!symbols_.count(symbol)) return;
  const UtcTime utc = clock_.utc();
  std::vector<Event> events;
  core_.set_mark(symbol, mark, utc, events);
  deliver(events, utc);
}

Status BinanceSimVenue::create_account(const SimAccountSpec& spec) {
  std::lock_guard lock(mutex_);
  if (spec.api_key.empty() || spec.api_secret.empty()) {
    return make_error(Errc::invalid_argument, "a Binance account needs an api_key and an api_secret");
  }
  if (accounts_by_key_.count(spec.api_key)) {
    return make_error(Errc::already_exists, "an account with this API key exists already");
  }
  AccountState account{"account-" + std::to_string(next_account_++), spec.api_key, spec.api_secret};
  Decimal usdt;
  if (auto it = spec.balances.find("USDT"); it != spec.balances.end()) usdt = it->second;
  std::vector<Event> events;
  if (!core_.open_account(account.id, usdt, clock_.utc(), events)) {
    return make_error(Errc::already_exists, "account " + account.id + " exists already");
  }
  account_ids_[account.id] = spec.api_key;
  accounts_by_key_.emplace(spec.api_key, std::move(account));
  return {};
}

void BinanceSimVenue::set_faults(const FaultPlan& plan) {
  std::lock_guard lock(mutex_);
  faults_ = plan;
  reject_countdown_ = plan.reject_nth_order;
  storm_seen_ = 0;
  if (faults_.disconnect_websockets || faults_.websockets_down) {
    faults_.disconnect_websockets = false;
    close_all_sessions();
  }
}

json BinanceSimVenue::describe() const {
  std::lock_guard lock(mutex_);
  const UtcTime utc = clock_.utc();
  json accounts = json::array();
  for (const auto& [key, account] : accounts_by_key_) {
    json positions = json::array();
    for (const auto& p : core_.positions(account.id)) {
      positions.push_back({{"symbol", p.symbol},
                           {"quantity", p.quantity.to_string()},
                           {"entry_price", p.entry_price.to_string()},
                           {"unrealized_pnl", p.unrealized_pnl.to_string()}});
    }
    json balances = json::array();
    for (const auto& b : core_.balances(account.id, utc)) {
      balances.push_back({{"asset", b.asset}, {"wallet", b.wallet.to_string()}, {"available", b.available.to_string()}});
    }
    accounts.push_back({{"account", account.id},
                        {"api_key_prefix", key.substr(0, std::min<std::size_t>(6, key.size()))},
                        {"balances", balances},
                        {"positions", positions},
                        {"open_orders", core_.open_orders(account.id).size()}});
  }
  json books = json::object();
  for (const auto& [canonical, s] : symbols_) {
    books[canonical] = {{"last_update_id", s.last_update_id}, {"bid_levels", s.bids.size()}, {"ask_levels", s.asks.size()}};
  }
  const FaultPlan& f = faults_;
  return json{{"name", config_.name},
              {"protocol", "binance"},
              {"accounts", accounts},
              {"books", books},
              {"faults",
               {{"added_latency_ms", f.added_latency_ms},
                {"partial_fill_ratio", f.partial_fill_ratio},
                {"reject_nth_order", f.reject_nth_order},
                {"reject_code", f.reject_code},
                {"rate_limit_429_count", f.rate_limit_429_count},
                {"retry_after_s", f.retry_after_s},
                {"ban_after_429s", f.ban_after_429s},
                {"ban_s", f.ban_s},
                {"websockets_down", f.websockets_down},
                {"drop_every_nth_diff", f.drop_every_nth_diff},
                {"corrupt_next_snapshot", f.corrupt_next_snapshot},
                {"stale_books", f.stale_books},
                {"maintenance", f.maintenance},
                {"read_only", f.read_only},
                {"clock_skew_ms", f.clock_skew_ms}}},
              {"counters",
               {{"requests", requests_},
                {"orders_placed", orders_placed_},
                {"orders_rejected", orders_rejected_},
                {"answered_429", answered_429_},
                {"answered_418", answered_418_},
                {"diffs_published", diffs_published_},
                {"diffs_dropped", diffs_dropped_},
                {"ticks", ticks_},
                {"websocket_sessions", sessions_.size()},
                {"listen_keys", listen_keys_.size()},
                {"banned", banned_until_.has_value()}}}};
}

// --- timers --------------------------------------------------------------------------------

void BinanceSimVenue::run_timers(MonoTime now, UtcTime utc) {
  std::vector<Event> events;
  for (auto it = countdowns_.begin(); it != countdowns_.end();) {
    if (now >= it->second) {
      (void)core_.cancel_all(it->first.first, it->first.second, utc, events);
      it = countdowns_.erase(it);
    } else {
      ++it;
    }
  }
  deliver(events, utc);
  for (auto it = listen_keys_.begin(); it != listen_keys_.end();) {
    if (now < it->second.expires) {
      ++it;
      continue;
    }
    const std::string frame = json{{"e", "listenKeyExpired"}, {"E", std::to_string(to_unix_ms(utc))}, {"listenKey", it->first}}.dump();
    for (auto& [id, session] : sessions_) {
      if (session.listen_key == it->first) {
        session.session->send(frame);
        session.listen_key.clear();
      }
    }
    it = listen_keys_.erase(it);
  }
}

// --- publishing ----------------------------------------------------------------------------

void BinanceSimVenue::deliver(const std::vector<Event>& events, UtcTime utc) {
  if (events.empty()) return;
  const std::int64_t now_ms = to_unix_ms(utc);
  std::set<std::string> touched_symbols;
  // Frames per account, in event order; consecutive balance/position changes of one
  // account become one ACCOUNT_UPDATE.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> frames;  // account → (event type, frame)
  std::map<std::string, std::vector<const Event*>> runs;
  auto flush = [&](const std::string& account) {
    auto& run = runs[account];
    if (run.empty()) return;
    frames[account].emplace_back("ACCOUNT_UPDATE", wire::account_update(run, now_ms));
    run.clear();
  };
  for (const Event& event : events) {
    const std::string& account = event_account(event);
    if (std::holds_alternative<BalanceChanged>(event) || std::holds_alternative<PositionChanged>(event)) {
      runs[account].push_back(&event);
      continue;
    }
    flush(account);
    std::string frame;
    if (wire::order_trade_update(event, now_ms, frame)) frames[account].emplace_back("ORDER_TRADE_UPDATE", frame);
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, OrderAccepted> || std::is_same_v<T, OrderFilled> ||
                        std::is_same_v<T, OrderCanceled> || std::is_same_v<T, OrderExpired>) {
            touched_symbols.insert(e.order.symbol);
          }
        },
        event);
  }
  for (auto& [account, run] : runs) flush(account);

  for (auto& [id, session] : sessions_) {
    if (session.listen_key.empty()) continue;
    auto key = listen_keys_.find(session.listen_key);
    if (key == listen_keys_.end()) continue;
    auto account_frames = frames.find(key->second.account);
    if (account_frames == frames.end()) continue;
    for (const auto& [type, frame] : account_frames->second) {
      if (session.events.empty() || session.events.count(type)) session.session->send(frame);
    }
  }
  if (faults_.stale_books) return;
  // The market model's own replacements do not appear as events (its account is
  // quiet): on_market_tick publishes the symbols it ticked itself.
  for (const auto& canonical : touched_symbols) publish_book(symbols_.at(canonical), utc);
}

void BinanceSimVenue::publish_book(SymbolState& s, UtcTime utc) {
  const OrderBookEngine* book = core_.book(s.rules.symbol);
  if (book == nullptr) return;
  std::map<Decimal, Decimal> bids;
  std::map<Decimal, Decimal> asks;
  for (const auto& level : book->depth(OrderSide::buy, kPublishedLevels)) bids[level.price] = level.quantity;
  for (const auto& level : book->depth(OrderSide::sell, kPublishedLevels)) asks[level.price] = level.quantity;
  auto diff = [](const std::map<Decimal, Decimal>& before, const std::map<Decimal, Decimal>& after) {
    json out = json::array();
    for (const auto& [price, quantity] : before) {
      if (!after.count(price)) out.push_back({price.to_string(), "0"});
    }
    for (const auto& [price, quantity] : after) {
      auto it = before.find(price);
      if (it == before.end() || it->second != quantity) out.push_back({price.to_string(), quantity.to_string()});
    }
    return out;
  };
  json bid_changes = diff(s.bids, bids);
  json ask_changes = diff(s.asks, asks);
  if (bid_changes.empty() && ask_changes.empty()) return;
  const std::int64_t changes = static_cast<std::int64_t>(bid_changes.size() + ask_changes.size());
  const std::int64_t previous = s.last_update_id;
  const std::int64_t first = previous + 1;
  const std::int64_t last = previous + changes;
  s.bids = std::move(bids);
  s.asks = std::move(asks);
  s.last_update_id = last;
  ++s.diffs;
  const std::int64_t now_ms = to_unix_ms(utc);
  if (faults_.drop_every_nth_diff > 0 && s.diffs % static_cast<std::uint64_t>(faults_.drop_every_nth_diff) == 0) {
    ++diffs_dropped_;
  } else {
    ++diffs_published_;
    const std::string raw = json{{"e", "depthUpdate"},
                                 {"E", now_ms},
                                 {"T", now_ms},
                                 {"s", s.venue_symbol},
                                 {"U", first},
                                 {"u", last},
                                 {"pu", previous},
                                 {"b", bid_changes},
                                 {"a", ask_changes}}
                                .dump();
    for (const char* suffix : {"@depth", "@depth@100ms", "@depth@500ms"}) publish(s.stream_symbol + suffix, raw);
  }
  std::optional<std::pair<Decimal, Decimal>> best_bid;
  std::optional<std::pair<Decimal, Decimal>> best_ask;
  if (!s.bids.empty()) best_bid = *s.bids.rbegin();
  if (!s.asks.empty()) best_ask = *s.asks.begin();
  if (best_bid != s.published_bid || best_ask != s.published_ask) {
    s.published_bid = best_bid;
    s.published_ask = best_ask;
    const std::string raw = json{{"e", "bookTicker"},
                                 {"u", s.last_update_id},
                                 {"E", now_ms},
                                 {"T", now_ms},
                                 {"s", s.venue_symbol},
                                 {"b", best_bid ? best_bid->first.to_string() : "0"},
                                 {"B", best_bid ? best_bid->second.to_string() : "0"},
                                 {"a", best_ask ? best_ask->first.to_string() : "0"},
                                 {"A", best_ask ? best_ask->second.to_string() : "0"}}
                                .dump();
    publish(s.stream_symbol + "@bookTicker", raw);
  }
}

void BinanceSimVenue::publish_mark(const SymbolState& s, UtcTime utc) {
  auto mark = core_.accounts().mark(s.rules.symbol);
  if (!mark || !s.tick) return;
  std::string index = mark->to_string();
  if (auto d = Decimal::from_double(s.tick->index > 0 ? s.tick->index : s.tick->mid, 8)) index = d->normalized().to_string();
  std::string rate = "0";
  if (auto d = Decimal::from_double(s.tick->funding_rate, 8)) rate = d->to_string();
  const std::string raw = json{{"e", "markPriceUpdate"},
                               {"E", to_unix_ms(utc)},
                               {"s", s.venue_symbol},
                               {"p", mark->to_string()},
                               {"i", index},
                               {"P", mark->to_string()},
                               {"r", rate},
                               {"T", next_funding_ms(utc)}}
                              .dump();
  publish(s.stream_symbol + "@markPrice", raw);
  publish(s.stream_symbol + "@markPrice@1s", raw);
}

void BinanceSimVenue::publish(const std::string& stream, const std::string& raw) {
  std::shared_ptr<const std::string> raw_message;
  std::shared_ptr<const std::string> combined_message;
  for (auto& [id, session] : sessions_) {
    if (!session.streams.count(stream)) continue;
    if (session.combined) {
      if (!combined_message) {
        combined_message = std::make_shared<const std::string>("{\"stream\":" + json(stream).dump() + ",\"data\":" + raw + "}");
      }
      session.session->send(combined_message);
    } else {
      if (!raw_message) raw_message = std::make_shared<const std::string>(raw);
      session.session->send(raw_message);
    }
  }
}

void BinanceSimVenue::close_all_sessions() {
  for (auto& [id, session] : sessions_) session.session->close(1001, "simulated disconnect");
}

// --- WebSocket sessions --------------------------------------------------------------------

void BinanceSimVenue::on_ws_open(const std::shared_ptr<net::WebSocketSession>& session,
                                 const net::HttpRequest& request, std::set<std::string> streams,
                                 bool combined_from_query) {
  std::lock_guard lock(mutex_);
  if (faults_.websockets_down) {
    // Accepted by the server, then dropped at once: the client sees an outage.
    session->close(1001, "simulated outage");
    return;
  }
  SessionState state;
  state.session = session;
  state.streams = std::move(streams);
  state.combined = combined_from_query;
  if (combined_from_query) {
    if (auto it = request.query.find("streams"); it != request.query.end()) {
      for (auto& name : split(it->second, '/')) state.streams.insert(name);
    }
  }
  if (auto it = request.query.find("listenKey"); it != request.query.end()) {
    if (!listen_keys_.count(it->second)) {
      session->close(1008, "invalid listenKey");
      return;
    }
    state.listen_key = it->second;
    if (auto events = request.query.find("events"); events != request.query.end()) {
      for (auto& name : split(events->second, '/')) state.events.insert(name);
    }
  } else if (request.path == "/private/ws") {
    session->close(1008, "listenKey required");
    return;
  } else if (state.streams.empty() && !combined_from_query && request.path.rfind("/ws/", 0) == 0) {
    // /ws/<listenKey>: every user data event of that key.
    const std::string key = request.path.substr(4);
    if (!listen_keys_.count(key)) {
      session->close(1008, "invalid listenKey");
      return;
    }
    state.listen_key = key;
  }
  sessions_[session->id()] = std::move(state);
}

void BinanceSimVenue::on_ws_message(const std::shared_ptr<net::WebSocketSession>& session, std::string_view text) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(session->id());
  if (it == sessions_.end()) return;
  json message = parse_json_or_discarded(text);
  if (message.is_discarded()) {
    session->send(json{{"code", 3}, {"msg", "Invalid JSON: could not parse the message"}}.dump());
    return;
  }
  const json id = message.contains("id") ? message["id"] : json();
  const std::string method = message.value("method", "");
  const json params = message.contains("params") ? message["params"] : json::array();
  if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
    if (!params.is_array()) {
      session->send(json{{"code", 2}, {"msg", "Invalid request: params must be an array"}, {"id", id}}.dump());
      return;
    }
    for (const auto& name : params) {
      if (!name.is_string()) continue;
      if (method == "SUBSCRIBE") {
        it->second.streams.insert(name.get<std::string>());
      } else {
        it->second.streams.erase(name.get<std::string>());
      }
    }
    session->send(json{{"result", nullptr}, {"id", id}}.dump());
  } else if (method == "LIST_SUBSCRIPTIONS") {
    session->send(json{{"result", it->second.streams}, {"id", id}}.dump());
  } else if (method == "SET_PROPERTY" && params.is_array() && params.size() == 2 && params[0] == "combined") {
    it->second.combined = params[1].is_boolean() && params[1].get<bool>();
    session->send(json{{"result", nullptr}, {"id", id}}.dump());
  } else {
    session->send(json{{"code", 2}, {"msg", "Invalid request: unknown method"}, {"id", id}}.dump());
  }
}

void BinanceSimVenue::on_ws_close(const std::shared_ptr<net::WebSocketSession>& session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session->id());
}

}  // namespace

std::unique_ptr<SimulatedVenue> make_binance_venue(const SimVenueConfig& config, const Clock& clock) {
  return std::make_unique<BinanceSimVenue>(config, clock);
}

}  // namespace propbot::venues::sim
