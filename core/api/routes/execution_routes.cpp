#include "core/api/routes/execution_routes.hpp"

#include "core/common/clock.hpp"

namespace propbot::api {
namespace {

using nlohmann::json;

// Money and quantities as JSON numbers in their shortest exact form (as the books print).
json number(Decimal value) { return json::parse(value.normalized().to_string()); }

std::string iso_of_ms(std::int64_t ms) { return format_iso8601_ms(UtcTime{std::chrono::milliseconds(ms)}); }

json order_json(const exec::OrderView& order) {
  const exec::OrderEntry& e = order.entry;
  return json{{"client_order_id", e.client_order_id},
              {"venue", e.venue},
              {"venue_order_id", e.venue_order_id.empty() ? json(nullptr) : json(e.venue_order_id)},
              {"symbol", e.symbol},
              {"side", std::string(to_string(e.side))},
              {"type", std::string(venues::to_string(e.type))},
              {"time_in_force", std::string(venues::to_string(e.time_in_force))},
              {"reduce_only", e.reduce_only},
              {"qty", number(e.quantity)},
              {"price", e.price ? number(*e.price) : json(nullptr)},
              {"filled_qty", number(e.filled_quantity)},
              {"avg_price", e.average_price.is_zero() ? json(nullptr) : number(e.average_price)},
              {"state", std::string(exec::to_string(e.event))},
              {"reason", e.reason.empty() ? json(nullptr) : json(e.reason)},
              {"trade_parent_id", std::to_string(e.intent_id)},
              {"leg", std::string(exec::to_string(e.leg))},
              {"attempt", e.attempt},
              {"strategy", e.strategy},
              {"simulated", e.simulated},
              {"working", order.working},
              {"journal_seq", e.seq},
              {"updated_at", iso_of_ms(e.ts_ms)}};
}

json trade_json(const exec::TradeView& t) {
  return json{{"trade_parent_id", std::to_string(t.id)},
              {"strategy", t.strategy},
              {"symbol", t.symbol},
              {"state", std::string(exec::to_string(t.state))},
              {"leg_a_venue", t.leg_a_venue},
              {"leg_b_venue", t.leg_b_venue.empty() ? json(nullptr) : json(t.leg_b_venue)},
              {"target_qty", number(t.target)},
              {"a_filled_qty", number(t.a_filled)},
              {"b_filled_qty", number(t.b_filled)},
              {"reason", t.reason}};
}

}  // namespace

json execution_json(const exec::ExecutionView& view) {
  const exec::ExecutionCounters& c = view.counters;
  json skipped = json::object();
  for (const auto& [reason, count] : c.skipped) skipped[reason] = count;
  json counters{{"intents_received", c.intents_received}, {"trades_started", c.trades_started},
                {"orders_sent", c.orders_sent},           {"orders_rejected", c.orders_rejected},
                {"hedges_sent", c.hedges_sent},           {"hedges_lost", c.hedges_lost},
                {"unknown_outcomes", c.unknown_outcomes}, {"cancels_sent", c.cancels_sent},
                {"fills", c.fills},                       {"skipped", skipped}};
  json orders = json::array();
  for (const auto& order : view.orders) orders.push_back(order_json(order));
  json trades = json::array();
  for (const auto& trade : view.trades) trades.push_back(trade_json(trade));
  json open = json::object();
  for (const auto& [venue, count] : view.open_orders_per_venue) open[venue] = count;
  const exec::ReconReport& r = view.recon;
  json recon{{"state", !r.finished ? "pending" : (r.clean ? "clean" : "unclean")},
             {"orders_resolved", r.orders_resolved},
             {"orders_cancelled", r.orders_cancelled},
             {"unexplained_orders", r.unexplained_orders},
             {"hedges_resumed", r.hedges_resumed},
             {"problems", r.problems}};
  return json{{"counters", counters},
              {"orders", orders},
              {"trades", trades},
              {"open_orders_per_venue", open},
              {"recon", recon},
              {"hedge_latency_p95_ms", view.hedge_latency_p95_ms ? json(*view.hedge_latency_p95_ms) : json(nullptr)}};
}

json hedge_log_json(const exec::ExecutionView& view) {
  json entries = json::array();
  for (auto it = view.hedge_log.rbegin(); it != view.hedge_log.rend(); ++it) {
    entries.push_back({{"trade_parent_id", std::to_string(it->trade_parent_id)},
                       {"client_order_id", it->client_order_id},
                       {"venue", it->venue},
                       {"partial_fill_pct", it->partial_fill_pct},
                       {"hedge_sent", number(it->hedge_sent)},
                       {"hedge_latency_ms", it->hedge_latency_ms ? json(*it->hedge_latency_ms) : json(nullptr)},
                       {"ts", iso_of_ms(it->ts_ms)}});
  }
  return json{{"hedges", entries}};
}

void add_execution_routes(GuardedRouter& router, const engine::SnapshotSlot* snapshots) {
  router.add("GET", "/api/ui/positions", [snapshots](const net::HttpRequest&) {
    const auto snap = snapshots->load();
    if (!snap || !snap->positions) {
      return net::HttpResponse::json(200, json{{"positions", json::array()}, {"exposure", json::array()}});
    }
    return net::HttpResponse::json(200, *snap->positions);
  });
  router.add("GET", "/api/ui/execution", [snapshots](const net::HttpRequest&) {
    const auto snap = snapshots->load();
    if (!snap || !snap->execution) {
      return net::HttpResponse::json(503, json{{"error", "execution_unavailable"},
                                               {"message", "this daemon runs no executor (no journal)"}});
    }
    return net::HttpResponse::json(200, execution_json(*snap->execution));
  });
  router.add("GET", "/api/ui/hedge/log", [snapshots](const net::HttpRequest&) {
    const auto snap = snapshots->load();
    if (!snap || !snap->execution) return net::HttpResponse::json(200, json{{"hedges", json::array()}});
    return net::HttpResponse::json(200, hedge_log_json(*snap->execution));
  });
}

}  // namespace propbot::api
