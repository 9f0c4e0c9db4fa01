// The Binance USDⓈ-M frontend's venue class, shared by the files of this folder: its
// state (books as published, accounts, listen keys, sessions, weights) and the member
// functions each file defines — routes.cpp (the route table and WebSocket paths),
// request_pipeline.cpp (latency, storm, weights, params), auth.cpp (API key and HMAC),
// market_data_endpoints.cpp, order_entry.cpp, partial_fill.cpp, order_endpoints.cpp,
// account_endpoints.cpp, position_settings.cpp, user_trades.cpp, income.cpp, listen_keys.cpp, timers.cpp,
// market_model.cpp, market_streams.cpp, user_stream.cpp, ws_sessions.cpp and
// binance_sim_venue.cpp (lifecycle, admin). What the venue serves and guarantees is in
// binance_sim_venue.hpp; this header is not for use outside the folder.
//
// Threads: every member runs under mutex_ (REST and WebSocket callbacks on the server
// thread, ticks on the host's), except wait_added_latency's sleep in handle().
// Every fault question goes through faults_ (fault_gate.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/net/http_types.hpp"
#include "core/venues/binance/symbols.hpp"
#include "core/venues/sim/binance/rest_replies.hpp"
#include "core/venues/sim/binance/sliding_window.hpp"
#include "core/venues/sim/binance/wire_format.hpp"
#include "core/venues/sim/engine/exchange_core.hpp"
#include "core/venues/sim/fault_gate.hpp"
#include "core/venues/sim/simulated_venue.hpp"

namespace propbot::venues::sim::binance_frontend {

using nlohmann::json;
namespace wire = binance_wire;
namespace bn = venues::binance;

constexpr auto kMinute = std::chrono::minutes(1);
constexpr auto kTenSeconds = std::chrono::seconds(10);
constexpr auto kListenKeyLifetime = std::chrono::minutes(60);
constexpr std::size_t kPublishedLevels = 1000;  // the depth the streams and snapshot cover
// The one notional bracket of every symbol (leverageBracket notionalCap, leverage and
// positionRisk v2 maxNotionalValue, account v2 maxNotional): the exchange core enforces
// no notional cap, so this is simply "more than any test trades".
constexpr std::string_view kBracketNotionalCap = "1000000000";

// Binance escalates a storm to a 418 ban on the request after the last allowed 429,
// and the ban ends the storm; every new plan restarts the counts.
constexpr FaultRules kBinanceFaultRules{/*ban_follows_last_429=*/true, /*every_plan_restarts_counts=*/true,
                                        /*forget_ended_ban=*/true};

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

// Whether an account holds anything on a symbol (what blocks a margin / position mode change).
enum class Holding { nothing, open_orders, position };

// Remaining notional (price × unfilled quantity) of an account's open orders per side.
struct OrderNotionals {
  Decimal bid;
  Decimal ask;
};

struct ListenKey {
  std::string account;
  MonoTime expires{};
};

class BinanceSimVenue final : public SimulatedVenue {
 public:
  BinanceSimVenue(const SimVenueConfig& config, const Clock& clock);

  std::string_view protocol() const override { return "binance"; }

  Status install(net::Router& router, net::HttpServer& server) override;
  void on_market_tick(const std::vector<MarketTick>& ticks) override;
  void settle_funding() override;
  void set_funding_schedule(UtcTime next, std::chrono::milliseconds interval) override;
  Status create_account(const SimAccountSpec& spec) override;
  FaultPlan faults() const override;
  void set_faults(const FaultPlan& plan) override;
  void force_mark(const std::string& symbol, Decimal mark) override;
  json describe() const override;
  std::optional<json> accepted_orders() const override;
  Result<Decimal> adjust_balance(const std::string& api_key, const std::string& asset, Decimal amount) override;

 private:
  // describe()'s "retained_order_records": the engine's closed orders (all books) and
  // their bound (this frontend keeps nothing of its own per order).
  json retained_order_records() const;

