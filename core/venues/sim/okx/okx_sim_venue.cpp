#include "core/venues/sim/okx/okx_sim_venue.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/net/http_types.hpp"
#include "core/common/json_util.hpp"
#include "core/md/okx_book_sync.hpp"
#include "core/md/okx_books.hpp"
#include "core/venues/okx/errors.hpp"
#include "core/venues/okx/signing.hpp"
#include "core/venues/okx/symbols.hpp"
#include "core/venues/sim/engine/exchange_core.hpp"
#include "core/venues/sim/okx/okx_sim_wire.hpp"

namespace propbot::venues::sim {
namespace {

using nlohmann::json;
namespace wire = okx_wire;

constexpr auto kTimestampWindow = std::chrono::seconds(30);
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr int kMaxLatencyMs = 2000;
constexpr std::size_t kMaxBatch = 20;
constexpr std::size_t kMaxBookLevels = 400;
constexpr std::int64_t kFirstSyntheticOrderId = 9'000'000'000'000;
constexpr std::string_view kPublicPath = "/ws/v5/public";
constexpr std::string_view kPrivatePath = "/ws/v5/private";
constexpr std::string_view kBusinessPath = "/ws/v5/business";

// One listed swap with its OKX unit conversions.
struct Instrument {
  InstrumentRules rules;
  std::string inst_id;
  Decimal ct_val;
  Decimal lot_sz;  // contracts
  Decimal min_sz;  // contracts
};

struct ApiCredentials {
  std::string secret;
  std::string passphrase;
  std::string account;
};

// A price level as published on the books channel (exact strings).
struct WireLevel {
  std::string px;
  std::string sz;
};

struct MarketState {
  bool has_tick = false;
  MarketTick tick;
  Decimal mark;
  Decimal index;
  Decimal funding_rate;
  std::vector<WireLevel> bids;  // last published, best first
  std::vector<WireLevel> asks;
  std::int64_t seq_id = 0;
  std::int64_t diffs = 0;
};

// What the engine's OrderState lacks for OKX order fields.
struct OrderExtra {
  UtcTime created{};
  std::string cancel_source;
  Decimal fee;  // cumulative, positive = paid
  Decimal pnl;
  bool auto_client_id = false;
};

// A post_only order refused by the engine because it would take: OKX accepts it and
// cancels it (cancelSource 31). It never reached the book.
struct SyntheticOrder {
  std::string account;
  OrderState state;
};

struct Subscription {
  std::string channel;
  std::string inst_id;  // empty for private channels
  json arg;
};

struct Session {
  std::shared_ptr<net::WebSocketSession> socket;
  bool is_private = false;
  std::string account;  // set after login
  std::vector<Subscription> subscriptions;

