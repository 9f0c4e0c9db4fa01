#include "core/forensics/forensic_capture.hpp"

#include <utility>

#include "core/api/routes/execution_routes.hpp"
#include "core/api/routes/snapshot_json.hpp"
#include "core/bundle/recorded_market_json.hpp"

namespace propbot::forensics {
namespace {

using nlohmann::json;

constexpr const char* kNoSnapshot = "the engine had published no snapshot when the incident was recorded";

// What every snapshot-based document opens with: which picture of the engine it is.
json snapshot_header(const engine::EngineSnapshot& snap) {
  return json{{"snapshot_ts", format_iso8601_ms(snap.ts)},
              {"mode", std::string(to_string(snap.mode))},
              {"hold_reason", snap.hold_reason},
              {"safe_mode", snap.safe_mode},
              {"dry_run_mode", snap.dry_run_mode},
              {"bundle_version", snap.bundle_version}};
}

json book_tops(const engine::EngineSnapshot& snap) {
  json books = json::array();
  for (const auto& book : snap.books) books.push_back(api::book_json(book));
  return books;
}

json books_document(const engine::EngineSnapshot& snap) {
  json out = snapshot_header(snap);
  out["book_events"] = snap.book_events;
  out["books"] = book_tops(snap);
  // The depth of every valid book, as the strategies' market view held it (refreshed
  // at most once a second by the engine: depth_recorded_at says when).
  if (snap.market) {
    out["depth_recorded_at"] = format_iso8601_ms(snap.market->recorded_at());
    out["depth"] = bundle::recorded_market_to_json(*snap.market);
  } else {
    out["depth_recorded_at"] = nullptr;
    out["depth"] = nullptr;
  }
  return out;
}

// The books (tops, with mark price and funding), the features and regimes the scripts
// saw, and the strategies' state with their parameters.
json strategy_inputs_document(const engine::EngineSnapshot& snap) {
  json out = snapshot_header(snap);
  out["books"] = book_tops(snap);
  out["policy"] = api::policy_json(snap.policy);
  json strategies = json::array();
  for (const auto& strategy : snap.strategies) strategies.push_back(api::strategy_json(strategy));
  out["strategies"] = std::move(strategies);
  out["depth"] = "books.json";
  return out;
}

json proposals_document(const engine::EngineSnapshot& snap) {
  json out = snapshot_header(snap);
  json opportunities = json::array();
  for (const auto& opportunity : snap.opportunities) opportunities.push_back(api::opportunity_json(opportunity));
  out["opportunities"] = std::move(opportunities);
  // The executor's trades: the intents that went past risk and control, with their state.
  out["trades"] = snap.execution ? api::execution_json(*snap.execution)["trades"] : json(nullptr);
  return out;
}

json execution_document(const engine::EngineSnapshot& snap) {
  if (!snap.execution) return unavailable("this daemon runs no executor (no journal)");
  json out = snapshot_header(snap);
  out["execution"] = api::execution_json(*snap.execution);
  out["hedge_log"] = api::hedge_log_json(*snap.execution)["hedges"];
  return out;
}

json shared_view_document(const engine::EngineSnapshot& snap, const std::shared_ptr<const json>& view,
                          const char* missing) {
  if (!view) return unavailable(missing);
  json out = snapshot_header(snap);
  out["view"] = *view;
  return out;
}

}  // namespace

json unavailable(const std::string& reason) { return json{{"available", false}, {"reason", reason}}; }

std::vector<BundleDocument> bundle_documents(const ForensicCapture& capture, json market_history) {
  json incident = control::to_json(capture.incident);
  incident["captured_at"] = format_iso8601_ms(capture.captured_at);
  std::vector<BundleDocument> documents;
  documents.push_back({"incident.json", std::move(incident)});

  const engine::EngineSnapshot* snap = capture.snapshot.get();
  auto from_snapshot = [&](const char* name, auto build) {
    documents.push_back({name, snap != nullptr ? build(*snap) : unavailable(kNoSnapshot)});
  };
  from_snapshot("books.json", books_document);
  from_snapshot("strategy_inputs.json", strategy_inputs_document);
  from_snapshot("proposals.json", proposals_document);
  from_snapshot("execution.json", execution_document);
  from_snapshot("positions.json", [](const engine::EngineSnapshot& s) {
    return shared_view_document(s, s.positions, "this daemon runs no executor (no ledger positions)");
  });
  from_snapshot("risk.json", [](const engine::EngineSnapshot& s) {
    return shared_view_document(s, s.risk, "the risk governor had published no view");
  });
  documents.push_back({"market_history.json", market_history.is_null()
                                                  ? unavailable("no market history store is attached")
                                                  : std::move(market_history)});
  return documents;
}

}  // namespace propbot::forensics
