// The operator's actions on a running engine, on its driving thread: a manual hedged
// pair (preview / execute), the runaway-breaker reset, and the kill path's flatten.
#include "core/engine/engine_loop.hpp"

namespace propbot::engine {

Result<nlohmann::json> Engine::manual_trade(Intent intent, bool execute, const std::string& operator_name) {
  Loop& loop = *loop_;
  if (!loop.executor) return make_error(Errc::unavailable, "this engine runs no executor");
  if (intent.kind != IntentKind::hedged_pair) return make_error(Errc::invalid_argument, "kind: only hedged_pair");
  intent.venues_pinned = true;  // the operator named the venues
  const double notional = intent.notional_usdt.to_double();
  for (const auto* leg : {&intent.long_venue, &intent.short_venue}) {
    const md::OrderBook* found = loop.books.find(*leg, intent.symbol);
    if (found == nullptr || !found->valid()) {
      return make_error(Errc::conflict, "no valid book for " + intent.symbol + " on " + *leg);
    }
    const bool buying = leg == &intent.long_venue;
    const md::DepthFill fill = found->fill_for_notional(buying ? md::BookSide::ask : md::BookSide::bid, notional);
    if (!fill.complete) {
      return make_error(Errc::conflict, "the " + *leg + " book cannot fill " + intent.notional_usdt.to_string() +
                                            " USDT of " + intent.symbol);
    }
    Decimal& price = buying ? intent.long_price : intent.short_price;
    if (price.sign() <= 0) {
      if (auto walked = intent_decimal(fill.avg_price)) price = *walked;
    }
  }
  const double buy = intent.long_price.to_double();
  const double sell = intent.short_price.to_double();
  intent.spread_bps = (sell - buy) / buy * 1e4;
  intent.net_spread_bps = intent.spread_bps;  // the operator judges fees
  const MonoTime now = loop.clock.now();
  const PolicyOutcome outcome = loop.policy.assess(intent, loop.config, loop.current_safe_mode(), now);
  const OpportunityStatus gate = opportunity_gate(loop.current_mode());
  // The operator judges the edge: the policy's min edge does not refuse a manual pair,
  // its sizing (clamped to the caps) does — and the risk governor (edge_below_min aside).
  const PolicyVerdict verdict =
      outcome.verdict == PolicyVerdict::below_min_edge ? PolicyVerdict::ok : outcome.verdict;
  std::optional<risk::RiskRefusal> refusal;
  risk::TradeCheck check;
  if (!intent.reduce_only && gate == OpportunityStatus::ready && policy_allows(verdict)) {
    check = loop.trade_check(intent, outcome.sized_notional_usdt);
    check.hedged = false;  // the operator's edge: no edge_below_min (still two legs)
    check.post_only = true;
    refusal = loop.governor.check(check, loop.current_safe_mode());
  }
  const RiskVerdict risk_verdict = !refusal ? RiskVerdict::admitted
                                   : refusal->reason == risk::RiskReason::safe_mode ? RiskVerdict::safe_mode
                                                                                    : RiskVerdict::refused;
  const OpportunityStatus status = intent.reduce_only && loop.current_mode() != Mode::kill
                                       ? OpportunityStatus::ready
                                       : opportunity_status(gate, verdict, risk_verdict);
  nlohmann::json answer{{"symbol", intent.symbol},
                        {"long_venue", intent.long_venue},
                        {"short_venue", intent.short_venue},
                        {"notional_usdt", notional},
                        {"long_price", buy},
                        {"short_price", sell},
                        {"spread_bps", intent.spread_bps},
                        {"status", std::string(to_string(status))},
                        {"policy", std::string(to_string(outcome.verdict))},
                        {"sized_notional_usdt", outcome.sized_notional_usdt}};
  if (refusal) {
    answer["risk_reason"] = std::string(risk::to_string(refusal->reason));
    answer["risk_detail"] = refusal->detail;
  }
  if (execute && status != OpportunityStatus::ready) {
    return make_error(Errc::conflict, std::string(to_string(status)) + ": the trade is not allowed now (policy " +
                                          std::string(to_string(outcome.verdict)) +
                                          (refusal ? "; risk " + refusal->detail : std::string()) + ")");
  }
  auto plan = loop.executor->preview(intent, outcome.sized_notional_usdt);
  if (!plan) {
    if (plan.error().message.rfind("runaway_breaker", 0) == 0) return make_error(Errc::budget_exceeded, plan.error().message);
    if (!execute) {
      answer["would_trade"] = false;
      answer["reason"] = plan.error().message;
      return answer;
    }
    return make_error(Errc::conflict, plan.error().message);
  }
  answer["would_trade"] = status == OpportunityStatus::ready;
  answer["qty"] = nlohmann::json::parse(plan->quantity.to_string());
  answer["leg_a"] = {{"venue", plan->leg_a_venue},
                     {"side", std::string(to_string(plan->leg_a_side))},
                     {"limit_price", nlohmann::json::parse(plan->leg_a_limit.to_string())},
                     {"time_in_force", "ioc"}};
  answer["leg_b"] = {{"venue", plan->leg_b_venue}, {"side", std::string(to_string(plan->leg_b_side))}};
  if (!execute) return answer;
  auto traded = loop.executor->submit(intent, outcome.sized_notional_usdt);
  if (!traded) {
    if (traded.error().message.rfind("runaway_breaker", 0) == 0) return make_error(Errc::budget_exceeded, traded.error().message);
    return make_error(traded.error().code == Errc::io_error ? Errc::io_error : Errc::conflict, traded.error().message);
  }
  if (!intent.reduce_only) loop.governor.admitted(check);
  answer["trade_parent_id"] = std::to_string(*traded);
  // Audit details are canonical JSON without fractions: amounts as their decimal text.
  nlohmann::json audited{{"trade_parent_id", answer["trade_parent_id"]},
                         {"symbol", intent.symbol},
                         {"long_venue", intent.long_venue},
                         {"short_venue", intent.short_venue},
                         {"notional_usdt", intent.notional_usdt.to_string()},
                         {"long_price", intent.long_price.to_string()},
                         {"short_price", intent.short_price.to_string()},
                         {"qty", plan->quantity.to_string()},
                         {"leg_a_venue", plan->leg_a_venue},
                         {"leg_a_limit", plan->leg_a_limit.to_string()},
                         {"policy", std::string(to_string(outcome.verdict))},
                         {"operator", operator_name}};
  loop.exec_desk.audit("manual_trade", audited);
  return answer;
}

Result<nlohmann::json> Engine::reset_breaker(const std::optional<std::string>& strategy,
                                             const std::string& operator_name) {
  Loop& loop = *loop_;
  if (!loop.executor) return make_error(Errc::unavailable, "this engine runs no executor");
  const std::vector<risk::Trip> cleared = loop.executor->reset_breaker(strategy);
  if (cleared.empty()) {
    return make_error(Errc::conflict, strategy ? "strategy " + *strategy + " has no standing runaway-breaker trip"
                                               : std::string("no runaway-breaker trip stands"));
  }
  nlohmann::json cleared_json = nlohmann::json::array();
  nlohmann::json reasons = nlohmann::json::array();
  for (const risk::Trip& trip : cleared) {
    cleared_json.push_back(exec::trip_json(trip));
    reasons.push_back(trip.reason_text());
  }
  nlohmann::json standing = nlohmann::json::array();
  for (const risk::Trip& trip : loop.executor->view().breaker_trips) standing.push_back(exec::trip_json(trip));
  // Audit details carry text only (no floats): the reasons say the numbers.
  loop.exec_desk.audit("runaway_breaker_reset", {{"operator", operator_name},
                                                 {"strategy", strategy ? *strategy : std::string("*")},
                                                 {"cleared", reasons}});
  loop.log.warn("runaway_breaker_reset", {{"operator", operator_name}, {"cleared", cleared.size()}});
  return nlohmann::json{{"cleared", cleared_json}, {"tripped", standing}};
}

void Engine::flatten(const std::string& reason) {
  Loop& loop = *loop_;
  if (!loop.executor) {
    loop.log.error("flatten_without_executor", {{"reason", reason}});
    return;
  }
  loop.log.error("hedge_flatten", {{"reason", reason}});
  loop.executor->hedge_flatten(reason, [&loop](const exec::SafetyReport& report) {
    nlohmann::json details{{"flat", report.flat},
                           {"orders_cancelled", report.orders_cancelled},
                           {"flatten_orders", report.flatten_orders},
                           {"remaining", report.remaining}};
    loop.exec_desk.audit("hedge_flatten_result", details);
    if (report.flat) {
      loop.log.warn("hedge_flatten_done", {{"orders_cancelled", report.orders_cancelled},
                                           {"flatten_orders", report.flatten_orders}});
      return;
    }
    std::string left;
    for (const auto& line : report.remaining) left += (left.empty() ? "" : "; ") + line;
    loop.exec_desk.safety_action(IncidentCode::recon_mismatch, "executor",
                                 "hedge_flatten could not make every venue flat: " + left);
  });
}

}  // namespace propbot::engine