  bool subscribed(std::string_view channel, std::string_view inst_id) const {
    return std::any_of(subscriptions.begin(), subscriptions.end(), [&](const Subscription& s) {
      return s.channel == channel && (inst_id.empty() || s.inst_id.empty() || s.inst_id == inst_id);
    });
  }
};

net::HttpResponse make_response(int status, std::string body) {
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

net::HttpResponse error_response(std::string_view code, std::string_view msg = {}) {
  auto [status, body] = venues::okx::error_body(code, msg);
  return make_response(status == 0 ? 400 : status, std::move(body));
}

// GET endpoints answer request errors at the top level: {"code":"51603","msg":..,"data":[]}.
net::HttpResponse top_level_error(std::string_view code, std::string_view msg) {
  json body = {{"code", std::string(code)}, {"msg", std::string(msg)}, {"data", json::array()}};
  return make_response(200, body.dump());
}

json order_item(const std::string& ord_id, const std::string& cl_ord_id, std::string_view s_code,
                std::string_view s_msg, UtcTime now) {
  return json{{"ordId", ord_id},          {"clOrdId", cl_ord_id},         {"tag", ""},
              {"ts", wire::ms_text(now)}, {"sCode", std::string(s_code)}, {"sMsg", std::string(s_msg)}};
}

std::optional<std::string> string_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  return std::nullopt;
}

std::string default_contract_value_base(const std::string& canonical) {
  const std::string base = canonical.substr(0, canonical.find('-'));
  if (base == "BTC") return "0.01";
  if (base == "ETH") return "0.1";
  return "1";
}

std::string conn_id(std::uint64_t id) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%08llx", static_cast<unsigned long long>(id * 2654435761ULL % 0xffffffffULL));
  return buffer;
}

json levels_json(const std::vector<WireLevel>& levels, std::size_t limit = kMaxBookLevels) {
  json out = json::array();
  for (std::size_t i = 0; i < levels.size() && i < limit; ++i) {
    out.push_back(json::array({levels[i].px, levels[i].sz, "0", "1"}));
  }
  return out;
}

std::int32_t checksum_of(const std::vector<WireLevel>& bids, const std::vector<WireLevel>& asks) {
  std::vector<md::OkxBookLevel> raw_bids, raw_asks;
  const auto convert = [](const std::vector<WireLevel>& in, std::vector<md::OkxBookLevel>& out) {
    for (std::size_t i = 0; i < in.size() && i < 25; ++i) {
      md::OkxBookLevel level;
      level.price_text.assign(in[i].px);
      level.size_text.assign(in[i].sz);
      out.push_back(level);
    }
  };
  convert(bids, raw_bids);
  convert(asks, raw_asks);
  return md::okx_book_checksum(raw_bids, raw_asks);
}

// Levels changed between two best-first sides: new or resized levels with their new
// size, removed levels with size "0".
json diff_side(const std::vector<WireLevel>& before, const std::vector<WireLevel>& after) {
  std::map<std::string, std::string> old_sizes;
  for (const auto& level : before) old_sizes[level.px] = level.sz;
  json out = json::array();
  std::set<std::string> seen;
  for (const auto& level : after) {
    seen.insert(level.px);
    auto it = old_sizes.find(level.px);
    if (it == old_sizes.end() || it->second != level.sz) {
      out.push_back(json::array({level.px, level.sz, "0", "1"}));
    }
  }
  for (const auto& level : before) {
    if (!seen.count(level.px)) out.push_back(json::array({level.px, "0", "0", "0"}));
  }
  return out;
}

class OkxSimVenue final : public SimulatedVenue {
 public:
  OkxSimVenue(const SimVenueConfig& config, const Clock& clock) : config_(config), clock_(clock), rng_(config.seed) {
    for (const InstrumentRules& rules : config.instruments) {
      auto inst_id = venues::okx::to_inst_id(rules.symbol);
      if (!inst_id) throw std::invalid_argument("okx sim: " + inst_id.error().message);
      Instrument instrument;
      instrument.rules = rules;
      instrument.inst_id = *inst_id;
      instrument.ct_val = rules.contract_multiplier == Decimal::from_mantissa(1, 0)
                              ? *Decimal::parse(default_contract_value_base(rules.symbol))
                              : rules.contract_multiplier;
      instrument.lot_sz = wire::base_to_contracts(rules.step, instrument.ct_val);
      instrument.min_sz = wire::base_to_contracts(rules.min_qty, instrument.ct_val);
      core_.add_instrument(rules);
      by_inst_id_[instrument.inst_id] = rules.symbol;
      instruments_[rules.symbol] = std::move(instrument);
      markets_[rules.symbol] = MarketState{};
    }
    std::vector<Event> ignored;
    core_.open_account(config_.market_maker_account, Decimal::from_mantissa(1'000'000'000, 0), clock_.utc(), ignored,
                       /*margin_exempt=*/true);
    core_.set_quiet(config_.market_maker_account, true);
  }

  std::string_view protocol() const override { return "okx"; }

  Status install(net::Router& router, net::HttpServer& server) override {
    add_route(router, "GET", "/api/v5/public/time", false, &OkxSimVenue::get_time);
    add_route(router, "GET", "/api/v5/public/instruments", false, &OkxSimVenue::get_instruments);
    add_route(router, "GET", "/api/v5/market/books", false, &OkxSimVenue::get_books);
    add_route(router, "GET", "/api/v5/public/funding-rate", false, &OkxSimVenue::get_funding_rate);
    add_route(router, "GET", "/api/v5/public/mark-price", false, &OkxSimVenue::get_mark_price);
    add_route(router, "POST", "/api/v5/trade/order", true, &OkxSimVenue::post_order);
    add_route(router, "GET", "/api/v5/trade/order", true, &OkxSimVenue::get_order);
    add_route(router, "POST", "/api/v5/trade/batch-orders", true, &OkxSimVenue::post_batch_orders);
    add_route(router, "POST", "/api/v5/trade/cancel-order", true, &OkxSimVenue::post_cancel_order);
    add_route(router, "POST", "/api/v5/trade/cancel-batch-orders", true, &OkxSimVenue::post_cancel_batch);
    add_route(router, "GET", "/api/v5/trade/orders-pending", true, &OkxSimVenue::get_orders_pending);
    add_route(router, "GET", "/api/v5/trade/fills", true, &OkxSimVenue::get_fills);
    add_route(router, "POST", "/api/v5/trade/cancel-all-after", true, &OkxSimVenue::post_cancel_all_after);
    add_route(router, "GET", "/api/v5/account/positions", true, &OkxSimVenue::get_positions);
    add_route(router, "GET", "/api/v5/account/balance", true, &OkxSimVenue::get_balance);
    add_route(router, "POST", "/api/v5/account/set-leverage", true, &OkxSimVenue::post_set_leverage);

    net::WebSocketOptions options;
    options.idle_timeout = kIdleTimeout;
    for (std::string_view path : {kPublicPath, kPrivatePath, kBusinessPath}) {
      const bool is_private = path == kPrivatePath;
      net::WebSocketHandler handler;
      handler.on_open = [this, is_private](const std::shared_ptr<net::WebSocketSession>& socket,
                                           const net::HttpRequest&) {
        std::lock_guard lock(mutex_);
        if (faults_.websockets_down) {
          // Accepted by the server, then dropped at once: the client sees an outage.
          socket->close(1001, "simulated outage");
          return;
        }
        sessions_[socket->id()] = Session{socket, is_private, {}, {}};
      };
      handler.on_message = [this](const std::shared_ptr<net::WebSocketSession>& socket, std::string_view text) {
        on_ws_message(socket, text);
      };
      handler.on_close = [this](const std::shared_ptr<net::WebSocketSession>& socket) {
        std::lock_guard lock(mutex_);
        sessions_.erase(socket->id());
      };
      if (Status status = server.add_websocket(std::string(path), std::move(handler), options); !status) return status;
    }
    return {};
  }

  void on_market_tick(const std::vector<MarketTick>& ticks) override {
    std::lock_guard lock(mutex_);
    const UtcTime now = clock_.utc();
    std::vector<Event> events;
    std::vector<std::string> ticked;
    for (const MarketTick& tick : ticks) {
      auto it = instruments_.find(tick.symbol);
      if (it == instruments_.end() || !(tick.mid > 0)) continue;
      const Instrument& instrument = it->second;
      MarketState& market = markets_[tick.symbol];
      market.has_tick = true;
      market.tick = tick;
      quote_around(instrument, tick, now, events);
      const int scale = instrument.rules.tick.normalized().scale() + 2;
      const double mark = tick.mark > 0 ? tick.mark : tick.mid;
      if (auto m = Decimal::from_double(mark, scale)) {
        market.mark = m->normalized();
        core_.set_mark(tick.symbol, market.mark, now, events);
      }
      if (auto i = Decimal::from_double(tick.index > 0 ? tick.index : mark, scale)) market.index = i->normalized();
      if (auto r = Decimal::from_double(tick.funding_rate, 8)) market.funding_rate = r->normalized();
      ticked.push_back(tick.symbol);
    }
    fire_dead_man_switches(now, events);
    push_events(events, now);
    if (!faults_.stale_books) {
      for (const std::string& symbol : ticked) publish_market(symbol, now);
    }
  }

  void settle_funding() override {
    std::lock_guard lock(mutex_);
    const UtcTime now = clock_.utc();
    std::vector<Event> events;
    for (auto& [symbol, market] : markets_) {
      if (!market.has_tick) continue;
      core_.apply_funding(symbol, market.funding_rate, market.mark, now, events);
    }
    push_events(events, now);
  }

  Status create_account(const SimAccountSpec& spec) override {
    std::lock_guard lock(mutex_);
    if (spec.api_key.empty() || spec.api_secret.empty()) {
      return make_error(Errc::invalid_argument, "okx sim: api_key and api_secret are required");
    }
    if (credentials_.count(spec.api_key)) {
      return make_error(Errc::already_exists, "okx sim: api key already registered");
    }
    Decimal usdt;
    if (auto it = spec.balances.find("USDT"); it != spec.balances.end()) usdt = it->second;
    std::vector<Event> events;
    if (!core_.open_account(spec.api_key, usdt, clock_.utc(), events)) {
      return make_error(Errc::already_exists, "okx sim: account already exists");
    }
    credentials_[spec.api_key] = ApiCredentials{spec.api_secret, spec.passphrase, spec.api_key};
    return {};
  }

  FaultPlan faults() const override {
    std::lock_guard lock(mutex_);
    return faults_;
  }

  void set_faults(const FaultPlan& plan) override {
    std::vector<std::shared_ptr<net::WebSocketSession>> to_close;
    {
      std::lock_guard lock(mutex_);
      if (plan.rate_limit_429_count != faults_.rate_limit_429_count) storm_429s_ = 0;
      if (plan.reject_nth_order != faults_.reject_nth_order) orders_since_fault_ = 0;
      faults_ = plan;
      if (faults_.disconnect_websockets || faults_.websockets_down) {
        faults_.disconnect_websockets = false;
        for (auto& [id, session] : sessions_) to_close.push_back(session.socket);
        ++counters_.disconnects;
      }
    }
    for (auto& socket : to_close) socket->close(1001, "simulated disconnect");
  }

  void force_mark(const std::string& symbol, Decimal mark) override {
    std::lock_guard lock(mutex_);
    if (!instruments_.count(symbol)) return;
    const UtcTime now = clock_.utc();
    std::vector<Event> events;
    markets_[symbol].mark = mark;
    core_.set_mark(symbol, mark, now, events);
    push_events(events, now);
  }

  json describe() const override {
    std::lock_guard lock(mutex_);
    const UtcTime now = clock_.utc();
    json out;
    out["name"] = config_.name;
    out["protocol"] = "okx";
    out["instruments"] = json::array();
    for (const auto& [symbol, instrument] : instruments_) out["instruments"].push_back(instrument_json(instrument));
    out["accounts"] = json::array();
    for (const auto& [key, creds] : credentials_) {
      json account;
      account["account"] = creds.account;
      account["balance"] = balance_json(creds.account, now);
      account["positions"] = positions_json(creds.account, std::nullopt, now);
      json orders = json::array();
      for (const OrderState& order : core_.open_orders(creds.account))
        orders.push_back(order_json(creds.account, order, false));
      account["open_orders"] = orders;
      if (auto it = dead_man_.find(creds.account); it != dead_man_.end())
        account["cancel_all_after_ms"] = wire::ms_text(it->second);
      out["accounts"].push_back(account);
    }
    out["faults"] = {{"added_latency_ms", faults_.added_latency_ms},
                     {"partial_fill_ratio", faults_.partial_fill_ratio},
                     {"reject_nth_order", faults_.reject_nth_order},
                     {"reject_code", faults_.reject_code},
                     {"rate_limit_429_count", faults_.rate_limit_429_count},
                     {"retry_after_s", faults_.retry_after_s},
                     {"ban_after_429s", faults_.ban_after_429s},
                     {"ban_s", faults_.ban_s},
                     {"websockets_down", faults_.websockets_down},
                     {"drop_every_nth_diff", faults_.drop_every_nth_diff},
                     {"corrupt_next_snapshot", faults_.corrupt_next_snapshot},
                     {"stale_books", faults_.stale_books},
                     {"maintenance", faults_.maintenance},
                     {"read_only", faults_.read_only},
                     {"clock_skew_ms", faults_.clock_skew_ms},
                     {"partial_fill_ratio_emulated", "gtc limit orders against the market model"}};
    out["counters"] = {
        {"requests", counters_.requests},           {"orders", counters_.orders},
        {"rate_limited", counters_.rate_limited},   {"auth_failures", counters_.auth_failures},
        {"ws_sessions", sessions_.size()},          {"ws_disconnects", counters_.disconnects},
        {"dropped_diffs", counters_.dropped_diffs}, {"banned", banned_until_.has_value() && now < *banned_until_}};
    if (banned_until_) out["counters"]["banned_until_ms"] = wire::ms_text(*banned_until_);
    return out;
  }

 private:
  using RestMethod = net::HttpResponse (OkxSimVenue::*)(const net::HttpRequest&, const std::string& account);

  struct Counters {
    std::uint64_t requests = 0;
    std::uint64_t orders = 0;
    std::uint64_t rate_limited = 0;
    std::uint64_t auth_failures = 0;
    std::uint64_t disconnects = 0;
    std::uint64_t dropped_diffs = 0;
  };

  UtcTime server_now() const { return clock_.utc() + std::chrono::milliseconds(faults_.clock_skew_ms); }

  // --- REST plumbing --------------------------------------------------------------------

  void add_route(net::Router& router, const char* method, const char* path, bool is_signed, RestMethod fn) {
    router.add(method, path,
               [this, is_signed, fn](const net::HttpRequest& request) { return handle(request, is_signed, fn); });
  }

  net::HttpResponse handle(const net::HttpRequest& request, bool is_signed, RestMethod fn) {
    int latency_ms = 0;
    {
      std::lock_guard lock(mutex_);
      latency_ms = std::clamp(faults_.added_latency_ms, 0, kMaxLatencyMs);
    }
    if (latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));
    std::lock_guard lock(mutex_);
    ++counters_.requests;
    if (auto limited = rate_limit()) return *limited;
    std::string account;
    if (is_signed) {
      auto authenticated = authenticate(request);
      if (!authenticated.first) {
        ++counters_.auth_failures;
        return authenticated.second;
      }
      account = credentials_.at(request.header("ok-access-key")).account;
      if (faults_.maintenance) return error_response("50001");
    }
    return (this->*fn)(request, account);
  }

  std::optional<net::HttpResponse> rate_limit() {
    const UtcTime now = clock_.utc();
    int retry_after = 0;
    if (banned_until_ && now < *banned_until_) {
      retry_after = static_cast<int>(std::ceil(std::chrono::duration<double>(*banned_until_ - now).count()));
    } else if (faults_.rate_limit_429_count > 0) {
      --faults_.rate_limit_429_count;
      ++storm_429s_;
      retry_after = std::max(1, faults_.retry_after_s);
      if (faults_.ban_after_429s > 0 && storm_429s_ >= faults_.ban_after_429s) {
        // OKX has no 418: a ban keeps answering 429 for its duration.
        banned_until_ = now + std::chrono::seconds(faults_.ban_s);
        retry_after = std::max(1, faults_.ban_s);
        storm_429s_ = 0;
      }
    } else {
      return std::nullopt;
    }
    ++counters_.rate_limited;
    net::HttpResponse response = error_response(
        "50011", "Rate limit reached. Please refer to API documentation and throttle requests accordingly.");
    response.status = 429;
    response.headers.emplace_back("Retry-After", std::to_string(std::max(1, retry_after)));
    return response;
  }

