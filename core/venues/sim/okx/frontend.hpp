// The OKX v5 frontend's venue class, shared by the files of this folder: its state
// (instruments with their contract values, credentials, the books as published, extra
// order fields OKX shows, post-only cancels, dead-man switches, sessions) and the
// member functions each file defines — routes.cpp (route table and WebSocket paths),
// request_pipeline.cpp (latency, storm, maintenance), auth.cpp (REST signature and WS
// login), market_data_endpoints.cpp, order_entry.cpp, partial_fill.cpp,
// order_endpoints.cpp, close_position.cpp, history_query.cpp, fills.cpp, bills.cpp, account_endpoints.cpp, account_settings.cpp, order_shapes.cpp,
// account_shapes.cpp, market_model.cpp, public_stream.cpp, ws_sessions.cpp,
// private_stream.cpp and okx_sim_venue.cpp (lifecycle, admin). What the venue serves
// and guarantees is in okx_sim_venue.hpp; this header is not for use outside the folder.
//
// Bounded: extras_ holds only orders the engine still knows (it follows the engine's
// on_forget) plus the post-only cancels, and synthetic_ at most
// SimVenueConfig::max_closed_orders of those — as bounded as the engine's store;
// position_totals_ holds one entry per (account, instrument) ever traded; order_log_ is
// bounded by SimVenueConfig::max_order_log_records (engine/order_log.hpp).
//
// Threads: every member runs under mutex_ (recursive: a handler may call another
// member that locks), except wait_added_latency's sleep in handle(). Every fault
// question goes through faults_ (fault_gate.hpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/net/http_types.hpp"
#include "core/venues/sim/engine/exchange_core.hpp"
#include "core/venues/sim/fault_gate.hpp"
#include "core/venues/sim/okx/book_levels.hpp"
#include "core/venues/sim/okx/okx_sim_wire.hpp"
#include "core/venues/sim/okx/rest_replies.hpp"
#include "core/venues/sim/simulated_venue.hpp"

namespace propbot::venues::sim::okx_frontend {

using nlohmann::json;
namespace wire = okx_wire;

constexpr auto kTimestampWindow = std::chrono::seconds(30);
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxBatch = 20;
constexpr std::int64_t kFirstSyntheticOrderId = 9'000'000'000'000;
constexpr std::string_view kPublicPath = "/ws/v5/public";
constexpr std::string_view kPrivatePath = "/ws/v5/private";
constexpr std::string_view kBusinessPath = "/ws/v5/business";

// OKX has no 418: the `ban_after_429s`-th throttled request starts a ban that keeps
// answering 429, the storm resumes after it; a count restarts only when its own
// setting changes; the last ban stays on record for describe().
constexpr FaultRules kOkxFaultRules{/*ban_follows_last_429=*/false, /*every_plan_restarts_counts=*/false,
                                    /*forget_ended_ban=*/false};

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

// What the books channel last published for a symbol, and its market inputs.
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

// An order as the frontend keys it: (canonical symbol, ordId) — each book numbers its
// orders from 1, so an ordId alone names an order on every symbol.
using OrderKey = std::pair<std::string, std::string>;

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

// What OKX accumulates per position since it opened (pnl, fee and fundingFee of
// account/positions; realizedPnl is their sum). One per (account, symbol) ever traded.
struct PositionTotals {
  Decimal pnl;
  Decimal fee;          // negative when charged
  Decimal funding_fee;  // negative when paid
  bool flat = false;    // the position closed: the next fill starts new totals
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

// The filters and billId cursor OKX's history lists share (trade/fills, account/bills):
// instType, instId (as its canonical symbol), begin / end (ts, ms, inclusive), after /
// before (billId: older / newer than it), limit 1..100 (default 100).
struct HistoryQuery {
  std::optional<std::string> inst_type;
  std::optional<std::string> symbol;
  std::optional<std::int64_t> begin, end, after, before;
  std::size_t limit = 100;

  // Whether the list holds the venue's swaps at all (no instType, or SWAP).
  bool wants_swaps() const { return !inst_type || *inst_type == "SWAP"; }
  // Whether a record with this billId and time passes begin / end / after / before.
  bool admits(std::int64_t bill_id, UtcTime ts) const;
  // `records` oldest first (all admitted): keeps the `limit` nearest the cursor — the
  // oldest `limit` above `before` when only `before` is set, else the newest `limit`.
  template <class Record>
  void keep_page(std::vector<Record>& records) const {
    if (records.size() <= limit) return;
    if (before && !after) {
      records.resize(limit);
    } else {
      records.erase(records.begin(), records.end() - static_cast<std::ptrdiff_t>(limit));
    }
  }
};

// The WebSocket connection id OKX reports in login / subscribe / error events.
std::string conn_id(std::uint64_t id);

class OkxSimVenue final : public SimulatedVenue {
 public:
  OkxSimVenue(const SimVenueConfig& config, const Clock& clock);

  std::string_view protocol() const override { return "okx"; }
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
  // describe()'s "retained_order_records": what the venue keeps per order beyond the
  // open ones — the engine's closed orders (all books), extras_ and post-only cancels —
  // and the bound they stay under.
  json retained_order_records() const;

