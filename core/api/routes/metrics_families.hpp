// metrics_families: what GET /metrics says (SPEC S-11.7) — the engine's published
// snapshot, the control plane's active incidents and the route's own render timings
// turned into Prometheus families through MetricsText. Pure: no clock, no I/O.
//
// Guarantees:
//  - Only measured figures: a family appears when its source exists (no executor → no
//    execution families; no desk → no incident families); nothing is a placeholder zero.
//    The families S-11.7 names that the daemon does not measure yet are listed in
//    docs/GAP_REPORT.md, not printed.
//  - No secret and no free text: labels carry only configured venue, symbol and strategy
//    names and enum names (Mode, Severity, SkipReason, RiskReason, PnL bucket).
//  - Bounded cardinality: per-book families ≤ configured venues × symbols; per-strategy
//    ≤ loaded strategies; risk_skips_total ≤ 20 reasons × 64 strategies (the governor's
//    kMaxTrackedStrategies); execution_skips_total ≤ 12 reasons; open_orders ≤ venues;
//    mode 3, incidents 3 severities, pnl 3 buckets.
//  - Names follow Prometheus's base units (promtool's lint refuses abbreviated units):
//    a figure the engine keeps in ms is printed in seconds under `_seconds`.
// Uses MetricsText, EngineSnapshot (core/engine/snapshot.hpp), Severity.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/api/routes/metrics_text.hpp"
#include "core/engine/snapshot.hpp"

namespace propbot::api {

// The control plane's incidents as the scrape saw them.
struct IncidentFigures {
  std::array<std::uint64_t, 3> active_by_severity{};  // P0, P1, P2 (kAllSeverities order)
  bool trade_locked = false;                          // a P0 waits for its postmortem
};

struct MetricsInputs {
  const engine::EngineSnapshot* snapshot = nullptr;  // null before the first publish
  std::optional<IncidentFigures> incidents;          // nullopt: no desk, or its store failed
  const BucketHistogram* render_seconds = nullptr;   // the route's past scrape render times
};

// Adds every family the inputs hold to `out`.
void add_metric_families(MetricsText& out, const MetricsInputs& inputs);

}  // namespace propbot::api