  std::pair<bool, net::HttpResponse> authenticate(const net::HttpRequest& request) {
    const std::string key = request.header("ok-access-key");
    const std::string sign = request.header("ok-access-sign");
    const std::string timestamp = request.header("ok-access-timestamp");
    const std::string passphrase = request.header("ok-access-passphrase");
    const auto fail = [](std::string_view code) { return std::make_pair(false, error_response(code)); };
    if (key.empty()) return fail("50103");
    if (passphrase.empty()) return fail("50104");
    if (sign.empty()) return fail("50106");
    if (timestamp.empty()) return fail("50107");
    const std::string simulated = request.header("x-simulated-trading");
    if (!simulated.empty() && simulated != "1" && simulated != "0") return fail("50101");
    auto ts = wire::parse_iso_timestamp(timestamp);
    if (!ts) return fail("50112");
    auto it = credentials_.find(key);
    if (it == credentials_.end()) return fail("50111");
    const auto delta = server_now() - *ts;
    if (delta > kTimestampWindow || delta < -kTimestampWindow) return fail("50102");
    if (it->second.passphrase != passphrase) return fail("50105");
    const std::string target = request.target.empty() ? request.path : request.target;
    if (!venues::okx::verify_signature(it->second.secret, timestamp, request.method, target, request.body, sign)) {
      return fail("50113");
    }
    return {true, net::HttpResponse{}};
  }

  const Instrument* instrument_by_inst_id(const std::string& inst_id) const {
    auto it = by_inst_id_.find(inst_id);
    return it == by_inst_id_.end() ? nullptr : &instruments_.at(it->second);
  }

  static std::optional<json> parse_body(const net::HttpRequest& request, net::HttpResponse& error) {
    if (request.body.empty()) {
      error = error_response("50000");
      return std::nullopt;
    }
    json body = parse_json_or_discarded(request.body);
    if (body.is_discarded()) {
      error = make_response(400,
                            json{{"code", "50002"}, {"msg", "Json data format error"}, {"data", json::array()}}.dump());
      return std::nullopt;
    }
    return body;
  }

  // --- JSON shapes ----------------------------------------------------------------------

  json instrument_json(const Instrument& instrument) const {
    const std::string base = instrument.rules.symbol.substr(0, instrument.rules.symbol.find('-'));
    return json{{"instType", "SWAP"},
                {"instId", instrument.inst_id},
                {"uly", instrument.rules.symbol},
                {"instFamily", instrument.rules.symbol},
                {"baseCcy", ""},
                {"quoteCcy", ""},
                {"settleCcy", instrument.rules.margin_asset},
                {"ctVal", wire::text(instrument.ct_val)},
                {"ctMult", "1"},
                {"ctValCcy", base},
                {"ctType", "linear"},
                {"tickSz", wire::text(instrument.rules.tick)},
                {"lotSz", wire::text(instrument.lot_sz)},
                {"minSz", wire::text(instrument.min_sz)},
                {"maxLmtSz", "100000000"},
                {"maxMktSz", "1000000"},
                {"lever", std::to_string(instrument.rules.max_leverage)},
                {"state", "live"},
                {"listTime", "1611916828000"},
                {"expTime", ""},
                {"alias", ""},
                {"category", "1"},
                {"ruleType", "normal"}};
  }

  std::string client_id_of(const OrderState& order) const {
    auto it = extras_.find(order.venue_order_id);
    if (it != extras_.end() && it->second.auto_client_id) return "";
    return order.client_order_id;
  }

  json order_json(const std::string& account, const OrderState& order, bool websocket,
                  const Fill* fill = nullptr) const {
    const Instrument& instrument = instruments_.at(order.symbol);
    auto extra_it = extras_.find(order.venue_order_id);
    const OrderExtra* extra = extra_it == extras_.end() ? nullptr : &extra_it->second;
    std::string state = "canceled";
    if (order.status == OrderStatus::new_order || order.status == OrderStatus::pending_new) state = "live";
    if (order.status == OrderStatus::partially_filled) state = "partially_filled";
    if (order.status == OrderStatus::filled) state = "filled";
    auto ord_type = venues::okx::to_ord_type(order.type, order.time_in_force);
    const bool filled_any = order.filled_quantity.sign() > 0;
    const Decimal fee = extra ? extra->fee : Decimal{};
    auto neg_fee = fee.negated();
    json out = {
        {"instType", "SWAP"},
        {"instId", instrument.inst_id},
        {"ordId", order.venue_order_id},
        {"clOrdId", client_id_of(order)},
        {"tag", ""},
        {"px", order.price ? wire::text(*order.price) : ""},
        {"sz", wire::text(wire::base_to_contracts(order.quantity, instrument.ct_val))},
        {"ordType", ord_type ? std::string(*ord_type) : "limit"},
        {"side", std::string(venues::okx::to_wire(order.side))},
        {"posSide", "net"},
        {"tdMode", "cross"},
        {"accFillSz", wire::text(wire::base_to_contracts(order.filled_quantity, instrument.ct_val))},
        {"avgPx", filled_any ? wire::text(order.average_price) : (websocket ? "0" : "")},
        {"state", state},
        {"lever", std::to_string(core_.accounts().leverage(account, order.symbol))},
        {"fee", neg_fee ? wire::text(*neg_fee) : "0"},
        {"feeCcy", instrument.rules.margin_asset},
        {"rebate", "0"},
        {"rebateCcy", instrument.rules.margin_asset},
        {"pnl", extra ? wire::text(extra->pnl) : "0"},
        {"cancelSource", extra ? extra->cancel_source : ""},
        {"amendSource", ""},
        {"amendResult", ""},
        {"reqId", ""},
        {"category", "normal"},
        {"reduceOnly", order.reduce_only ? "true" : "false"},
        {"stpMode", "cancel_taker"},
        {"uTime", wire::ms_text(order.updated_at)},
        {"cTime", wire::ms_text(extra ? extra->created : order.updated_at)},
        {"fillPx", ""},
        {"fillSz", "0"},
        {"tradeId", ""},
        {"fillTime", ""},
        {"fillFee", "0"},
        {"fillFeeCcy", ""},
        {"fillPnl", "0"},
        {"execType", ""},
        {"code", "0"},
        {"msg", ""},
    };
    if (fill != nullptr) {
      auto fill_fee = fill->fee.negated();
      out["fillPx"] = wire::text(fill->price);
      out["fillSz"] = wire::text(wire::base_to_contracts(fill->quantity, instrument.ct_val));
      out["tradeId"] = fill->trade_id;
      out["fillTime"] = wire::ms_text(fill->ts);
      out["fillFee"] = fill_fee ? wire::text(*fill_fee) : "0";
      out["fillFeeCcy"] = instrument.rules.margin_asset;
      out["fillPnl"] = wire::text(fill->realized_pnl);
      out["execType"] = fill->maker ? "M" : "T";
    }
    return out;
  }

  json position_json(const std::string& account, const Position& position) const {
    const Instrument& instrument = instruments_.at(position.symbol);
    const Decimal mark = position.mark_price;
    const Decimal abs_qty = position.quantity.abs().ok() ? *position.quantity.abs() : Decimal{};
    Decimal notional = abs_qty.mul(mark).ok() ? *abs_qty.mul(mark) : Decimal{};
    auto leverage = core_.accounts().leverage(account, position.symbol);
    Decimal imr = notional.div(Decimal::from_mantissa(std::max(1, leverage), 0), 8, RoundMode::up).ok()
                      ? *notional.div(Decimal::from_mantissa(std::max(1, leverage), 0), 8, RoundMode::up)
                      : Decimal{};
    Decimal mmr = notional.mul(instrument.rules.maintenance_margin_rate, 8, RoundMode::up).ok()
                      ? *notional.mul(instrument.rules.maintenance_margin_rate, 8, RoundMode::up)
                      : Decimal{};
    const std::string pos = wire::text(wire::base_to_contracts(position.quantity, instrument.ct_val));
    return json{{"instType", "SWAP"},
                {"instId", instrument.inst_id},
                {"mgnMode", "cross"},
                {"posId", instrument.inst_id + "-net"},
                {"posSide", "net"},
                {"pos", pos},
                {"availPos", ""},
                {"posCcy", ""},
                {"avgPx", wire::text(position.entry_price)},
                {"markPx", wire::text(mark)},
                {"upl", wire::text(position.unrealized_pnl)},
                {"lever", std::to_string(leverage)},
                {"liqPx", position.liquidation_price.sign() > 0 ? wire::text(position.liquidation_price) : ""},
                {"imr", wire::text(imr)},
                {"margin", ""},
                {"mmr", wire::text(mmr)},
                {"notionalUsd", wire::text(notional)},
                {"ccy", instrument.rules.margin_asset},
                {"adl", "1"},
                {"cTime", wire::ms_text(position.updated_at)},
                {"uTime", wire::ms_text(position.updated_at)}};
  }

  json positions_json(const std::string& account, const std::optional<std::string>& symbol, UtcTime) const {
    json data = json::array();
    for (const Position& position : core_.positions(account)) {
      if (symbol && position.symbol != *symbol) continue;
      if (position.quantity.is_zero()) continue;
      data.push_back(position_json(account, position));
    }
    return data;
  }

