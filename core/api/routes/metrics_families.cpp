#include "core/api/routes/metrics_families.hpp"

#include <cmath>
#include <string_view>

#include "core/common/mode.hpp"
#include "core/common/severity.hpp"

namespace propbot::api {
namespace {

using nlohmann::json;

double number_or_nan(const json& value) { return value.is_number() ? value.get<double>() : std::nan(""); }

void add_engine(MetricsText& out, const engine::EngineSnapshot& snap) {
  for (Mode mode : kAllModes) {
    out.add_gauge("propbot_mode", "The desk's control mode: 1 for the current one (HOLD, RESUME or KILL), 0 for the others.",
                  {{"mode", std::string(to_string(mode))}}, snap.mode == mode ? 1 : 0);
  }
  out.add_gauge("propbot_safe_mode", "1 while safe mode is on.", {}, snap.safe_mode ? 1 : 0);
  out.add_gauge("propbot_dry_run_mode", "1 while dry-run mode is on (trades go to the venues' twins).", {},
                snap.dry_run_mode ? 1 : 0);
  out.add_counter("propbot_book_events_total", "Book events the engine processed since start.", {},
                  static_cast<double>(snap.book_events));
  out.add_counter("propbot_config_reloads_total", "Hot reloads of the config bundle applied since start.", {},
                  static_cast<double>(snap.reloads));
  out.add_gauge("propbot_bundle_version", "The config bundle version running.", {},
                static_cast<double>(snap.bundle_version));
  for (const auto& book : snap.books) {
    const MetricLabels labels{{"venue", book.venue}, {"symbol", book.symbol}};
    out.add_gauge("propbot_book_valid", "1 while the book is usable (synced, not crossed, fresh).", labels,
                  book.valid ? 1 : 0);
    out.add_gauge("propbot_book_age_seconds", "Age of the book's last update at the last snapshot (book freshness), seconds.",
                  labels, static_cast<double>(book.age_ms) / 1000.0);
    out.add_counter("propbot_book_updates_total", "Updates applied to the book since start.", labels,
                    static_cast<double>(book.updates));
    out.add_counter("propbot_book_invalidations_total", "Times the book was invalidated (each one a resync).", labels,
                    static_cast<double>(book.invalidations));
  }
  for (const auto& strategy : snap.strategies) {
    const MetricLabels labels{{"strategy", strategy.name}};
    out.add_gauge("propbot_strategy_active", "1 while the strategy runs, 0 while it is frozen.", labels,
                  strategy.state == "active" ? 1 : 0);
    out.add_counter("propbot_strategy_calls_total", "Strategy callbacks since its running version loaded.", labels,
                    static_cast<double>(strategy.calls));
    out.add_counter("propbot_strategy_faults_total", "Strategy faults since its running version loaded.", labels,
                    static_cast<double>(strategy.faults));
    out.add_counter("propbot_strategy_intents_total", "Intents proposed since the strategy's running version loaded.",
                    labels, static_cast<double>(strategy.intents));
  }
}

void add_execution(MetricsText& out, const exec::ExecutionView& view) {
  const exec::ExecutionCounters& c = view.counters;
  const auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    out.add_counter(name, help, {}, static_cast<double>(value));
  };
  counter("propbot_intents_received_total", "Approved intents the executor received.", c.intents_received);
  counter("propbot_orders_sent_total", "Orders sent to venues (twins included).", c.orders_sent);
  counter("propbot_orders_rejected_total", "Orders a venue refused.", c.orders_rejected);
  counter("propbot_cancels_sent_total", "Cancels sent to venues.", c.cancels_sent);
  counter("propbot_cancels_failed_total", "Cancels a venue refused (an already ended order is not counted).",
          c.cancels_failed);
  counter("propbot_fills_total", "Fills received.", c.fills);
  counter("propbot_hedges_sent_total", "Hedge (leg B) orders sent.", c.hedges_sent);
  counter("propbot_hedges_lost_total", "Trades whose hedge missed its deadline (P0 hedge_lost).", c.hedges_lost);
  counter("propbot_unknown_outcomes_total", "Order calls with no answer, resolved by querying the order.",
          c.unknown_outcomes);
  for (const auto& [reason, count] : c.skipped) {
    out.add_counter("propbot_execution_skips_total", "Intents the executor did not trade, by reason (SkipReason).",
                    {{"reason", reason}}, static_cast<double>(count));
  }
  for (const auto& [venue, open] : view.open_orders_per_venue) {
    out.add_gauge("propbot_open_orders", "Real open orders per venue.", {{"venue", venue}}, open);
  }
  if (view.hedge_latency_p95_ms) {
    out.add_gauge("propbot_hedge_latency_p95_seconds",
                  "p95 of the recent hedge latencies (leg A fill seen to leg B acknowledged), seconds.", {},
                  *view.hedge_latency_p95_ms / 1000.0);
  }
}

void add_risk(MetricsText& out, const json& risk) {
  const json* snapshot = risk.contains("risk_snapshot") ? &risk.at("risk_snapshot") : nullptr;
  if (snapshot == nullptr || !snapshot->is_object()) return;
  if (auto by_strategy = snapshot->find("skips_by_strategy"); by_strategy != snapshot->end() && by_strategy->is_object()) {
    for (const auto& [strategy, reasons] : by_strategy->items()) {
      if (!reasons.is_object()) continue;
      for (const auto& [reason, count] : reasons.items()) {
        out.add_counter("propbot_risk_skips_total", "Trades the risk governor refused, by reason and strategy.",
                        {{"reason", reason}, {"strategy", strategy}}, number_or_nan(count));
      }
    }
  }
  if (auto pnl = snapshot->find("pnl"); pnl != snapshot->end() && pnl->is_object()) {
    for (const auto& [key, bucket] : {std::pair{"realized_today_usdt", "realized_today"},
                                      std::pair{"realized_month_usdt", "realized_month"},
                                      std::pair{"unrealized_usdt", "unrealized"}}) {
      if (!pnl->contains(key)) continue;
      out.add_gauge("propbot_pnl_usdt", "PnL as the risk governor counts it, USDT, by bucket.", {{"bucket", bucket}},
                    number_or_nan(pnl->at(key)));
    }
  }
}

void add_recon(MetricsText& out, const json& recon) {
  const json* status = recon.contains("status") && recon.at("status").is_object() ? &recon.at("status") : nullptr;
  if (status == nullptr) return;
  if (auto passes = status->find("passes"); passes != status->end() && passes->is_number()) {
    out.add_counter("propbot_recon_passes_total", "Reconciliation passes against the venues since start.", {},
                    passes->get<double>());
  }
  if (auto state = status->find("status"); state != status->end() && state->is_string()) {
    out.add_gauge("propbot_recon_mismatch", "1 while reconciliation stands in mismatch (STATE DESYNC).", {},
                  state->get<std::string>() == "mismatch" ? 1 : 0);
  }
  if (auto diffs = status->find("diffs"); diffs != status->end() && diffs->is_array()) {
    out.add_gauge("propbot_recon_diffs", "Confirmed differences between the ledger and the venues.", {},
                  static_cast<double>(diffs->size()));
  }
}

void add_incidents(MetricsText& out, const IncidentFigures& figures) {
  for (std::size_t i = 0; i < kAllSeverities.size(); ++i) {
    out.add_gauge("propbot_incidents_active", "Open incidents by severity.",
                  {{"severity", std::string(to_string(kAllSeverities[i]))}},
                  static_cast<double>(figures.active_by_severity[i]));
  }
  out.add_gauge("propbot_trade_locked", "1 while a P0 incident waits for its postmortem (TRADE LOCKED).", {},
                figures.trade_locked ? 1 : 0);
}

}  // namespace

void add_metric_families(MetricsText& out, const MetricsInputs& inputs) {
  if (inputs.snapshot != nullptr) {
    const engine::EngineSnapshot& snap = *inputs.snapshot;
    add_engine(out, snap);
    if (snap.execution) add_execution(out, *snap.execution);
    if (snap.risk) add_risk(out, *snap.risk);
    if (snap.recon) add_recon(out, *snap.recon);
  }
  if (inputs.incidents) add_incidents(out, *inputs.incidents);
  if (inputs.render_seconds != nullptr) {
    out.add_histogram("propbot_metrics_render_seconds", "Time to build one /metrics exposition, seconds.", {},
                      *inputs.render_seconds);
  }
}

}  // namespace propbot::api