  using RestMethod = net::HttpResponse (OkxSimVenue::*)(const net::HttpRequest&, const std::string& account);

  struct Counters {
    std::uint64_t requests = 0;
    std::uint64_t orders = 0;
    std::uint64_t auth_failures = 0;
    std::uint64_t disconnects = 0;
  };

  struct PendingPush {
    std::string account;
    std::string channel;
    json data_item;
  };

  UtcTime server_now() const { return faults_.venue_time(clock_.utc()); }

  // --- routes and the request pipeline (routes.cpp, request_pipeline.cpp, auth.cpp) ---
  void add_route(net::Router& router, const char* method, const char* path, bool is_signed, RestMethod fn);
  net::HttpResponse handle(const net::HttpRequest& request, bool is_signed, RestMethod fn);
  // The storm / ban answer (429 code 50011 with Retry-After) when the fault gate refuses.
  std::optional<net::HttpResponse> rate_limit();
  std::pair<bool, net::HttpResponse> authenticate(const net::HttpRequest& request);

  // --- JSON shapes (order_shapes.cpp, account_shapes.cpp, market_data_endpoints.cpp) ---
  const Instrument* instrument_by_inst_id(const std::string& inst_id) const;
  json instrument_json(const Instrument& instrument) const;
  std::string client_id_of(const OrderState& order) const;
  std::string client_id_of(const Fill& fill) const;  // "" for an id the engine made up
  json order_json(const std::string& account, const OrderState& order, bool websocket,
                  const Fill* fill = nullptr) const;
  json fill_json(const TradeRecord& record) const;
  Decimal mark_of(const std::string& symbol) const;   // zero before the first tick
  Decimal index_of(const std::string& symbol) const;  // zero before the first tick
  Decimal fee_rate_of(const Fill& fill) const;
  json position_json(const std::string& account, const Position& position) const;
  // Follows fills, position changes and funding into position_totals_.
  void track_position_totals(const std::vector<Event>& events);
  json positions_json(const std::string& account, const std::optional<std::string>& symbol, UtcTime) const;
  json balance_json(const std::string& account, UtcTime now) const;
  json balance_and_position(const std::string& account, const json& arg, std::string_view event_type,
                            UtcTime now) const;
  json funding_json(const Instrument& instrument, const MarketState& market) const;
  json mark_json(const Instrument& instrument, const MarketState& market) const;
  std::vector<WireLevel> current_levels(const Instrument& instrument, OrderSide side, std::size_t limit) const;

  // --- public REST (market_data_endpoints.cpp) -------------------------------------------
  net::HttpResponse get_time(const net::HttpRequest&, const std::string&);
  net::HttpResponse get_instruments(const net::HttpRequest& request, const std::string&);
  net::HttpResponse get_books(const net::HttpRequest& request, const std::string&);
  net::HttpResponse get_funding_rate(const net::HttpRequest& request, const std::string&);
  net::HttpResponse get_mark_price(const net::HttpRequest& request, const std::string&);

  // --- trading REST (order_entry.cpp, partial_fill.cpp, order_endpoints.cpp, fills.cpp) --
  std::optional<net::HttpResponse> refuse_writes() const;
  // One trade request (trade_request.cpp): the body parsed (1..20 items when `batch`),
  // refused while the venue is read-only, each item answered by `one` at the same
  // in-time, the events pushed, the answer in OKX's trade envelope (B4).
  using TradeItem = std::function<json(const json& item, UtcTime in_time, std::vector<Event>& events)>;
  net::HttpResponse trade_request(const net::HttpRequest& request, bool batch, const TradeItem& one);
  // Places one order item; appends events; returns the data[] item.
  json place_one(const std::string& account, const json& item, UtcTime now, std::vector<Event>& events);
  // The fault gate's partial_fill_ratio (`ratio`), applied before the order arrives.
  void thin_liquidity_for(const OrderRequest& request, double ratio, UtcTime now, std::vector<Event>& events);
  // post_only that would take: accepted, then canceled with cancelSource 31 (B4, E).
  json accept_post_only_cancel(const std::string& account, const OrderRequest& request, const std::string& cl_ord_id,
                               UtcTime now);
  net::HttpResponse post_order(const net::HttpRequest& request, const std::string& account);
  net::HttpResponse post_batch_orders(const net::HttpRequest& request, const std::string& account);
  json cancel_one(const std::string& account, const json& item, UtcTime now, std::vector<Event>& events);
  net::HttpResponse post_cancel_order(const net::HttpRequest& request, const std::string& account);
  net::HttpResponse post_cancel_batch(const net::HttpRequest& request, const std::string& account);
  const SyntheticOrder* find_synthetic(const std::string& account, const std::string& ord_id,
                                       const std::string& cl_ord_id) const;
  // Keeps a post-only cancel queryable, dropping the oldest (and its extras_) beyond
  // config_.max_closed_orders.
  void remember_synthetic(SyntheticOrder order);
  net::HttpResponse get_order(const net::HttpRequest& request, const std::string& account);
  net::HttpResponse get_orders_pending(const net::HttpRequest& request, const std::string& account);
  // The shared filters of a history list (history_query.cpp); the error answer when a
  // value is malformed (51000 "Parameter <name> error") or the instId unknown (51001).
  std::optional<net::HttpResponse> parse_history_query(const net::HttpRequest& request, HistoryQuery& query) const;
  net::HttpResponse get_fills(const net::HttpRequest& request, const std::string& account);
  net::HttpResponse post_cancel_all_after(const net::HttpRequest& request, const std::string& account);