  json balance_json(const std::string& account, UtcTime now) const {
    Decimal upl;
    for (const Position& position : core_.positions(account)) {
      if (auto sum = upl.add(position.unrealized_pnl)) upl = *sum;
    }
    json details = json::array();
    Decimal total_eq;
    for (const Balance& balance : core_.balances(account, now)) {
      const Decimal eq = balance.wallet.add(upl).ok() ? *balance.wallet.add(upl) : balance.wallet;
      Decimal frozen = eq.sub(balance.available).ok() ? *eq.sub(balance.available) : Decimal{};
      if (frozen.is_negative()) frozen = Decimal{};
      if (auto sum = total_eq.add(eq)) total_eq = *sum;
      details.push_back(json{{"ccy", balance.asset},
                             {"eq", wire::text(eq)},
                             {"cashBal", wire::text(balance.wallet)},
                             {"availBal", wire::text(balance.available)},
                             {"availEq", wire::text(balance.available)},
                             {"frozenBal", wire::text(frozen)},
                             {"ordFrozen", wire::text(frozen)},
                             {"upl", wire::text(upl)},
                             {"isoEq", "0"},
                             {"eqUsd", wire::text(eq)},
                             {"uTime", wire::ms_text(now)}});
    }
    return json{{"totalEq", wire::text(total_eq)},
                {"isoEq", "0"},
                {"adjEq", wire::text(total_eq)},
                {"uTime", wire::ms_text(now)},
                {"details", details}};
  }

  // --- public REST ----------------------------------------------------------------------

  net::HttpResponse get_time(const net::HttpRequest&, const std::string&) {
    return make_response(200, wire::ok_body(json::array({json{{"ts", wire::ms_text(server_now())}}})));
  }

  net::HttpResponse get_instruments(const net::HttpRequest& request, const std::string&) {
    auto type = request.query.find("instType");
    if (type == request.query.end()) return top_level_error("51000", "Parameter instType error");
    json data = json::array();
    if (type->second == "SWAP") {
      auto inst_id = request.query.find("instId");
      for (const auto& [symbol, instrument] : instruments_) {
        if (inst_id != request.query.end() && inst_id->second != instrument.inst_id) continue;
        data.push_back(instrument_json(instrument));
      }
    }
    return make_response(200, wire::ok_body(data));
  }

  std::vector<WireLevel> current_levels(const Instrument& instrument, OrderSide side, std::size_t limit) const {
    std::vector<WireLevel> out;
    const OrderBookEngine* book = core_.book(instrument.rules.symbol);
    if (book == nullptr) return out;
    for (const PriceLevel& level : book->depth(side, limit)) {
      out.push_back(
          WireLevel{wire::text(level.price), wire::text(wire::base_to_contracts(level.quantity, instrument.ct_val))});
    }
    return out;
  }

  net::HttpResponse get_books(const net::HttpRequest& request, const std::string&) {
    auto inst_id = request.query.find("instId");
    if (inst_id == request.query.end()) return top_level_error("51000", "Parameter instId error");
    const Instrument* instrument = instrument_by_inst_id(inst_id->second);
    if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
    std::size_t depth = 1;
    if (auto sz = request.query.find("sz"); sz != request.query.end()) {
      try {
        depth = static_cast<std::size_t>(std::clamp(std::stoi(sz->second), 1, static_cast<int>(kMaxBookLevels)));
      } catch (const std::exception&) {
        return top_level_error("51000", "Parameter sz error");
      }
    }
    json book = {{"asks", levels_json(current_levels(*instrument, OrderSide::sell, depth))},
                 {"bids", levels_json(current_levels(*instrument, OrderSide::buy, depth))},
                 {"ts", wire::ms_text(server_now())}};
    return make_response(200, wire::ok_body(json::array({book})));
  }

  json funding_json(const Instrument& instrument, const MarketState& market) const {
    const auto now = server_now();
    const auto eight_hours = std::chrono::hours(8);
    const auto since_epoch = std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch());
    const UtcTime next{(since_epoch / eight_hours + 1) * eight_hours};
    return json{{"instType", "SWAP"},
                {"instId", instrument.inst_id},
                {"fundingRate", wire::text(market.funding_rate)},
                {"nextFundingRate", ""},
                {"fundingTime", wire::ms_text(next)},
                {"nextFundingTime", wire::ms_text(next + eight_hours)},
                {"method", "current_period"},
                {"ts", wire::ms_text(now)}};
  }

  json mark_json(const Instrument& instrument, const MarketState& market) const {
    return json{{"instType", "SWAP"},
                {"instId", instrument.inst_id},
                {"markPx", wire::text(market.mark)},
                {"ts", wire::ms_text(server_now())}};
  }

  net::HttpResponse get_funding_rate(const net::HttpRequest& request, const std::string&) {
    auto inst_id = request.query.find("instId");
    if (inst_id == request.query.end()) return top_level_error("51000", "Parameter instId error");
    const Instrument* instrument = instrument_by_inst_id(inst_id->second);
    if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
    return make_response(
        200, wire::ok_body(json::array({funding_json(*instrument, markets_.at(instrument->rules.symbol))})));
  }

  net::HttpResponse get_mark_price(const net::HttpRequest& request, const std::string&) {
    auto inst_id = request.query.find("instId");
    json data = json::array();
    for (const auto& [symbol, instrument] : instruments_) {
      if (inst_id != request.query.end() && inst_id->second != instrument.inst_id) continue;
      const MarketState& market = markets_.at(symbol);
      if (!market.has_tick && market.mark.is_zero()) continue;
      data.push_back(mark_json(instrument, market));
    }
    return make_response(200, wire::ok_body(data));
  }

  // --- trading REST ---------------------------------------------------------------------

  std::optional<net::HttpResponse> refuse_writes() const {
    if (faults_.read_only) return error_response("50001");
    return std::nullopt;
  }

  static std::string_view okx_code(RejectReason reason) {
    switch (reason) {
      case RejectReason::duplicate_client_id:
        return "51016";
      case RejectReason::insufficient_margin:
        return "51008";
      case RejectReason::notional_below_min:
        return "51020";
      case RejectReason::quantity_below_min:
        return "51020";
      case RejectReason::invalid_quantity:
        return "51121";
      case RejectReason::unknown_symbol:
        return "51001";
      case RejectReason::reduce_only_rejected:
        return "51169";
      case RejectReason::unknown_order:
        return "51603";
      default:
        return "51000";
    }
  }

  static std::string okx_message(RejectReason reason, const std::string& fallback) {
    switch (reason) {
      case RejectReason::duplicate_client_id:
        return "Client order ID already exists.";
      case RejectReason::insufficient_margin:
        return "Order failed. Insufficient USDT margin in account";
      case RejectReason::notional_below_min:
      case RejectReason::quantity_below_min:
        return "Below the minimum order amount";
      case RejectReason::invalid_quantity:
        return "Order quantity must be a multiple of the lot size";
      case RejectReason::unknown_symbol:
        return "Instrument ID doesn't exist";
      case RejectReason::reduce_only_rejected:
        return "Order failed because you don't have any positions in this direction for this contract to reduce or "
               "close";
      case RejectReason::missing_price:
      case RejectReason::invalid_price:
        return "Parameter px error";
      case RejectReason::invalid_client_id:
        return "Parameter clOrdId error";
      default:
        return fallback;
    }
  }

  // Places one order item; appends events; returns the data[] item.
  json place_one(const std::string& account, const json& item, UtcTime now, std::vector<Event>& events) {
    const std::string cl_ord_id = string_field(item, "clOrdId").value_or("");
    const auto fail = [&](std::string_view code, std::string msg) { return order_item("", cl_ord_id, code, msg, now); };
    if (!item.is_object()) return fail("51000", "Parameter error");
    ++counters_.orders;
    ++orders_since_fault_;
    if (faults_.reject_nth_order > 0 && orders_since_fault_ == faults_.reject_nth_order) {
      faults_.reject_nth_order = 0;
      const std::string code = faults_.reject_code.empty() ? "51000" : faults_.reject_code;
      return fail(code, "Order rejected (simulated fault)");
    }
    const auto inst_id = string_field(item, "instId");
    if (!inst_id) return fail("51000", "Parameter instId error");
    const Instrument* instrument = instrument_by_inst_id(*inst_id);
    if (instrument == nullptr) return fail("51001", "Instrument ID doesn't exist");
    const auto td_mode = string_field(item, "tdMode");
    if (!td_mode || (*td_mode != "cross" && *td_mode != "isolated")) return fail("51000", "Parameter tdMode error");
    const auto side = venues::okx::parse_side(string_field(item, "side").value_or(""));
    if (!side) return fail("51000", "Parameter side error");
    const auto kind = venues::okx::parse_ord_type(string_field(item, "ordType").value_or(""));
    if (!kind) return fail("51000", "Parameter ordType error");
    if (auto pos_side = string_field(item, "posSide"); pos_side && !pos_side->empty() && *pos_side != "net") {
      return fail("51000", "Parameter posSide error");
    }
    const auto sz_text = string_field(item, "sz");
    auto sz = sz_text ? Decimal::parse(*sz_text) : Result<Decimal>(make_error(Errc::parse_error, "sz"));
    if (!sz || sz->sign() <= 0) return fail("51000", "Parameter sz error");
    auto quantity = wire::contracts_to_base(*sz, instrument->ct_val);
    if (!quantity) return fail("51000", "Parameter sz error");
    OrderRequest request;
    request.symbol = instrument->rules.symbol;
    request.side = *side;
    request.type = kind->type;
    request.time_in_force = kind->time_in_force;
    request.quantity = *quantity;
    if (kind->type == OrderType::limit) {
      const auto px_text = string_field(item, "px");
      auto px = px_text ? Decimal::parse(*px_text) : Result<Decimal>(make_error(Errc::parse_error, "px"));
      if (!px || px->sign() <= 0) return fail("51000", "Parameter px error");
      request.price = *px;
    }
    const std::string reduce_only = string_field(item, "reduceOnly").value_or("false");
    request.reduce_only = reduce_only == "true";
    if (!cl_ord_id.empty()) {
      if (!venues::okx::validate_client_order_id(cl_ord_id)) return fail("51000", "Parameter clOrdId error");
      request.client_order_id = cl_ord_id;
    }
    if (faults_.partial_fill_ratio > 0 && faults_.partial_fill_ratio < 1) thin_liquidity_for(request, now, events);
    auto outcome = core_.place(account, request, now, events);
    if (!outcome) {
      if (outcome.reason() == RejectReason::post_only_would_take) {
        return accept_post_only_cancel(account, request, cl_ord_id, now);
      }
      return fail(okx_code(outcome.reason()), okx_message(outcome.reason(), outcome.error().venue_message));
    }
    OrderExtra& extra = extras_[outcome->venue_order_id];
    if (extra.created == UtcTime{}) extra.created = now;
    extra.auto_client_id = cl_ord_id.empty();
    return order_item(outcome->venue_order_id, cl_ord_id, "0", "Order placed", now);
  }

