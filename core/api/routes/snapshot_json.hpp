// The JSON forms of an EngineSnapshot's market parts — an opportunity (the strategy's
// proposal with its policy and risk verdicts), a book top, a strategy's state and the
// policy pipeline (regimes and firing breakers) — as GET /api/opportunities and
// GET /api/ui/market print them. One form for every reader: the routes and the
// forensic bundles (core/forensics) print the same fields; docs/API.md documents them.
//
// Pure functions of plain values, any thread.
#pragma once

#include <nlohmann/json.hpp>

#include "core/engine/snapshot.hpp"

namespace propbot::api {

nlohmann::json opportunity_json(const engine::OpportunityView& opportunity);
nlohmann::json policy_json(const engine::PolicyView& policy);
nlohmann::json book_json(const engine::BookView& book);
nlohmann::json strategy_json(const engine::StrategyView& strategy);

}  // namespace propbot::api
