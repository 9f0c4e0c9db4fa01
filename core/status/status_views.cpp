#include "core/status/status_views.hpp"

#include <algorithm>
#include <map>

namespace propbot::status {
namespace {

using nlohmann::json;

json distribution(json p50, json p95, json p99) { return {{"p50", p50}, {"p95", p95}, {"p99", p99}}; }

void unavailable(json& list, const std::string& field, const std::string& reason) {
  list.push_back({{"field", field}, {"reason", reason}});
}

json risk_part(const StatusInputs& in, const char* part) {
  if (!in.snapshot || !in.snapshot->risk) return nullptr;
  return in.snapshot->risk->value(part, json(nullptr));
}

json pnl_snapshot(const StatusInputs& in, json& missing) {
  if (!in.snapshot || !in.snapshot->pnl) {
    unavailable(missing, "pnl_snapshot", "no PnL view published (no executor)");
    return nullptr;
  }
  const json pnl = in.snapshot->pnl->value("pnl", json::object());
  const json a = pnl.value("attribution", json::object());
  const json stress =
      risk_part(in, "risk_snapshot").is_object()
          ? risk_part(in, "risk_snapshot").value("stress", json::object()).value("stress_tested_equity", json(nullptr))
          : json(nullptr);
  return {{"realized_pnl_today", pnl.value("realized_today_usdt", json(0))},
          {"unrealized_pnl", pnl.value("unrealized_usdt", json(0))},
          {"pnl_from_spread", a.value("pnl_from_spread", json(0))},
          {"pnl_from_funding", a.value("pnl_from_funding", json(0))},
          {"pnl_from_basis", a.value("pnl_from_basis", json(0))},
          {"pnl_from_rebate", a.value("pnl_from_rebate", json(0))},
          {"fees_paid", a.value("fees_paid", json(0))},
          {"slippage_cost", a.value("slippage_cost", json(0))},
          {"max_day_drawdown_bps", pnl.value("max_day_drawdown_bps", json(0))},
          {"stress_tested_equity", stress}};
}

json exposure_snapshot(const StatusInputs& in, json& missing) {
  const json capital = risk_part(in, "capital");
  if (!capital.is_object()) {
    unavailable(missing, "exposure_snapshot", "no risk view published");
    return nullptr;
  }
  json per_venue = json::object();
  json leverage = json::object();
  for (const auto& v : capital.value("venues", json::array())) {
    per_venue[v.value("venue", "")] = v.value("exposure_usdt", json(0));
    leverage[v.value("venue", "")] = v.value("leverage", json(0));
  }
  json per_symbol = json::object();
  int simulated_positions = 0;
  if (in.snapshot->positions) {
    for (const auto& row : in.snapshot->positions->value("exposure", json::array())) {
      const std::string symbol = row.value("symbol", "");
      const json notional = row.value("notional_usdt", json(nullptr));
      if (notional.is_number()) per_symbol[symbol] = per_symbol.value(symbol, 0.0) + notional.get<double>();
    }
    for (const auto& p : in.snapshot->positions->value("positions", json::array())) {
      if (p.value("status", "") == "simulated") ++simulated_positions;
    }
  }
  return {{"total_notional", capital.value("total_notional_usdt", json(0))},
          {"exposure_per_venue", per_venue},
          {"exposure_per_symbol", per_symbol},
          {"leverage_estimate_per_venue", leverage},
          {"simulated", {{"open_positions", simulated_positions}, {"dry_run_mode", in.snapshot->dry_run_mode}}}};
}

std::string strategy_state(const std::string& risk_state, const std::string& engine_state) {
  if (engine_state == "frozen" || risk_state == "frozen") return "frozen";
  if (risk_state == "degraded") return "degraded";
  if (risk_state == "stopped") return "paused";
  return "active";
}

json strategies_status(const StatusInputs& in) {
  json out = json::array();
  if (!in.snapshot) return out;
  std::map<std::string, json> risk;
  const json status = risk_part(in, "strategy_status");
  if (status.is_object()) {
    for (const auto& s : status.value("strategies", json::array())) risk[s.value("name", "")] = s;
  }
  for (const auto& s : in.snapshot->strategies) {
    const json r = risk.count(s.name) ? risk[s.name] : json::object();
    const json daily = r.value("budget", json::object()).value("daily_loss", json::object());
    const json pnl = r.value("pnl", json::object());
    const std::string state = strategy_state(r.value("state", ""), s.state);
    std::string freeze_reason = s.freeze_reason;
    if (freeze_reason.empty() && state == "frozen") freeze_reason = r.value("reason", "");
    out.push_back({{"strategy", s.name},
                   {"state", state},
                   {"budget_used", daily.value("used_today_usdt", json(nullptr))},
                   {"budget_limit", daily.value("limit_usdt", json(nullptr))},
                   {"realized_pnl_today", pnl.value("realized_today_usdt", json(nullptr))},
                   {"drawdown_today", pnl.value("drawdown_usdt", json(nullptr))},
                   {"frozen", state == "frozen"},
                   {"freeze_reason", freeze_reason.empty() ? json(nullptr) : json(freeze_reason)},
                   {"degraded_reason", state == "degraded" ? r.value("reason", json(nullptr)) : json(nullptr)},
                   {"last_trade_ts", nullptr}});
  }
  return out;
}

json alerts(const Evaluation& evaluation) {
  json out = json::array();
  for (const auto& c : evaluation.checks) {
    // Areas not built are in components and scores, not news: no alert.
    if (!c.implemented || (c.status != ComponentStatus::ERROR && c.status != ComponentStatus::WARN)) continue;
    const std::string severity = c.status == ComponentStatus::WARN ? "warn"
                                 : c.group == Group::P0            ? "critical"
                                                                   : "error";
    const auto since = evaluation.since.find(c.id);
    out.push_back({{"severity", severity},
                   {"title", c.title + " " + std::string(to_string(c.status))},
                   {"msg", c.summary},
                   {"since", since == evaluation.since.end() ? json(nullptr) : json(format_iso8601_ms(since->second))},
                   {"component_id", c.id}});
  }
  return out;
}

}  // namespace

std::string overall_status(const StatusInputs& in, const Evaluation& evaluation) {
  if (in.control && in.control->mode == Mode::kill) return "KILL";
  if (in.control && in.control->mode == Mode::hold) return "HOLD";
  if (!in.control) return "ERROR";
  bool warn = false;
  for (const auto& c : evaluation.checks) {
    if (c.status == ComponentStatus::ERROR && c.implemented && c.group == Group::P0) return "ERROR";
    if (c.status != ComponentStatus::OK) warn = true;
  }
  return warn ? "WARN" : "OK";
}

json components_json(const Evaluation& evaluation) {
  json rows = json::array();
  for (const auto& c : evaluation.checks) rows.push_back(to_json(c));
  const auto scores = group_scores(evaluation.checks);
  json by_group = json::object();
  for (Group g : kAllGroups) by_group[std::string(to_string(g))] = scores[static_cast<std::size_t>(g)];
  std::size_t not_built = static_cast<std::size_t>(
      std::count_if(evaluation.checks.begin(), evaluation.checks.end(), [](const auto& c) { return !c.implemented; }));
  return {{"components", rows}, {"scores", by_group}, {"count", rows.size()}, {"not_implemented", not_built}};
}

json slo_json(const StatusInputs& in, const StatusThresholds& t, const std::string& last_restart) {
  json missing = json::array();
  json hedge = distribution(nullptr, nullptr, nullptr);
  json reject_rate = nullptr, cancel_fail_rate = nullptr;
  json rate_limit_hits = json::object();
  if (in.snapshot && in.snapshot->execution) {
    const auto& view = *in.snapshot->execution;
    if (view.hedge_latency_p95_ms) hedge["p95"] = *view.hedge_latency_p95_ms;
    const auto& c = view.counters;
    reject_rate = c.orders_sent == 0 ? 0.0 : static_cast<double>(c.orders_rejected) / c.orders_sent;
    cancel_fail_rate = c.cancels_sent == 0 ? 0.0 : static_cast<double>(c.cancels_failed) / c.cancels_sent;
  } else {
    unavailable(missing, "reject_rate", "no executor");
    unavailable(missing, "cancel_fail_rate", "no executor");
  }
  unavailable(missing, "ws_gap_ms", "not measured yet: books report their age only (see max_book_age_ms)");
  unavailable(missing, "order_cycle_ms", "not measured yet as a distribution");
  unavailable(missing, "hedge_latency_ms.p50/p99", "the executor keeps the p95 only");
  unavailable(missing, "md_to_order_us", "not measured yet");
  unavailable(missing, "rate_limit_hits", "rate governor hits are not published in the snapshot yet");
  unavailable(missing, "exception_budget_remaining", "no exception budget defined yet");
  std::int64_t max_book_age = 0;
  if (in.snapshot) {
    for (const auto& b : in.snapshot->books) {
      if (b.valid) max_book_age = std::max(max_book_age, b.age_ms);
    }
  }
  json recon_mismatch = nullptr;
  if (in.snapshot && in.snapshot->recon) {
    recon_mismatch = in.snapshot->recon->value("status", json::object()).value("diffs", json::array()).size();
  }
  json drawdown = nullptr;
  if (in.snapshot && in.snapshot->pnl) {
    drawdown = in.snapshot->pnl->value("pnl", json::object()).value("max_day_drawdown_bps", json(nullptr));
  }
  const bool pressure = in.memory_usage_mb > t.memory_mb_warn;
  return {{"ws_gap_ms", distribution(nullptr, nullptr, nullptr)},
          {"max_book_age_ms", max_book_age},
          {"order_cycle_ms", distribution(nullptr, nullptr, nullptr)},
          {"hedge_latency_ms", hedge},
          {"md_to_order_us", distribution(nullptr, nullptr, nullptr)},
          {"reject_rate", reject_rate},
          {"cancel_fail_rate", cancel_fail_rate},
          {"rate_limit_hits", nullptr},
          {"recon_mismatch", recon_mismatch},
          {"max_day_drawdown_bps", drawdown},
          {"exception_budget_remaining", nullptr},
          {"process_uptime_sec", in.uptime_sec},
          {"last_restart_ts_utc", last_restart},
          {"memory_usage_mb", in.memory_usage_mb},
          {"memory_pressure_flag", pressure},
          {"memory_pressure_critical", in.memory_usage_mb > t.memory_mb_critical},
          {"targets",
           {{"ws_gap_ms_p95", 400},
            {"order_cycle_ms_p95", 200},
            {"reject_rate", t.reject_rate_warn},
            {"cancel_fail_rate", t.cancel_fail_rate_warn}}},
          {"unavailable", missing}};
}

json overview_json(const StatusInputs& in, const Evaluation& evaluation, const StatusThresholds& t,
                   const std::string& last_restart) {
  json missing = json::array();
  json control_state = nullptr, flags = nullptr, autopilot = nullptr, security = nullptr;
  if (in.control) {
    const auto& c = *in.control;
    control_state = {{"mode", std::string(to_string(c.mode))},
                     {"safe_mode", c.safe_mode},
                     {"dry_run_mode", c.dry_run_mode},
                     {"reason", c.reason},
                     {"since", c.since}};
    flags = {{"hold_active", c.mode != Mode::resume},
             {"safe_mode", c.safe_mode},
             {"dry_run_mode", c.dry_run_mode},
             {"two_man_resume_required", c.mode != Mode::resume}};
    autopilot = {{"autopilot_last_decision", c.autopilot_last_decision}, {"autopilot_status", c.autopilot_status}};
    security = {{"tamper_status", c.tamper_status}};
  } else {
    unavailable(missing, "control_state", "no control plane wired");
  }
  const json pending =
      in.incidents.is_object() ? in.incidents.value("postmortem_required", json::array()) : json::array();
  const json snapshot = risk_part(in, "risk_snapshot");
  bool breaker = false, stress = false;
  if (snapshot.is_object()) {
    breaker = !snapshot.value("breakers", json::array()).empty();
    stress = snapshot.value("stress", json::object()).value("breached", false);
  }
  if (in.snapshot && in.snapshot->execution) breaker = breaker || !in.snapshot->execution->breaker_trips.empty();
  bool unhedged = false;
  if (in.snapshot && in.snapshot->recon) {
    unhedged = in.snapshot->recon->value("status", json::object()).value("has_unhedged_directional_exposure", false);
  }
  json risk_flags = {{"daily_loss_cap_status", daily_loss_cap_breached(in) ? "BREACHED" : "OK"},
                     {"circuit_breaker_triggered", breaker},
                     {"stress_warning", stress},
                     {"unresolved_P0_blocking", !pending.empty()},
                     {"has_unhedged_directional_exposure", unhedged}};
  json leader = in.control && !in.control->leader_id.empty() ? json(in.control->leader_id) : json(nullptr);
  json infra = {
      {"leader_id", leader}, {"standby_id", nullptr}, {"standby_synced", nullptr}, {"split_brain_detected", nullptr}};
  unavailable(missing, "infra.leader_id",
              "leader election is not implemented (null unless the control state names one)");
  unavailable(missing, "infra.standby_id", "standby is not implemented");
  unavailable(missing, "infra.standby_synced", "standby sync is not implemented");
  unavailable(missing, "infra.split_brain_detected", "split-brain detection is not implemented");
  unavailable(missing, "strategies_status[].last_trade_ts", "trades are not timestamped per strategy yet");

  const auto scores = group_scores(evaluation.checks);
  json score_json = json::object();
  for (Group g : kAllGroups) score_json[std::string(to_string(g))] = scores[static_cast<std::size_t>(g)];
  json components = json::array();
  for (const auto& c : evaluation.checks) components.push_back(to_json(c));

  return {{"ts", format_iso8601_ms(in.utc_now)},
          {"overall", overall_status(in, evaluation)},
          {"control_state", control_state},
          {"flags", flags},
          {"pnl_snapshot", pnl_snapshot(in, missing)},
          {"exposure_snapshot", exposure_snapshot(in, missing)},
          {"strategies_status", strategies_status(in)},
          {"risk_flags", risk_flags},
          {"infra", infra},
          {"autopilot", autopilot},
          {"security", security},
          {"scores", score_json},
          {"slo", slo_json(in, t, last_restart)},
          {"components", components},
          {"alerts", alerts(evaluation)},
          {"unavailable", missing}};
}

}  // namespace propbot::status