  // partial_fill_ratio: a GTC limit order that the market model's liquidity would fill
  // completely meets only ratio × its quantity of that liquidity (the crossing levels are
  // cut down before it arrives); the rest rests and fills when the next tick re-quotes
  // through it. Other accounts' orders are untouched; market/IOC/FOK orders are not
  // affected (their remainder would expire instead of resting).
  void thin_liquidity_for(const OrderRequest& request, UtcTime now, std::vector<Event>& events) {
    if (request.type != OrderType::limit || request.time_in_force != TimeInForce::gtc || request.reduce_only ||
        !request.price) {
      return;
    }
    auto it = instruments_.find(request.symbol);
    if (it == instruments_.end()) return;
    const InstrumentRules& rules = it->second.rules;
    auto ratio = Decimal::from_double(faults_.partial_fill_ratio, 6);
    if (!ratio) return;
    auto budget_raw = request.quantity.mul(*ratio);
    if (!budget_raw) return;
    auto budget = budget_raw->round_to_step(rules.step, RoundMode::down);
    if (!budget || budget->sign() <= 0 || *budget >= request.quantity) return;
    std::vector<PriceLevel> bids, asks;
    Decimal crossing_total;
    for (const OrderState& order : core_.open_orders(config_.market_maker_account, request.symbol)) {
      if (!order.price) continue;
      auto remaining = order.quantity.sub(order.filled_quantity);
      if (!remaining || remaining->sign() <= 0) continue;
      const bool opposite = order.side != request.side;
      const bool crosses =
          request.side == OrderSide::buy ? *order.price <= *request.price : *order.price >= *request.price;
      if (opposite && crosses) {
        if (auto sum = crossing_total.add(*remaining)) crossing_total = *sum;
      }
      (order.side == OrderSide::buy ? bids : asks).push_back(PriceLevel{*order.price, *remaining});
    }
    if (crossing_total < request.quantity) return;  // would not fill completely anyway
    // Best first on the opposite side, then keep only `budget` of the crossing quantity.
    std::vector<PriceLevel>& opposite = request.side == OrderSide::buy ? asks : bids;
    std::sort(opposite.begin(), opposite.end(), [&](const PriceLevel& a, const PriceLevel& b) {
      return request.side == OrderSide::buy ? a.price < b.price : a.price > b.price;
    });
    Decimal left = *budget;
    std::vector<PriceLevel> kept;
    for (const PriceLevel& level : opposite) {
      const bool crosses =
          request.side == OrderSide::buy ? level.price <= *request.price : level.price >= *request.price;
      if (!crosses) {
        kept.push_back(level);
        continue;
      }
      const Decimal take = std::min(left, level.quantity);
      if (take.sign() > 0) kept.push_back(PriceLevel{level.price, take});
      if (auto rest = left.sub(take)) left = *rest;
    }
    opposite = std::move(kept);
    std::sort(bids.begin(), bids.end(), [](const PriceLevel& a, const PriceLevel& b) { return a.price > b.price; });
    std::sort(asks.begin(), asks.end(), [](const PriceLevel& a, const PriceLevel& b) { return a.price < b.price; });
    core_.replace_liquidity(request.symbol, config_.market_maker_account, bids, asks, now, events);
  }

  // post_only that would take: accepted, then canceled with cancelSource 31 (B4, E).
  json accept_post_only_cancel(const std::string& account, const OrderRequest& request, const std::string& cl_ord_id,
                               UtcTime now) {
    OrderState state;
    state.symbol = request.symbol;
    state.venue_order_id = std::to_string(next_synthetic_id_++);
    state.client_order_id = cl_ord_id;
    state.side = request.side;
    state.type = request.type;
    state.time_in_force = request.time_in_force;
    state.price = request.price;
    state.quantity = request.quantity;
    state.status = OrderStatus::canceled;
    state.reduce_only = request.reduce_only;
    state.updated_at = now;
    OrderExtra& extra = extras_[state.venue_order_id];
    extra.created = now;
    extra.cancel_source = "31";
    extra.auto_client_id = cl_ord_id.empty();
    synthetic_[state.venue_order_id] = SyntheticOrder{account, state};
    pending_pushes_.push_back({account, "orders", order_json(account, state, true)});
    return order_item(state.venue_order_id, cl_ord_id, "0", "Order placed", now);
  }

  net::HttpResponse post_order(const net::HttpRequest& request, const std::string& account) {
    net::HttpResponse error;
    auto body = parse_body(request, error);
    if (!body) return error;
    if (auto refused = refuse_writes()) return *refused;
    const UtcTime in_time = clock_.utc();
    std::vector<Event> events;
    json item = place_one(account, *body, in_time, events);
    push_events(events, in_time);
    return make_response(200, wire::trade_body(json::array({item}), in_time, clock_.utc()));
  }

  net::HttpResponse post_batch_orders(const net::HttpRequest& request, const std::string& account) {
    net::HttpResponse error;
    auto body = parse_body(request, error);
    if (!body) return error;
    if (!body->is_array() || body->empty() || body->size() > kMaxBatch) {
      return top_level_error("51000", "Parameter error: 1 to 20 orders per batch");
    }
    if (auto refused = refuse_writes()) return *refused;
    const UtcTime in_time = clock_.utc();
    std::vector<Event> events;
    json data = json::array();
    std::set<std::string> batch_ids;
    for (const json& item : *body) {
      const std::string cl_ord_id = item.is_object() ? string_field(item, "clOrdId").value_or("") : "";
      if (!cl_ord_id.empty() && !batch_ids.insert(cl_ord_id).second) {
        data.push_back(order_item("", cl_ord_id, "51016", "Client order ID already exists.", in_time));
        continue;
      }
      data.push_back(place_one(account, item, in_time, events));
    }
    push_events(events, in_time);
    return make_response(200, wire::trade_body(data, in_time, clock_.utc()));
  }

  json cancel_one(const std::string& account, const json& item, UtcTime now, std::vector<Event>& events) {
    const std::string ord_id = item.is_object() ? string_field(item, "ordId").value_or("") : "";
    const std::string cl_ord_id = item.is_object() ? string_field(item, "clOrdId").value_or("") : "";
    const auto fail = [&](std::string_view code, std::string_view msg) {
      return order_item(ord_id, cl_ord_id, code, msg, now);
    };
    const Instrument* instrument =
        instrument_by_inst_id(item.is_object() ? string_field(item, "instId").value_or("") : "");
    if (instrument == nullptr) return fail("51001", "Instrument ID doesn't exist");
    if (ord_id.empty() && cl_ord_id.empty()) return fail("51000", "Parameter ordId or clOrdId error");
    OrderRef ref;
    if (!ord_id.empty()) {
      if (synthetic_.count(ord_id))
        return fail("51400", "Cancellation failed: order filled, canceled or does not exist");
      try {
        ref = OrderRef::by_venue_id(std::stoll(ord_id));
      } catch (const std::exception&) {
        return fail("51000", "Parameter ordId error");
      }
    } else {
      ref = OrderRef::by_client_id(cl_ord_id);
    }
    auto outcome = core_.cancel(account, instrument->rules.symbol, ref, now, events);
    if (!outcome) {
      const bool known =
          core_.order(account, instrument->rules.symbol, ref).ok() || find_synthetic(account, ord_id, cl_ord_id);
      if (known) return fail("51400", "Cancellation failed: order filled, canceled or does not exist");
      return fail("51603", "Order does not exist");
    }
    return order_item(outcome->venue_order_id, client_id_of(outcome.value()), "0", "", now);
  }

  net::HttpResponse post_cancel_order(const net::HttpRequest& request, const std::string& account) {
    net::HttpResponse error;
    auto body = parse_body(request, error);
    if (!body) return error;
    if (auto refused = refuse_writes()) return *refused;
    const UtcTime in_time = clock_.utc();
    std::vector<Event> events;
    json item = cancel_one(account, *body, in_time, events);
    push_events(events, in_time);
    return make_response(200, wire::trade_body(json::array({item}), in_time, clock_.utc()));
  }

  net::HttpResponse post_cancel_batch(const net::HttpRequest& request, const std::string& account) {
    net::HttpResponse error;
    auto body = parse_body(request, error);
    if (!body) return error;
    if (!body->is_array() || body->empty() || body->size() > kMaxBatch) {
      return top_level_error("51000", "Parameter error: 1 to 20 orders per batch");
    }
    if (auto refused = refuse_writes()) return *refused;
    const UtcTime in_time = clock_.utc();
    std::vector<Event> events;
    json data = json::array();
    for (const json& item : *body) data.push_back(cancel_one(account, item, in_time, events));
    push_events(events, in_time);
    return make_response(200, wire::trade_body(data, in_time, clock_.utc()));
  }

