// ForensicCapture: what a P0 leaves behind at the instant it is recorded, in memory —
// the incident row and the engine's latest published snapshot (books, the strategies'
// proposals with their policy and risk verdicts, strategies, policy and regimes, the
// executor's view with its hedge log, positions and risk views; SPEC S-4.3, S-9.4) —
// and the documents a bundle is made of.
//
// Taking a capture is a pointer copy: the snapshot is immutable and shared with the
// API thread. bundle_documents() turns one into the bundle's JSON documents, in the
// forms the API prints (core/api/routes/snapshot_json.hpp, execution_routes.hpp), so
// an investigator reads the same fields as the dashboard showed.
//
// Pure functions of plain values, any thread (the writer's).
// Uses: core/control (Incident), core/engine (EngineSnapshot), core/api/routes (the
// JSON forms), core/bundle (the recorded books' depth).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/control/incident_log.hpp"
#include "core/engine/snapshot.hpp"

namespace propbot::forensics {

struct ForensicCapture {
  control::Incident incident;
  // The engine's latest published snapshot when the incident was recorded; null when
  // the engine had published none (a P0 at start-up, before the engine runs).
  std::shared_ptr<const engine::EngineSnapshot> snapshot;
  UtcTime captured_at{};
};

// One file of a bundle: its name (e.g. "books.json") and its content.
struct BundleDocument {
  std::string name;
  nlohmann::json content;
};

// The bundle's files but the manifest, in this order: incident.json, books.json,
// strategy_inputs.json, proposals.json, execution.json, positions.json, risk.json,
// market_history.json. A part the snapshot lacks (no snapshot, no executor) is
// {"available": false, "reason": "..."}; so is market_history when `market_history` is
// null (no history store).
std::vector<BundleDocument> bundle_documents(const ForensicCapture& capture, nlohmann::json market_history);

// {"available": false, "reason": reason}: the one shape of a part that is missing.
nlohmann::json unavailable(const std::string& reason);

}  // namespace propbot::forensics