  // --- account REST (account_endpoints.cpp) ----------------------------------------------
  net::HttpResponse get_positions(const net::HttpRequest& request, const std::string& account);
  net::HttpResponse get_balance(const net::HttpRequest&, const std::string& account);
  // GET /api/v5/account/bills from the exchange core's IncomeHistory (bills.cpp).
  net::HttpResponse get_bills(const net::HttpRequest& request, const std::string& account);
  json bill_json(const IncomeRecord& record) const;
  net::HttpResponse post_set_leverage(const net::HttpRequest& request, const std::string& account);
  net::HttpResponse get_leverage_info(const net::HttpRequest& request, const std::string& account);
  net::HttpResponse get_account_config(const net::HttpRequest& request, const std::string& account);
  net::HttpResponse post_close_position(const net::HttpRequest& request, const std::string& account);

  // --- market model (market_model.cpp) ---------------------------------------------------
  void quote_around(const Instrument& instrument, const MarketTick& tick, UtcTime now, std::vector<Event>& events);
  void fire_dead_man_switches(UtcTime now, std::vector<Event>& events);
  // The API key of an engine account; nullopt for the market model's.
  std::optional<std::string> api_key_of(const std::string& account) const;

  // --- WebSocket (public_stream.cpp, ws_sessions.cpp, auth.cpp, private_stream.cpp) ------
  void send_to(Session& session, const json& message) { session.socket->send(message.dump()); }
  void broadcast_public(std::string_view channel, const std::string& inst_id, const std::string& text);
  json book_snapshot_message(const Instrument& instrument, const MarketState& market, bool corrupt) const;
  json bbo_message(const Instrument& instrument, const MarketState& market) const;
  void publish_market(const std::string& symbol, UtcTime);
  json ws_error(std::string_view code, std::string msg, std::uint64_t id) const;
  void on_ws_message(const std::shared_ptr<net::WebSocketSession>& socket, std::string_view text);
  void ws_login(Session& session, const json& arg);
  void ws_subscribe(Session& session, const json& arg, bool subscribe, const json& request_id);
  // Engine events → private pushes (B7), sent at once (see private_stream.cpp).
  void push_events(const std::vector<Event>& events, UtcTime now);
  // Drops the extras_ of the orders the engine forgot (forgotten_orders_).
  void drop_forgotten_orders();
  void flush_pushes(UtcTime now);

  SimVenueConfig config_;
  const Clock& clock_;
  mutable std::recursive_mutex mutex_;
  // Per-order state, bounded like the engine's closed-order store. Declared before
  // core_ so that it exists whenever the engine's on_forget can run and outlives it.
  std::map<OrderKey, OrderExtra> extras_;
  // Orders the engine forgot during the current call; their extras_ go at the end of
  // push_events, after the call's own pushes (which still show their fee and
  // cancelSource) — erasing at once would let those pushes write them back.
  std::vector<OrderKey> forgotten_orders_;
  std::map<std::string, SyntheticOrder> synthetic_;  // ordId -> post-only canceled order
  std::deque<std::string> synthetic_order_ids_;      // oldest first; at most config_.max_closed_orders
  // (account, clOrdId) -> ordId of the newest post-only cancel with that client id.
  std::map<std::pair<std::string, std::string>, std::string> synthetic_by_client_;
  std::int64_t next_synthetic_id_ = kFirstSyntheticOrderId;
  ExchangeCore core_;
  std::mt19937_64 rng_;
  std::map<std::string, Instrument> instruments_;      // canonical symbol -> instrument
  std::map<std::string, std::string> by_inst_id_;      // instId -> canonical symbol
  std::map<std::string, ApiCredentials> credentials_;  // api key -> credentials
  std::map<std::string, MarketState> markets_;
  std::map<std::string, UtcTime> dead_man_;  // account -> cancel-all-after deadline
  std::map<std::pair<std::string, std::string>, PositionTotals> position_totals_;  // (account, symbol)
  OrderLog order_log_;  // every accepted order (GET /admin/orders), bounded
  std::map<std::uint64_t, Session> sessions_;
  std::vector<PendingPush> pending_pushes_;
  FaultGate faults_{kOkxFaultRules};
  Counters counters_;
  // The host's funding schedule (set_funding_schedule): fundingTime / nextFundingTime.
  std::optional<UtcTime> next_funding_;
  std::chrono::milliseconds funding_interval_{std::chrono::hours(8)};
};

}  // namespace propbot::venues::sim::okx_frontend