  const SyntheticOrder* find_synthetic(const std::string& account, const std::string& ord_id,
                                       const std::string& cl_ord_id) const {
    if (!ord_id.empty()) {
      auto it = synthetic_.find(ord_id);
      return it != synthetic_.end() && it->second.account == account ? &it->second : nullptr;
    }
    if (cl_ord_id.empty()) return nullptr;
    const SyntheticOrder* latest = nullptr;
    for (const auto& [id, order] : synthetic_) {
      if (order.account == account && order.state.client_order_id == cl_ord_id) latest = &order;
    }
    return latest;
  }

  net::HttpResponse get_order(const net::HttpRequest& request, const std::string& account) {
    auto inst_id = request.query.find("instId");
    if (inst_id == request.query.end()) return top_level_error("51000", "Parameter instId error");
    const Instrument* instrument = instrument_by_inst_id(inst_id->second);
    if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
    const std::string ord_id = request.query.count("ordId") ? request.query.at("ordId") : "";
    const std::string cl_ord_id = request.query.count("clOrdId") ? request.query.at("clOrdId") : "";
    if (ord_id.empty() && cl_ord_id.empty()) return top_level_error("51000", "Parameter ordId or clOrdId error");
    std::optional<OrderState> found;
    if (!ord_id.empty()) {
      try {
        auto outcome = core_.order(account, instrument->rules.symbol, OrderRef::by_venue_id(std::stoll(ord_id)));
        if (outcome) found = outcome.value();
      } catch (const std::exception&) {
        return top_level_error("51000", "Parameter ordId error");
      }
    } else {
      auto outcome = core_.order(account, instrument->rules.symbol, OrderRef::by_client_id(cl_ord_id));
      if (outcome) found = outcome.value();
    }
    if (!found) {
      if (const SyntheticOrder* synthetic = find_synthetic(account, ord_id, cl_ord_id)) found = synthetic->state;
    }
    if (!found) return top_level_error("51603", "Order does not exist");
    return make_response(200, wire::ok_body(json::array({order_json(account, *found, false)})));
  }

  net::HttpResponse get_orders_pending(const net::HttpRequest& request, const std::string& account) {
    std::optional<std::string> symbol;
    if (auto inst_id = request.query.find("instId"); inst_id != request.query.end()) {
      const Instrument* instrument = instrument_by_inst_id(inst_id->second);
      if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
      symbol = instrument->rules.symbol;
    }
    const std::string ord_type = request.query.count("ordType") ? request.query.at("ordType") : "";
    const std::string state = request.query.count("state") ? request.query.at("state") : "";
    std::vector<OrderState> orders = core_.open_orders(account, symbol);
    json data = json::array();
    for (auto it = orders.rbegin(); it != orders.rend() && data.size() < 100; ++it) {
      json item = order_json(account, *it, false);
      if (!ord_type.empty() && item["ordType"] != ord_type) continue;
      if (!state.empty() && item["state"] != state) continue;
      data.push_back(std::move(item));
    }
    return make_response(200, wire::ok_body(data));
  }

  // GET /api/v5/trade/fills ("Transaction details, last 3 days"): the account's fills,
  // newest first. instType (SWAP; another listed type answers no fills), instId,
  // ordId, begin / end (ts, ms, inclusive), after / before (billId: older / newer than
  // it; with `before` the `limit` fills just above it), limit 1..100 (default 100).
  // Bad values answer 51000 "Parameter <name> error"; an unknown instId 51001. fee is
  // negative when charged, as OKX sends it; fillSz in contracts.
  net::HttpResponse get_fills(const net::HttpRequest& request, const std::string& account) {
    const auto param = [&](const char* key) -> std::optional<std::string> {
      auto it = request.query.find(key);
      if (it == request.query.end() || it->second.empty()) return std::nullopt;
      return it->second;
    };
    std::map<std::string, std::int64_t> numbers;
    for (const char* key : {"after", "before", "begin", "end", "limit"}) {
      const auto text = param(key);
      if (!text) continue;
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
      if (ec != std::errc{} || end != text->data() + text->size()) {
        return top_level_error("51000", std::string("Parameter ") + key + " error");
      }
      numbers[key] = value;
    }
    const auto number = [&](const char* key) -> std::optional<std::int64_t> {
      auto it = numbers.find(key);
      return it == numbers.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
    };
    const std::int64_t limit = number("limit").value_or(100);
    if (limit < 1 || limit > 100) return top_level_error("51000", "Parameter limit error");
    static const std::set<std::string> kInstTypes = {"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"};
    const auto inst_type = param("instType");
    if (inst_type && !kInstTypes.count(*inst_type)) return top_level_error("51000", "Parameter instType error");
    std::optional<std::string> symbol;
    if (const auto inst_id = param("instId")) {
      const Instrument* instrument = instrument_by_inst_id(*inst_id);
      if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
      symbol = instrument->rules.symbol;
    }
    const auto ord_id = param("ordId");
    std::vector<TradeRecord> selected;
    if (!inst_type || *inst_type == "SWAP") {
      for (const TradeRecord& record : core_.trades(account, symbol)) {
        const std::int64_t ts = to_unix_ms(record.fill.ts);
        if (ord_id && record.fill.venue_order_id != *ord_id) continue;
        if (number("begin") && ts < *number("begin")) continue;
        if (number("end") && ts > *number("end")) continue;
        if (number("after") && record.sequence >= *number("after")) continue;
        if (number("before") && record.sequence <= *number("before")) continue;
        selected.push_back(record);
      }
    }
    // `selected` is oldest first: keep the `limit` nearest the cursor, answer newest first.
    const auto count = static_cast<std::size_t>(limit);
    if (selected.size() > count) {
      if (number("before") && !number("after")) {
        selected.resize(count);
      } else {
        selected.erase(selected.begin(), selected.end() - static_cast<std::ptrdiff_t>(count));
      }
    }
    json data = json::array();
    for (auto it = selected.rbegin(); it != selected.rend(); ++it) data.push_back(fill_json(*it));
    return make_response(200, wire::ok_body(data));
  }

  json fill_json(const TradeRecord& record) const {
    const Fill& fill = record.fill;
    const Instrument& instrument = instruments_.at(fill.symbol);
    auto extra = extras_.find(fill.venue_order_id);
    const bool auto_client_id = extra != extras_.end() && extra->second.auto_client_id;
    auto fee = fill.fee.negated();
    const std::string time = wire::ms_text(fill.ts);
    return json{{"instType", "SWAP"},
                {"instId", instrument.inst_id},
                {"tradeId", fill.trade_id},
                {"ordId", fill.venue_order_id},
                {"clOrdId", auto_client_id ? "" : fill.client_order_id},
                {"billId", std::to_string(record.sequence)},
                {"subType", fill.side == OrderSide::buy ? "1" : "2"},
                {"tag", ""},
                {"fillPx", wire::text(fill.price)},
                {"fillSz", wire::text(wire::base_to_contracts(fill.quantity, instrument.ct_val))},
                {"fillPnl", wire::text(fill.realized_pnl)},
                {"side", std::string(venues::okx::to_wire(fill.side))},
                {"posSide", "net"},
                {"execType", fill.maker ? "M" : "T"},
                {"feeCcy", fill.fee_asset.empty() ? instrument.rules.margin_asset : fill.fee_asset},
                {"fee", fee ? wire::text(*fee) : "0"},
                {"ts", time},
                {"fillTime", time}};
  }

  net::HttpResponse post_cancel_all_after(const net::HttpRequest& request, const std::string& account) {
    net::HttpResponse error;
    auto body = parse_body(request, error);
    if (!body) return error;
    const auto timeout_text = body->is_object() ? string_field(*body, "timeOut") : std::nullopt;
    int timeout_s = -1;
    try {
      if (timeout_text) timeout_s = std::stoi(*timeout_text);
    } catch (const std::exception&) {
      timeout_s = -1;
    }
    if (timeout_s != 0 && (timeout_s < 10 || timeout_s > 120))
      return top_level_error("51000", "Parameter timeOut error");
    const UtcTime now = clock_.utc();
    std::string trigger = "0";
    if (timeout_s == 0) {
      dead_man_.erase(account);
    } else {
      dead_man_[account] = now + std::chrono::seconds(timeout_s);
      trigger = wire::ms_text(dead_man_[account]);
    }
    return make_response(
        200, wire::ok_body(json::array({json{{"triggerTime", trigger}, {"tag", ""}, {"ts", wire::ms_text(now)}}})));
  }

