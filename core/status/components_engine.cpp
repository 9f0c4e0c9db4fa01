// The engine side of the registry (components.hpp): read from the published snapshot.
#include <algorithm>
#include <map>

#include "core/status/components.hpp"

namespace propbot::status {
namespace {

using nlohmann::json;
using S = ComponentStatus;

// The engine has not published the view this component reads.
ComponentCheck missing(std::string id, std::string title, Group group, const std::string& view) {
  return make_check(std::move(id), std::move(title), group, S::ERROR, "no " + view + " published", json::object());
}

double ratio(std::uint64_t part, std::uint64_t whole) { return whole == 0 ? 0.0 : static_cast<double>(part) / whole; }

void market_data(const engine::EngineSnapshot& snap, const StatusThresholds& t, std::vector<ComponentCheck>& out) {
  struct Venue {
    int books = 0, valid = 0;
    std::int64_t max_age_ms = 0;
    std::uint64_t invalidations = 0;
    std::string last_error;
  };
  std::map<std::string, Venue> venues;
  std::vector<std::string> order;
  for (const auto& book : snap.books) {
    if (!venues.count(book.venue)) order.push_back(book.venue);
    auto& v = venues[book.venue];
    v.books += 1;
    v.invalidations += book.invalidations;
    if (book.valid) {
      v.valid += 1;
      v.max_age_ms = std::max(v.max_age_ms, book.age_ms);
    } else if (!book.invalid_reason.empty()) {
      v.last_error = book.symbol + ": " + book.invalid_reason;
    }
  }
  int books = 0, valid = 0;
  std::int64_t max_age = 0;
  S overall = snap.books.empty() ? S::ERROR : S::OK;
  for (const auto& name : order) {
    const Venue& v = venues[name];
    books += v.books;
    valid += v.valid;
    max_age = std::max(max_age, v.max_age_ms);
    S status = v.valid == 0 ? S::ERROR : v.valid < v.books ? S::WARN : S::OK;
    status = worst_of(status, judge(static_cast<double>(v.max_age_ms), t.book_age_ms_warn, t.book_age_ms_error));
    overall = worst_of(overall, status == S::ERROR ? S::WARN : status);
    if (v.valid == 0) overall = S::ERROR;
    // The router's recent orders at this venue (reject rate, send → first answer p95).
    json order_reject_rate = nullptr, order_latency_p95_ms = nullptr;
    if (snap.execution) {
      for (const auto& health : snap.execution->venue_health) {
        if (health.venue != name) continue;
        order_reject_rate = health.reject_rate;
        if (health.latency_p95_ms) order_latency_p95_ms = *health.latency_p95_ms;
        status = worst_of(status, judge(health.reject_rate, t.reject_rate_warn, t.reject_rate_error));
      }
    }
    out.push_back(make_check("exchange:" + name, "Exchange " + name, Group::P1, status,
                             std::to_string(v.valid) + "/" + std::to_string(v.books) + " books valid, oldest " +
                                 std::to_string(v.max_age_ms) + " ms",
                             {{"status", std::string(to_string(status))},
                              {"books", v.books},
                              {"valid_books", v.valid},
                              {"max_book_age_ms", v.max_age_ms},
                              {"invalidations", v.invalidations},
                              {"last_error", v.last_error},
                              {"order_reject_rate", order_reject_rate},
                              {"order_latency_p95_ms", order_latency_p95_ms},
                              {"ws_gap_ms_p95", nullptr},
                              {"rate_limit_utilization", nullptr}},
                             {"/api/ui/market", "/api/ui/execution"}));
  }
  out.insert(out.end() - static_cast<std::ptrdiff_t>(order.size()),
             make_check("market_data_layer", "Market data layer", Group::P0, overall,
                        std::to_string(valid) + "/" + std::to_string(books) + " books valid across " +
                            std::to_string(order.size()) + " venues",
                        {{"books", books},
                         {"valid_books", valid},
                         {"max_book_age_ms", max_age},
                         {"book_events", snap.book_events},
                         {"ws_gap_ms_p95_overall", nullptr}},
                        {"/api/ui/market"}));
}

void execution(const engine::EngineSnapshot& snap, const StatusThresholds& t, std::vector<ComponentCheck>& out) {
  if (!snap.execution) {
    out.push_back(missing("executor", "Executor", Group::P0, "execution view"));
    out.push_back(missing("atomic_two_leg", "Atomic two-leg execution", Group::P0, "execution view"));
    out.push_back(missing("journal", "Journal / outbox", Group::P0, "execution view"));
    out.push_back(missing("dead_man", "Dead-man switches", Group::P1, "execution view"));
    return;
  }
  const exec::ExecutionView& view = *snap.execution;
  const auto& c = view.counters;
  const double reject_rate = ratio(c.orders_rejected, c.orders_sent);
  const double cancel_fail_rate = ratio(c.cancels_failed, c.cancels_sent);
  S executor = worst_of(judge(reject_rate, t.reject_rate_warn, t.reject_rate_error),
                        judge(cancel_fail_rate, t.cancel_fail_rate_warn, t.cancel_fail_rate_error));
  if (!view.recon.finished) executor = worst_of(executor, S::WARN);
  out.push_back(make_check("executor", "Executor", Group::P0, executor,
                           std::to_string(c.orders_sent) + " orders sent, reject rate " + std::to_string(reject_rate),
                           {{"orders_sent", c.orders_sent},
                            {"orders_rejected", c.orders_rejected},
                            {"reject_rate", reject_rate},
                            {"cancels_sent", c.cancels_sent},
                            {"cancel_fail_rate", cancel_fail_rate},
                            {"order_cycle_ms_p95", nullptr},
                            {"startup_recon_finished", view.recon.finished}},
                           {"/api/ui/execution"}));

  json latency = view.hedge_latency_p95_ms ? json(*view.hedge_latency_p95_ms) : json(nullptr);
  S hedge = view.hedge_latency_p95_ms
                ? judge(*view.hedge_latency_p95_ms, t.hedge_latency_ms_p95_warn, t.hedge_latency_ms_p95_error)
                : S::OK;
  if (c.hedges_lost > 0) hedge = S::ERROR;
  out.push_back(make_check("atomic_two_leg", "Atomic two-leg execution", Group::P0, hedge,
                           c.hedges_lost > 0 ? std::to_string(c.hedges_lost) + " hedges lost"
                                             : std::to_string(c.hedges_sent) + " hedges sent, none lost",
                           {{"hedge_latency_ms_p95", latency},
                            {"order_cycle_ms_p95", nullptr},
                            {"reject_rate", reject_rate},
                            {"hedges_sent", c.hedges_sent},
                            {"hedges_lost", c.hedges_lost}},
                           {"/api/ui/hedge/log", "/api/ui/execution"}));

  const auto failed = c.skipped.find("journal_failed");
  const std::uint64_t journal_failures = failed == c.skipped.end() ? 0 : failed->second;
  out.push_back(make_check("journal", "Journal / outbox", Group::P0, journal_failures > 0 ? S::ERROR : S::OK,
                           journal_failures > 0 ? std::to_string(journal_failures) + " intents refused: journal failed"
                                                : "every order journalled before it was sent (gap = 0)",
                           {{"journal_failures", journal_failures}, {"gap", journal_failures}}, {"/api/ui/execution"}));

  std::uint64_t arm_failures = 0;
  std::string last_error;
  for (const auto& d : view.dead_man) {
    arm_failures += d.arm_failures;
    if (!d.last_error.empty()) last_error = d.venue + ": " + d.last_error;
  }
  out.push_back(
      make_check("dead_man", "Dead-man switches", Group::P1, last_error.empty() ? S::OK : S::WARN,
                 view.dead_man_timeout_ms == 0 ? "off (execution.dead_man_timeout_ms is 0)"
                                               : std::to_string(view.dead_man.size()) + " venues",
                 {{"timeout_ms", view.dead_man_timeout_ms}, {"arm_failures", arm_failures}, {"last_error", last_error}},
                 {"/api/ui/execution"}));
}

void risk(const engine::EngineSnapshot& snap, std::vector<ComponentCheck>& out) {
  if (!snap.risk) {
    out.push_back(missing("risk_governor", "Risk governor", Group::P0, "risk view"));
    out.push_back(missing("circuit_breakers", "Circuit breakers", Group::P1, "risk view"));
    out.push_back(missing("budgets", "Strategy budgets", Group::P1, "risk view"));
    return;
  }
  const json& r = *snap.risk;
  const json snapshot = r.value("risk_snapshot", json::object());
  std::vector<std::string> breached;
  for (const auto& cap : snapshot.value("caps", json::array())) {
    if (cap.value("breached", false)) breached.push_back(cap.value("name", ""));
  }
  const bool stress = snapshot.value("stress", json::object()).value("breached", false);
  S governor = breached.empty() ? (stress ? S::WARN : S::OK) : S::ERROR;
  std::string summary = breached.empty() ? "no cap breached" : "breached: " + breached.front();
  if (stress) summary += "; stress limit breached";
  out.push_back(make_check("risk_governor", "Risk governor", Group::P0, governor, summary,
                           {{"caps_breached", breached},
                            {"stress_breached", stress},
                            {"autopilot_blockers", r.value("autopilot_blockers", json::array())}},
                           {"/api/ui/risk_snapshot", "/api/ui/capital"}));

  const json breakers = snapshot.value("breakers", json::array());
  std::size_t trips = 0;
  if (snap.execution) trips = snap.execution->breaker_trips.size();
  const S breaker_status = breakers.empty() && trips == 0 ? S::OK : S::WARN;
  out.push_back(
      make_check("circuit_breakers", "Circuit breakers", Group::P1, breaker_status,
                 breaker_status == S::OK ? "none triggered" : std::to_string(breakers.size() + trips) + " triggered",
                 {{"risk_breakers", breakers.size()}, {"runaway_trips", trips}}, {"/api/ui/risk_snapshot"}));

  std::vector<std::string> exhausted;
  for (const auto& s : r.value("strategy_status", json::object()).value("strategies", json::array())) {
    const json daily = s.value("budget", json::object()).value("daily_loss", json::object());
    if (daily.value("limit_usdt", 0.0) > 0 && daily.value("remaining_usdt", 1.0) <= 0) {
      exhausted.push_back(s.value("name", ""));
    }
  }
  out.push_back(make_check("budgets", "Strategy budgets", Group::P1, exhausted.empty() ? S::OK : S::WARN,
                           exhausted.empty() ? "every daily loss budget has room"
                                             : std::to_string(exhausted.size()) + " daily loss budgets used up",
                           {{"exhausted", exhausted}}, {"/api/ui/strategy_budget"}));
}

void ledger(const engine::EngineSnapshot& snap, const StatusThresholds& t, std::vector<ComponentCheck>& out) {
  if (!snap.recon) {
    out.push_back(missing("recon", "Reconciliation", Group::P0, "recon view"));
  } else {
    const json status = snap.recon->value("status", json::object());
    const std::string verdict = status.value("status", "UNKNOWN");
    const S s = verdict == "OK" ? S::OK : verdict == "PENDING" ? S::WARN : S::ERROR;
    out.push_back(
        make_check("recon", "Reconciliation", Group::P0, s, "recon " + verdict,
                   {{"status", verdict},
                    {"passes", status.value("passes", 0)},
                    {"diffs", status.value("diffs", json::array()).size()},
                    {"last_check_ts", status.value("last_check_ts", json(nullptr))},
                    {"has_unhedged_directional_exposure", status.value("has_unhedged_directional_exposure", false)},
                    {"last_error", status.value("last_error", "")}},
                   {"/api/ui/recon/status"}));
  }
  if (!snap.pnl) {
    out.push_back(missing("pnl", "PnL attribution", Group::P2, "pnl view"));
    out.push_back(missing("tca", "TCA", Group::P2, "pnl view"));
    return;
  }
  const json pnl = snap.pnl->value("pnl", json::object());
  out.push_back(make_check("pnl", "PnL attribution", Group::P2, S::OK, "day " + pnl.value("day", std::string()),
                           {{"realized_today_usdt", pnl.value("realized_today_usdt", 0.0)},
                            {"unrealized_usdt", pnl.value("unrealized_usdt", 0.0)},
                            {"max_day_drawdown_bps", pnl.value("max_day_drawdown_bps", 0.0)}},
                           {"/api/ui/pnl"}));
  const json tca = pnl.value("tca", json::object());
  const double reject_rate = tca.value("reject_rate", 0.0);
  const double cancel_fail_rate = tca.value("cancel_fail_rate", 0.0);
  out.push_back(make_check(
      "tca", "TCA", Group::P2,
      worst_of(judge(reject_rate, t.reject_rate_warn, t.reject_rate_error),
               judge(cancel_fail_rate, t.cancel_fail_rate_warn, t.cancel_fail_rate_error)),
      "reject rate " + std::to_string(reject_rate) + ", cancel fail rate " + std::to_string(cancel_fail_rate), tca,
      {"/api/ui/pnl"}));
}

void strategies(const engine::EngineSnapshot& snap, std::vector<ComponentCheck>& out) {
  for (const auto& s : snap.strategies) {
    const bool frozen = s.state != "active";
    const S status = frozen ? S::WARN : s.faults > 0 ? S::WARN : S::OK;
    out.push_back(make_check("strategy:" + s.name, "Strategy " + s.name, Group::P1, status,
                             frozen ? s.state + ": " + s.freeze_reason : s.state,
                             {{"state", s.state},
                              {"version", s.version},
                              {"calls", s.calls},
                              {"faults", s.faults},
                              {"intents", s.intents},
                              {"last_fault", s.last_fault},
                              {"on_book_p99_us", s.on_book_p99_us}},
                             {"/api/ui/strategies/" + s.name}));
  }
}

void policy(const engine::EngineSnapshot& snap, std::vector<ComponentCheck>& out) {
  const engine::PolicyView& p = snap.policy;
  if (!p.loaded) {
    out.push_back(
        make_check("regime_engine", "Regime engine", Group::P2, S::WARN, "no policies loaded", json::object()));
    out.push_back(
        make_check("policy_matrix", "Policy matrix", Group::P2, S::WARN, "no policies loaded", json::object()));
    out.push_back(make_check("sizing", "Sizing", Group::P2, S::WARN, "no policies loaded: intents keep their size",
                             json::object()));
    return;
  }
  std::size_t fallbacks = 0;
  json regimes = json::array();
  for (const auto& r : p.regimes) {
    if (r.fallback) ++fallbacks;
    regimes.push_back(
        {{"symbol", r.symbol}, {"regime", r.regime}, {"confidence", r.confidence}, {"fallback", r.fallback}});
  }
  const S regime_status = !p.regimes.empty() && fallbacks == p.regimes.size() ? S::WARN : S::OK;
  out.push_back(make_check("regime_engine", "Regime engine", Group::P2, regime_status,
                           std::to_string(p.regimes.size()) + " symbols, " + std::to_string(fallbacks) + " on fallback",
                           {{"regimes", regimes}}, {"/api/ui/market"}));
  const S matrix = p.degraded ? S::ERROR : p.faults > 0 ? S::WARN : S::OK;
  out.push_back(make_check("policy_matrix", "Policy matrix", Group::P2, matrix,
                           p.degraded ? "degraded: " + p.last_fault : std::to_string(p.calls) + " calls",
                           {{"calls", p.calls},
                            {"faults", p.faults},
                            {"fallbacks", p.fallbacks},
                            {"degraded", p.degraded},
                            {"last_fault", p.last_fault},
                            {"last_fault_where", p.last_fault_where}},
                           {"/api/ui/market"}));
  out.push_back(make_check("sizing", "Sizing", Group::P2, p.degraded ? S::WARN : S::OK,
                           std::to_string(p.clamped_sizes) + " sizes clamped to the caps",
                           {{"clamped_sizes", p.clamped_sizes}}, {"/api/opportunities"}));
}

}  // namespace

ComponentStatus judge(double value, double warn_limit, double error_limit) {
  if (value > error_limit) return S::ERROR;
  if (value > warn_limit) return S::WARN;
  return S::OK;
}

std::vector<ComponentCheck> engine_components(const StatusInputs& inputs, const StatusThresholds& t) {
  std::vector<ComponentCheck> out;
  // Before the first publish every area is judged on an empty snapshot: each reports
  // that its view is missing (ERROR), so the registry keeps its size.
  const engine::EngineSnapshot empty;
  const engine::EngineSnapshot& snap = inputs.snapshot ? *inputs.snapshot : empty;
  if (!inputs.snapshot) {
    out.push_back(
        make_check("engine_loop", "Engine loop", Group::P0, S::ERROR, "no snapshot published yet", json::object()));
  } else {
    const double age_ms = std::chrono::duration<double, std::milli>(inputs.now - snap.built_at).count();
    out.push_back(make_check("engine_loop", "Engine loop", Group::P0,
                             age_ms > t.engine_stale_ms_error ? S::ERROR : S::OK,
                             "last snapshot " + std::to_string(static_cast<std::int64_t>(age_ms)) + " ms ago",
                             {{"snapshot_age_ms", age_ms}, {"book_events", snap.book_events}}, {"/healthz"}));
  }
  market_data(snap, t, out);
  execution(snap, t, out);
  // The risk, recon and PnL views are JSON: a field of an unexpected type makes that
  // area ERROR ("unreadable"), never the whole registry fail.
  const auto guarded = [&out](const char* id, const char* title, Group group, const auto& area) {
    const std::size_t before = out.size();
    try {
      area();
    } catch (const json::exception& e) {
      out.resize(before);
      out.push_back(
          make_check(id, title, group, S::ERROR, std::string("unreadable view: ") + e.what(), json::object()));
    }
  };
  guarded("risk_governor", "Risk governor", Group::P0, [&] { risk(snap, out); });
  guarded("recon", "Reconciliation", Group::P0, [&] { ledger(snap, t, out); });
  strategies(snap, out);
  policy(snap, out);
  out.push_back(make_check("config", "Config bundle", Group::P2, snap.bundle_version > 0 ? S::OK : S::WARN,
                           "bundle version " + std::to_string(snap.bundle_version),
                           {{"bundle_version", snap.bundle_version}, {"reloads", snap.reloads}},
                           {"/api/ui/config/versions"}));
  return out;
}

}  // namespace propbot::status
