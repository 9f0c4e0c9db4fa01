#include "core/api/routes/execution_routes.hpp"
#include "core/api/routes/exposure_json.hpp"
#include "core/api/routes/request_actor.hpp"

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
                {"cancels_failed", c.cancels_failed},
                {"zombies_cancelled", c.zombies_cancelled},
                {"dead_man_arm_failures", c.dead_man_arm_failures},
                {"stale_post_only_cancels", c.stale_post_only_cancels},
                {"fills", c.fills},                       {"skipped", skipped}};
  json orders = json::array();
  for (const auto& order : view.orders) orders.push_back(order_json(order));
  json trades = json::array();
  for (const auto& trade : view.trades) trades.push_back(trade_json(trade));
  json open = json::object();
  for (const auto& [venue, count] : view.open_orders_per_venue) open[venue] = count;
  json venue_health = json::array();
  for (const exec::VenueHealthView& health : view.venue_health) {
    venue_health.push_back({{"venue", health.venue},
                            {"samples", health.samples},
                            {"reject_rate", health.reject_rate},
                            {"latency_p95_ms", health.latency_p95_ms ? json(*health.latency_p95_ms) : json(nullptr)}});
  }
  json trips = json::array();
  for (const risk::Trip& trip : view.breaker_trips) trips.push_back(exec::trip_json(trip));
  const exec::ReconReport& r = view.recon;
  json recon{{"state", !r.finished ? "pending" : (r.clean ? "clean" : "unclean")},
             {"orders_resolved", r.orders_resolved},
             {"fills_recovered", r.fills_recovered},
             {"orders_cancelled", r.orders_cancelled},
             {"unexplained_orders", r.unexplained_orders},
             {"hedges_resumed", r.hedges_resumed},
             {"problems", r.problems}};
  json dead_man_venues = json::array();
  for (const exec::DeadManView& d : view.dead_man) {
    dead_man_venues.push_back({{"venue", d.venue},
                               {"state", std::string(exec::to_string(d.state))},
                               {"scope", d.scope},
                               {"armed_timeout_ms", d.armed_timeout_ms},
                               {"last_armed_at", d.last_armed_ms > 0 ? json(iso_of_ms(d.last_armed_ms)) : json(nullptr)},
                               {"arm_failures", d.arm_failures},
                               {"last_error", d.last_error.empty() ? json(nullptr) : json(d.last_error)}});
  }
  return json{{"counters", counters},
              {"dead_man", {{"timeout_ms", view.dead_man_timeout_ms}, {"venues", dead_man_venues}}},
              {"orders", orders},
              {"trades", trades},
              {"open_orders_per_venue", open},
              {"venue_health", venue_health},
              {"runaway_breaker", json{{"tripped", trips}}},
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
  router.add("GET", "/api/ui/exposure", [snapshots](const net::HttpRequest&) {
    const auto snap = snapshots->load();
    return net::HttpResponse::json(200, exposure_json(snap && snap->positions ? *snap->positions : nlohmann::json()));
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

namespace {

// The body of a manual pair, or the field that is wrong and how to fix it.
Result<Intent> manual_intent(const json& body) {
  auto text = [&](const char* field) -> Result<std::string> {
    if (!body.contains(field) || !body[field].is_string() || body[field].get<std::string>().empty()) {
      return make_error(Errc::invalid_argument, std::string(field) + ": required, a non-empty string");
    }
    return body[field].get<std::string>();
  };
  Intent intent;
  intent.strategy = "operator";
  intent.kind = IntentKind::hedged_pair;
  intent.reason = "manual pair";
  auto symbol = text("symbol");
  if (!symbol) return symbol.error();
  auto long_venue = text("long_venue");
  if (!long_venue) return long_venue.error();
  auto short_venue = text("short_venue");
  if (!short_venue) return short_venue.error();
  if (*long_venue == *short_venue) return make_error(Errc::invalid_argument, "short_venue: must differ from long_venue");
  intent.symbol = *symbol;
  intent.long_venue = *long_venue;
  intent.short_venue = *short_venue;
  if (!body.contains("notional_usdt") || !body["notional_usdt"].is_number() || !(body["notional_usdt"].get<double>() > 0)) {
    return make_error(Errc::invalid_argument, "notional_usdt: required, a number > 0 (USDT per leg)");
  }
  auto notional = intent_decimal(body["notional_usdt"].get<double>());
  if (!notional) return make_error(Errc::invalid_argument, "notional_usdt: " + notional.error().message);
  intent.notional_usdt = *notional;
  if (body.contains("max_slippage_bps")) {
    if (!body["max_slippage_bps"].is_number() || body["max_slippage_bps"].get<double>() < 0 ||
        body["max_slippage_bps"].get<double>() > 1000) {
      return make_error(Errc::invalid_argument, "max_slippage_bps: a number in [0, 1000]");
    }
    intent.max_slippage_bps = body["max_slippage_bps"].get<double>();
  }
  return intent;
}

net::HttpResponse refusal(const Error& error) {
  int status = 409;
  std::string code = "refused";
  if (error.code == Errc::invalid_argument) status = 400, code = "invalid";
  if (error.code == Errc::budget_exceeded) status = 423, code = "runaway_breaker";
  if (error.code == Errc::unavailable) status = 503, code = "unavailable";
  if (error.code == Errc::io_error || error.code == Errc::internal) status = 500, code = "internal";
  return net::HttpResponse::json(status, json{{"error", {{"code", code}, {"message", error.message}}}});
}

}  // namespace

void add_arb_routes(GuardedRouter& router, engine::EngineHandle& engine) {
  for (const bool execute : {false, true}) {
    router.add(
        "POST", execute ? "/api/arb/execute" : "/api/arb/preview",
        [&engine, execute](const net::HttpRequest& request) {
          auto intent = manual_intent(request.json);
          if (!intent) return refusal(intent.error());
          const control::Actor actor = actor_of(request);
          auto answer = engine.manual_trade(*intent, execute, actor.name + "@" + actor.source, std::chrono::seconds(5));
          if (!answer) return refusal(answer.error());
          return net::HttpResponse::json(200, *answer);
        },
        RouteOptions{true, Access::operator_, true});
  }
  // A tripped runaway breaker stays tripped until an operator re-enables (S-3.3); the
  // desk is in HOLD after a trip anyway, so trading again still takes a two-man resume.
  router.add(
      "POST", "/api/admin/runaway_breaker/reset",
      [&engine](const net::HttpRequest& request) {
        std::optional<std::string> strategy;
        if (request.json.contains("strategy")) {
          const json& named = request.json["strategy"];
          if (!named.is_string() || named.get<std::string>().empty() || named.get<std::string>().size() > 64) {
            return refusal(make_error(Errc::invalid_argument,
                                      "strategy: a strategy name (1..64 characters); omit it to reset every trip"));
          }
          strategy = named.get<std::string>();
        }
        const control::Actor actor = actor_of(request);
        auto answer = engine.reset_breaker(strategy, actor.name + "@" + actor.source, std::chrono::seconds(5));
        if (!answer) return refusal(answer.error());
        return net::HttpResponse::json(200, *answer);
      },
      RouteOptions{true, Access::operator_, true});
}

}  // namespace propbot::api