namespace propbot::engine {

Result<nlohmann::json> Engine::risk_action(RiskAction action, const nlohmann::json& payload,
                                           const std::string& operator_name) {
  Loop& loop = *loop_;
  const UtcTime now = loop.clock.utc();
  // A refused action is audited too: a confirmed approval whose effect failed must show.
  auto failed = [&](Error error) {
    loop.exec_desk.audit("RISK_ACTION_FAILED", {{"operator", operator_name},
                                                {"action", action == RiskAction::reset_budget ? "reset_budget"
                                                           : action == RiskAction::unfreeze_strategy ? "unfreeze_strategy"
                                                                                                     : "raise_limit"},
                                                {"error", error.message}});
    return error;
  };
  auto strategy_of = [&]() -> Result<std::string> {
    if (!payload.is_object() || !payload.contains("strategy") || !payload["strategy"].is_string() ||
        payload["strategy"].get<std::string>().empty() || payload["strategy"].get<std::string>().size() > 64) {
      return make_error(Errc::invalid_argument, "field 'strategy': a strategy name (1..64 characters) or \"all\"");
    }
    return payload["strategy"].get<std::string>();
  };
  nlohmann::json answer;
  std::string audit_action;
  nlohmann::json audited{{"operator", operator_name}};
  switch (action) {
    case RiskAction::reset_budget: {
      auto strategy = strategy_of();
      if (!strategy) return failed(strategy.error());
      auto reset = loop.governor.reset_budget(*strategy, now);
      if (!reset) return failed(reset.error());
      answer = {{"reset", *reset}, {"at", format_iso8601_ms(now)}};
      audit_action = "BUDGET_RESET";
      audited["strategies"] = *reset;
      break;
    }
    case RiskAction::unfreeze_strategy: {
      auto strategy = strategy_of();
      if (!strategy) return failed(strategy.error());
      auto cleared = loop.governor.unfreeze(*strategy, now);
      if (!cleared) return failed(cleared.error());
      answer = *cleared;
      audit_action = "STRATEGY_UNFROZEN";
      audited["strategy"] = *strategy;
      audited["cleared"] = cleared->at("cleared").size();
      audited["trips_released"] = cleared->at("trips_released");
      break;
    }
    case RiskAction::raise_limit: {
      if (!payload.is_object() || !payload.contains("limit") || !payload["limit"].is_string()) {
        return failed(make_error(Errc::invalid_argument, "field 'limit': a cap name such as max_total_notional"));
      }
      auto cap = risk::parse_cap(payload["limit"].get<std::string>());
      if (!cap) {
        return failed(make_error(Errc::invalid_argument, "field 'limit': '" + payload["limit"].get<std::string>() +
                                                      "' is not a cap; use one of max_total_notional, "
                                                      "max_open_positions, max_notional_per_position, "
                                                      "max_exposure_per_symbol, max_exposure_per_venue, max_leverage, "
                                                      "daily_loss_cap, monthly_loss_cap, max_unrealized_loss"));
      }
      double value = 0;
      if (payload.contains("value") && payload["value"].is_number()) {
        value = payload["value"].get<double>();
      } else if (payload.contains("value") && payload["value"].is_string()) {
        try {
          value = std::stod(payload["value"].get<std::string>());
        } catch (...) {
          value = 0;
        }
      } else {
        return failed(make_error(Errc::invalid_argument, "field 'value': the new limit, a number"));
      }
      auto raised = loop.governor.raise_limit(*cap, value);
      if (!raised) return failed(raised.error());
      answer = *raised;
      audit_action = "RISK_LIMIT_RAISED";
      audited["cap"] = std::string(risk::to_string(*cap));
      audited["to"] = payload["value"].is_string() ? payload["value"].get<std::string>() : payload["value"].dump();
      break;
    }
  }
  loop.persist_risk_state();
  loop.exec_desk.audit(audit_action, audited);
  loop.log.warn("risk_action", {{"action", audit_action}, {"operator", operator_name}});
  loop.risk_json = loop.risk_views();
  return answer;
}

}  // namespace propbot::engine