  net::HttpResponse get_positions(const net::HttpRequest& request, const std::string& account) {
    std::set<std::string> wanted;
    if (auto inst_id = request.query.find("instId"); inst_id != request.query.end()) {
      std::string list = inst_id->second;
      std::size_t start = 0;
      while (start <= list.size()) {
        const std::size_t comma = list.find(',', start);
        wanted.insert(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    json data = json::array();
    for (const json& position : positions_json(account, std::nullopt, clock_.utc())) {
      if (!wanted.empty() && !wanted.count(position["instId"].get<std::string>())) continue;
      data.push_back(position);
    }
    return make_response(200, wire::ok_body(data));
  }

  net::HttpResponse get_balance(const net::HttpRequest&, const std::string& account) {
    return make_response(200, wire::ok_body(json::array({balance_json(account, clock_.utc())})));
  }

  net::HttpResponse post_set_leverage(const net::HttpRequest& request, const std::string& account) {
    net::HttpResponse error;
    auto body = parse_body(request, error);
    if (!body) return error;
    const Instrument* instrument = instrument_by_inst_id(string_field(*body, "instId").value_or(""));
    if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
    int lever = 0;
    try {
      lever = std::stoi(string_field(*body, "lever").value_or("0"));
    } catch (const std::exception&) {
      lever = 0;
    }
    auto outcome = core_.set_leverage(account, instrument->rules.symbol, lever);
    if (!outcome) return top_level_error("51000", "Parameter lever error");
    return make_response(200,
                         wire::ok_body(json::array({json{{"lever", std::to_string(outcome.value())},
                                                         {"mgnMode", string_field(*body, "mgnMode").value_or("cross")},
                                                         {"instId", instrument->inst_id},
                                                         {"posSide", ""}}})));
  }

  // --- market model ---------------------------------------------------------------------

  void quote_around(const Instrument& instrument, const MarketTick& tick, UtcTime now, std::vector<Event>& events) {
    const InstrumentRules& rules = instrument.rules;
    const double tick_size = rules.tick.to_double();
    const double half_spread = tick.mid * std::max(0.0, tick.spread_bps) / 2e4;
    const auto best_bid = static_cast<std::int64_t>(std::floor((tick.mid - half_spread) / tick_size + 1e-9));
    auto best_ask = static_cast<std::int64_t>(std::ceil((tick.mid + half_spread) / tick_size - 1e-9));
    if (best_ask <= best_bid) best_ask = best_bid + 1;
    const int depth = std::clamp(tick.depth_levels, 1, static_cast<int>(kMaxBookLevels));
    std::vector<PriceLevel> bids, asks;
    const auto level_quantity = [&](Decimal price) {
      // 1 000 to 10 000 in quote per level, deterministic from the seed.
      const double notional = 1000.0 * static_cast<double>(1 + rng_() % 10);
      auto raw = Decimal::from_double(notional / std::max(price.to_double(), 1e-9), 12);
      Decimal quantity =
          raw ? (raw->round_to_step(rules.step, RoundMode::down).ok() ? *raw->round_to_step(rules.step, RoundMode::down)
                                                                      : rules.step)
              : rules.step;
      if (quantity < rules.min_qty) quantity = rules.min_qty;
      if (quantity < rules.step) quantity = rules.step;
      if (auto on_step = quantity.round_to_step(rules.step, RoundMode::up)) quantity = *on_step;
      return quantity;
    };
    for (int i = 0; i < depth; ++i) {
      if (best_bid - i > 0) {
        if (auto price = Decimal::from_ticks(best_bid - i, rules.tick))
          bids.push_back({*price, level_quantity(*price)});
      }
      if (auto price = Decimal::from_ticks(best_ask + i, rules.tick)) asks.push_back({*price, level_quantity(*price)});
    }
    core_.replace_liquidity(rules.symbol, config_.market_maker_account, bids, asks, now, events);
  }

  void fire_dead_man_switches(UtcTime now, std::vector<Event>& events) {
    for (auto it = dead_man_.begin(); it != dead_man_.end();) {
      if (now < it->second) {
        ++it;
        continue;
      }
      for (const auto& [symbol, instrument] : instruments_) core_.cancel_all(it->first, symbol, now, events);
      it = dead_man_.erase(it);
    }
  }

  // --- WebSocket ------------------------------------------------------------------------

  void send_to(Session& session, const json& message) { session.socket->send(message.dump()); }

  void broadcast_public(std::string_view channel, const std::string& inst_id, const std::string& text) {
    auto shared = std::make_shared<const std::string>(text);
    for (auto& [id, session] : sessions_) {
      if (session.is_private) continue;
      if (session.subscribed(channel, inst_id)) session.socket->send(shared);
    }
  }

  json book_snapshot_message(const Instrument& instrument, const MarketState& market, bool corrupt) const {
    std::int32_t checksum = checksum_of(market.bids, market.asks);
    if (corrupt) checksum = static_cast<std::int32_t>(static_cast<std::uint32_t>(checksum) + 1U);
    json data = {{"asks", levels_json(market.asks)},
                 {"bids", levels_json(market.bids)},
                 {"ts", wire::ms_text(server_now())},
                 {"checksum", checksum},
                 {"prevSeqId", -1},
                 {"seqId", market.seq_id}};
    return json{{"arg", {{"channel", "books"}, {"instId", instrument.inst_id}}},
                {"action", "snapshot"},
                {"data", json::array({data})}};
  }

  json bbo_message(const Instrument& instrument, const MarketState& market) const {
    json data = {{"asks", levels_json(market.asks, 1)},
                 {"bids", levels_json(market.bids, 1)},
                 {"ts", wire::ms_text(server_now())},
                 {"seqId", market.seq_id}};
    return json{{"arg", {{"channel", "bbo-tbt"}, {"instId", instrument.inst_id}}}, {"data", json::array({data})}};
  }

  void publish_market(const std::string& symbol, UtcTime) {
    const Instrument& instrument = instruments_.at(symbol);
    MarketState& market = markets_.at(symbol);
    std::vector<WireLevel> bids = current_levels(instrument, OrderSide::buy, kMaxBookLevels);
    std::vector<WireLevel> asks = current_levels(instrument, OrderSide::sell, kMaxBookLevels);
    json bid_diff = diff_side(market.bids, bids);
    json ask_diff = diff_side(market.asks, asks);
    if (!bid_diff.empty() || !ask_diff.empty()) {
      const std::int64_t prev = market.seq_id;
      market.seq_id += 1;
      market.bids = std::move(bids);
      market.asks = std::move(asks);
      market.diffs += 1;
      const bool drop = faults_.drop_every_nth_diff > 0 && market.diffs % faults_.drop_every_nth_diff == 0;
      if (drop) {
        ++counters_.dropped_diffs;
      } else {
        json data = {{"asks", ask_diff},
                     {"bids", bid_diff},
                     {"ts", wire::ms_text(server_now())},
                     {"checksum", checksum_of(market.bids, market.asks)},
                     {"prevSeqId", prev},
                     {"seqId", market.seq_id}};
        json message = {{"arg", {{"channel", "books"}, {"instId", instrument.inst_id}}},
                        {"action", "update"},
                        {"data", json::array({data})}};
        // bbo-tbt goes first on a connection (B6).
        if (!market.bids.empty() || !market.asks.empty()) {
          broadcast_public("bbo-tbt", instrument.inst_id, bbo_message(instrument, market).dump());
        }
        broadcast_public("books", instrument.inst_id, message.dump());
      }
    }
    broadcast_public("mark-price", instrument.inst_id,
                     json{{"arg", {{"channel", "mark-price"}, {"instId", instrument.inst_id}}},
                          {"data", json::array({mark_json(instrument, market)})}}
                         .dump());
    broadcast_public("funding-rate", instrument.inst_id,
                     json{{"arg", {{"channel", "funding-rate"}, {"instId", instrument.inst_id}}},
                          {"data", json::array({funding_json(instrument, market)})}}
                         .dump());
  }

  json ws_error(std::string_view code, std::string msg, std::uint64_t id) const {
    if (msg.empty()) {
      auto [status, body] = venues::okx::error_body(code);
      json parsed = json::parse(body, nullptr, false);
      msg = parsed.is_object() ? parsed.value("msg", std::string()) : std::string();
    }
    return json{{"event", "error"}, {"code", std::string(code)}, {"msg", msg}, {"connId", conn_id(id)}};
  }

  void on_ws_message(const std::shared_ptr<net::WebSocketSession>& socket, std::string_view text) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(socket->id());
    if (it == sessions_.end()) return;
    Session& session = it->second;
    if (text == "ping") {
      socket->send(std::string("pong"));
      return;
    }
    json message = parse_json_or_discarded(text);
    if (!message.is_object() || !message.contains("op") || !message["op"].is_string()) {
      send_to(session, ws_error("60012", "Invalid request: " + std::string(text.substr(0, 200)), socket->id()));
      return;
    }
    const std::string op = message["op"].get<std::string>();
    const json args = message.value("args", json::array());
    if (!args.is_array() || args.empty()) {
      send_to(session, ws_error("60013", "Invalid args", socket->id()));
      return;
    }
    if (op == "login") {
      ws_login(session, args[0]);
    } else if (op == "subscribe" || op == "unsubscribe") {
      for (const json& arg : args) {
        ws_subscribe(session, arg, op == "subscribe", message.contains("id") ? message["id"] : json());
      }
    } else {
      send_to(session, ws_error("60019", "Invalid OP: " + op, socket->id()));
    }
  }

  void ws_login(Session& session, const json& arg) {
    const std::uint64_t id = session.socket->id();
    if (!arg.is_object()) {
      send_to(session, ws_error("60013", "Invalid args", id));
      return;
    }
    const std::string api_key = string_field(arg, "apiKey").value_or("");
    const std::string passphrase = string_field(arg, "passphrase").value_or("");
    const std::string timestamp = string_field(arg, "timestamp").value_or("");
    const std::string sign = string_field(arg, "sign").value_or("");
    auto creds = credentials_.find(api_key);
    if (creds == credentials_.end()) {
      send_to(session, ws_error("60005", "Invalid apiKey", id));
      return;
    }
    auto ts = wire::parse_unix_seconds(timestamp);
    if (!ts) {
      send_to(session, ws_error("60004", "Invalid timestamp", id));
      return;
    }
    const auto delta = server_now() - *ts;
    if (delta > kTimestampWindow || delta < -kTimestampWindow) {
      send_to(session, ws_error("60006", "Timestamp request expired", id));
      return;
    }
    if (creds->second.passphrase != passphrase) {
      send_to(session, ws_error("60024", "Wrong passphrase", id));
      return;
    }
    if (!venues::okx::verify_signature(creds->second.secret, timestamp, venues::okx::kLoginMethod,
                                       venues::okx::kLoginPath, "", sign)) {
      ++counters_.auth_failures;
      send_to(session, ws_error("60007", "Invalid sign", id));
      return;
    }
    session.account = creds->second.account;
    send_to(session, json{{"event", "login"}, {"code", "0"}, {"msg", ""}, {"connId", conn_id(id)}});
  }

  void ws_subscribe(Session& session, const json& arg, bool subscribe, const json& request_id) {
    const std::uint64_t id = session.socket->id();
    if (!arg.is_object()) {
      send_to(session, ws_error("60013", "Invalid args", id));
      return;
    }
    const std::string channel = string_field(arg, "channel").value_or("");
    const std::string inst_id = string_field(arg, "instId").value_or("");
    static const std::set<std::string> kPublicChannels = {"books", "bbo-tbt", "mark-price", "funding-rate"};
    static const std::set<std::string> kPrivateChannels = {"orders", "positions", "balance_and_position", "account"};
    const bool private_channel = kPrivateChannels.count(channel) != 0;
    const bool known = session.is_private ? private_channel : kPublicChannels.count(channel) != 0;
    const Instrument* instrument = inst_id.empty() ? nullptr : instrument_by_inst_id(inst_id);
    if (!known || (!private_channel && instrument == nullptr) || (!inst_id.empty() && instrument == nullptr)) {
      send_to(session,
              ws_error("60018", "Wrong URL or channel:" + channel + ",instId:" + inst_id + " doesn't exist", id));
      return;
    }
    if (private_channel && session.account.empty()) {
      send_to(session, ws_error("60011", "Please log in", id));
      return;
    }
    json ack = {{"event", subscribe ? "subscribe" : "unsubscribe"}, {"arg", arg}, {"connId", conn_id(id)}};
    if (!request_id.is_null()) ack["id"] = request_id;
    auto& subs = session.subscriptions;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const Subscription& s) { return s.channel == channel && s.inst_id == inst_id; }),
               subs.end());
    send_to(session, ack);
    if (!subscribe) return;
    subs.push_back(Subscription{channel, inst_id, arg});
    const UtcTime now = clock_.utc();
    if (channel == "books") {
      const MarketState& market = markets_.at(instrument->rules.symbol);
      const bool corrupt = faults_.corrupt_next_snapshot;
      faults_.corrupt_next_snapshot = false;
      send_to(session, book_snapshot_message(*instrument, market, corrupt));
    } else if (channel == "bbo-tbt") {
      const MarketState& market = markets_.at(instrument->rules.symbol);
      if (!market.bids.empty() || !market.asks.empty()) send_to(session, bbo_message(*instrument, market));
    } else if (channel == "mark-price") {
      const MarketState& market = markets_.at(instrument->rules.symbol);
      if (market.has_tick) {
        send_to(session, json{{"arg", arg}, {"data", json::array({mark_json(*instrument, market)})}});
      }
    } else if (channel == "positions") {
      json data =
          positions_json(session.account, instrument ? std::optional(instrument->rules.symbol) : std::nullopt, now);
      json out_arg = arg;
      out_arg["uid"] = session.account;
      send_to(session, json{{"arg", out_arg}, {"eventType", "snapshot"}, {"data", data}});
    } else if (channel == "account") {
      json out_arg = arg;
      out_arg["uid"] = session.account;
      send_to(session, json{{"arg", out_arg},
                            {"eventType", "snapshot"},
                            {"data", json::array({balance_json(session.account, now)})}});
    } else if (channel == "balance_and_position") {
      send_to(session, balance_and_position(session.account, arg, "snapshot", now));
    }
  }

  json balance_and_position(const std::string& account, const json& arg, std::string_view event_type,
                            UtcTime now) const {
    json bal_data = json::array();
    for (const Balance& balance : core_.balances(account, now)) {
      bal_data.push_back(
          json{{"ccy", balance.asset}, {"cashBal", wire::text(balance.wallet)}, {"uTime", wire::ms_text(now)}});
    }
    json pos_data = json::array();
    for (const json& position : positions_json(account, std::nullopt, now)) {
      pos_data.push_back(json{{"posId", position["posId"]},
                              {"tradeId", ""},
                              {"instId", position["instId"]},
                              {"instType", "SWAP"},
                              {"mgnMode", "cross"},
                              {"posSide", "net"},
                              {"pos", position["pos"]},
                              {"ccy", position["ccy"]},
                              {"posCcy", ""},
                              {"avgPx", position["avgPx"]},
                              {"uTime", position["uTime"]}});
    }
    json out_arg = arg;
    out_arg["uid"] = account;
    return json{{"arg", out_arg},
                {"data", json::array({json{{"pTime", wire::ms_text(now)},
                                           {"eventType", std::string(event_type)},
                                           {"balData", bal_data},
                                           {"posData", pos_data},
                                           {"trades", json::array()}}})}};
  }

  struct PendingPush {
    std::string account;
    std::string channel;
    json data_item;
  };

  // Translates engine events into private pushes (B7) and sends them to the sessions
  // logged in as each account. Order pushes go one per event in event order; position
  // and balance pushes once per account per call, after the order pushes.
  void push_events(const std::vector<Event>& events, UtcTime now) {
    std::map<std::string, std::set<std::string>> changed_positions;  // account -> symbols
    std::set<std::string> changed_balances;
    for (const Event& event : events) {
      std::visit(
          [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, OrderAccepted>) {
              OrderExtra& extra = extras_[e.order.venue_order_id];
              if (extra.created == UtcTime{}) extra.created = now;
              pending_pushes_.push_back({e.account, "orders", order_json(e.account, e.order, true)});
            } else if constexpr (std::is_same_v<T, OrderFilled>) {
              OrderExtra& extra = extras_[e.order.venue_order_id];
              extra.fee = e.cumulative_fee;
              extra.pnl = e.cumulative_realized_pnl;
              pending_pushes_.push_back({e.account, "orders", order_json(e.account, e.order, true, &e.fill)});
            } else if constexpr (std::is_same_v<T, OrderCanceled>) {
              extras_[e.order.venue_order_id].cancel_source = std::string(wire::cancel_source(e.reason));
              pending_pushes_.push_back({e.account, "orders", order_json(e.account, e.order, true)});
            } else if constexpr (std::is_same_v<T, OrderExpired>) {
              extras_[e.order.venue_order_id].cancel_source = std::string(wire::cancel_source(e.reason));
              pending_pushes_.push_back({e.account, "orders", order_json(e.account, e.order, true)});
            } else if constexpr (std::is_same_v<T, PositionChanged>) {
              changed_positions[e.account].insert(e.position.symbol);
              changed_balances.insert(e.account);
            } else if constexpr (std::is_same_v<T, BalanceChanged>) {
              changed_balances.insert(e.account);
            } else if constexpr (std::is_same_v<T, FundingPaid> || std::is_same_v<T, PositionLiquidated>) {
              changed_positions[e.account].insert(e.symbol);
              changed_balances.insert(e.account);
            }
          },
          event);
    }
    for (const auto& [account, symbols] : changed_positions) {
      std::vector<Position> positions = core_.positions(account);
      for (const std::string& symbol : symbols) {
        auto it =
            std::find_if(positions.begin(), positions.end(), [&](const Position& p) { return p.symbol == symbol; });
        Position position;
        if (it != positions.end()) {
          position = *it;
        } else {
          position.symbol = symbol;
          position.updated_at = now;
        }
        pending_pushes_.push_back({account, "positions", position_json(account, position)});
      }
    }
    for (const std::string& account : changed_balances) {
      pending_pushes_.push_back({account, "account", balance_json(account, now)});
      pending_pushes_.push_back({account, "balance_and_position", json()});
    }
    flush_pushes(now);
  }

  void flush_pushes(UtcTime now) {
    std::vector<PendingPush> pushes;
    pushes.swap(pending_pushes_);
    for (const PendingPush& push : pushes) {
      for (auto& [id, session] : sessions_) {
        if (!session.is_private || session.account != push.account) continue;
        for (const Subscription& sub : session.subscriptions) {
          if (sub.channel != push.channel) continue;
          if (!sub.inst_id.empty() && push.data_item.is_object() && push.data_item.value("instId", "") != sub.inst_id) {
            continue;
          }
          if (push.channel == "balance_and_position") {
            send_to(session, balance_and_position(push.account, sub.arg, "filled", now));
            continue;
          }
          json arg = sub.arg;
          arg["uid"] = push.account;
          send_to(session, json{{"arg", arg}, {"data", json::array({push.data_item})}});
        }
      }
    }
  }

  SimVenueConfig config_;
  const Clock& clock_;
  mutable std::recursive_mutex mutex_;
  ExchangeCore core_;
  std::mt19937_64 rng_;
  std::map<std::string, Instrument> instruments_;      // canonical symbol -> instrument
  std::map<std::string, std::string> by_inst_id_;      // instId -> canonical symbol
  std::map<std::string, ApiCredentials> credentials_;  // api key -> credentials
  std::map<std::string, MarketState> markets_;
  std::map<std::string, OrderExtra> extras_;         // ordId -> extra fields
  std::map<std::string, SyntheticOrder> synthetic_;  // ordId -> post-only canceled order
  std::int64_t next_synthetic_id_ = kFirstSyntheticOrderId;
  std::map<std::string, UtcTime> dead_man_;  // account -> cancel-all-after deadline
  std::map<std::uint64_t, Session> sessions_;
  std::vector<PendingPush> pending_pushes_;
  FaultPlan faults_;
  int storm_429s_ = 0;
  std::optional<UtcTime> banned_until_;
  int orders_since_fault_ = 0;
  Counters counters_;
};

}  // namespace

std::unique_ptr<SimulatedVenue> make_okx_venue(const SimVenueConfig& config, const Clock& clock) {
  return std::make_unique<OkxSimVenue>(config, clock);
}

}  // namespace propbot::venues::sim
