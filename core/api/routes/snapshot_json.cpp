#include "core/api/routes/snapshot_json.hpp"

namespace propbot::api {

using nlohmann::json;

json opportunity_json(const engine::OpportunityView& o) {
  json out{{"strategy", o.strategy},
           {"kind", o.kind},
           {"symbol", o.symbol},
           {"long_venue", o.long_venue},
           {"short_venue", o.short_venue},
           {"spread_bps", o.spread_bps},
           {"net_spread_bps", o.net_spread_bps},
           {"notional_suggestion", o.notional_suggestion},
           {"intent_notional_usdt", o.intent_notional_usdt},
           {"long_price", o.long_price},
           {"short_price", o.short_price},
           {"reduce_only", o.reduce_only},
           {"reason", o.reason},
           {"regime", o.regime.empty() ? json(nullptr) : json(o.regime)},
           {"regime_confidence", o.regime_confidence},
           {"policy_min_edge_bps", o.policy_min_edge_bps},
           {"risk_reason", o.risk_reason.empty() ? json(nullptr) : json(o.risk_reason)},
           {"policy", o.policy},
           {"status", o.status},
           {"first_seen", format_iso8601_ms(o.first_seen)},
           {"last_seen", format_iso8601_ms(o.last_seen)}};
  if (o.kind == "single") {
    out["venue"] = o.venue;
    out["side"] = o.side;
    out["price"] = o.price;
    out["post_only"] = o.post_only;
  }
  return out;
}

json policy_json(const engine::PolicyView& p) {
  json regimes = json::array();
  for (const auto& r : p.regimes) {
    regimes.push_back({{"symbol", r.symbol},
                       {"regime", r.regime.empty() ? json(nullptr) : json(r.regime)},
                       {"confidence", r.confidence},
                       {"fallback", r.fallback}});
  }
  json breakers = json::array();
  for (const auto& b : p.breakers) {
    breakers.push_back({{"rule", b.rule}, {"action", b.action}, {"severity", b.severity}, {"reason", b.reason}});
  }
  return json{{"loaded", p.loaded},       {"degraded", p.degraded},   {"calls", p.calls},
              {"faults", p.faults},       {"fallbacks", p.fallbacks}, {"clamped_sizes", p.clamped_sizes},
              {"last_fault", p.last_fault}, {"last_fault_where", p.last_fault_where},
              {"regimes", regimes},       {"breakers", breakers}};
}

json book_json(const engine::BookView& b) {
  return json{{"venue", b.venue},       {"symbol", b.symbol},   {"instrument_id", b.instrument_id},
              {"valid", b.valid},       {"bid", b.bid},         {"ask", b.ask},
              {"bid_qty", b.bid_qty},   {"ask_qty", b.ask_qty}, {"mid", b.mid},
              {"spread_bps", b.spread_bps}, {"age_ms", b.age_ms}, {"sequence", b.sequence},
              {"updates", b.updates},   {"invalid_reason", b.invalid_reason},
              {"invalid_since", b.invalidations == 0 ? json(nullptr) : json(format_iso8601_ms(b.invalid_since))},
              {"invalidations", b.invalidations},
              {"mark_price", b.mark_price}, {"funding_rate", b.funding_rate},
              {"next_funding_time", b.next_funding_time == UtcTime{} ? json(nullptr) : json(format_iso8601_ms(b.next_funding_time))}};
}

json strategy_json(const engine::StrategyView& s) {
  return json{{"strategy", s.name},         {"state", s.state},
              {"file", s.file},             {"version", s.version},
              {"calls", s.calls},           {"faults", s.faults},
              {"intents", s.intents},       {"freeze_reason", s.freeze_reason},
              {"params", s.params.is_null() ? json::object() : s.params},
              {"last_fault", s.last_fault}, {"last_fault_where", s.last_fault_where},
              {"first_fault", s.first_fault}, {"first_fault_where", s.first_fault_where},
              {"timings", json{{"on_book_p50_us", s.on_book_p50_us}, {"on_book_p99_us", s.on_book_p99_us},
                               {"on_book_calls", s.on_book_calls}}}};
}

}  // namespace propbot::api