  using Endpoint = std::function<net::HttpResponse(Call&)>;
  using WeightOf = std::function<int(const Params&)>;

  void add_route(net::Router& router, const std::string& method, const std::string& path, Security security,
                 WeightOf weight, bool order_endpoint, Endpoint endpoint);
  net::HttpResponse handle(const net::HttpRequest& request, Security security, const WeightOf& weight,
                           bool order_endpoint, const Endpoint& endpoint);
  std::optional<net::HttpResponse> authenticate(Call& call, Security security);
  // The storm / ban answer (429, or 418 with the ban's end) when the fault gate refuses.
  std::optional<net::HttpResponse> rate_limited(MonoTime now);

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
  net::HttpResponse account(Call& call, bool v3);
  net::HttpResponse leverage(Call& call);
  net::HttpResponse margin_type(Call& call);
  net::HttpResponse position_mode(Call& call);  // GET and POST /fapi/v1/positionSide/dual
  net::HttpResponse leverage_bracket(Call& call);
  net::HttpResponse commission_rate(Call& call);
  net::HttpResponse countdown_cancel_all(Call& call);
  net::HttpResponse listen_key(Call& call);
  net::HttpResponse user_trades(Call& call);
  net::HttpResponse income(Call& call);

  // The JSON answer (order or {code,msg}) of one placement; `ok` tells which.
  json place(const std::string& account, const Params& params, UtcTime utc, bool& ok, int& http_status);
  const SymbolState* symbol_from(const Params& params, std::string& canonical) const;
  bool cap_first_match(const OrderRequest& request, UtcTime utc, std::vector<Event>& events);
  void restore_liquidity(const OrderRequest& request, const Outcome<OrderState>& placed, UtcTime utc,
                         std::vector<Event>& events);
  std::optional<OrderRef> order_ref(const Params& params) const;
  Holding holding(const std::string& account, const std::string& canonical) const;
  OrderNotionals order_notionals(const std::string& account, const std::string& canonical) const;

  // --- market data and user streams --------------------------------------------------
  void deliver(const std::vector<Event>& events, UtcTime utc);
  void publish_book(SymbolState& symbol, UtcTime utc);
  void publish_mark(const SymbolState& symbol, UtcTime utc);
  void publish(const std::string& stream, const std::string& raw);
  void run_timers(MonoTime now, UtcTime utc);
  void close_all_sessions();
  // The host's next settlement (set_funding_schedule); before it is known, the next
  // multiple of 8 h after `utc`.
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
  FaultGate faults_{kBinanceFaultRules};
  std::map<std::string, SymbolState> symbols_;         // canonical → state
  std::map<std::string, std::string> by_venue_symbol_;  // BTCUSDT → BTC-USDT
  std::set<std::string> known_streams_;
  std::map<std::string, AccountState> accounts_by_key_;  // api key → account
  std::map<std::string, std::string> account_ids_;       // account id → api key
  std::map<std::string, ListenKey> listen_keys_;
  std::map<std::pair<std::string, std::string>, MonoTime> countdowns_;  // (account, symbol) → deadline
  SlidingWindows ip_weight_{kMinute};       // client address → request weight
  SlidingWindows orders_10s_{kTenSeconds};  // account → orders
  SlidingWindows orders_1m_{kMinute};       // account → orders
  MonoTime next_idle_window_drop_{};        // run_timers drops idle windows once a second
  std::map<std::uint64_t, SessionState> sessions_;
  OrderLog order_log_;  // every accepted order (GET /admin/orders), bounded
  std::optional<UtcTime> next_funding_;  // the host's schedule (set_funding_schedule)
  // Counters for describe().
  std::uint64_t requests_ = 0;
  std::uint64_t orders_placed_ = 0;
  std::uint64_t orders_rejected_ = 0;
  std::uint64_t diffs_published_ = 0;
  std::uint64_t ticks_ = 0;
  int next_account_ = 1;
};

}  // namespace propbot::venues::sim::binance_frontend
