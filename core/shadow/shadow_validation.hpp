// Shadow validation (issue 15, SPEC S-7.5): a candidate bundle's changed strategies —
// new ones, and those whose script text, file, params or trust changed — are replayed
// over the engine's recent market tape (shadow_replay.hpp), and so are their running
// versions over the same events, after the dry runs of bundle::validate passed.
//
// The verdict: a fault of a changed strategy in the replay is a ValidationError at the
// fault's file:line ("shadow replay of the last 300 s (12345 events): strategy 'x' on_book failed at
// strategies/x.lua:12: … (calls 61, proposals 0, faults 1)"), so validate says invalid
// and apply refuses it (422); a changed strategy that never proposed is a warning. The
// figures go into the validate and apply answers as
//   "shadow": {"<strategy>": {"candidate": {calls, proposals, faults, first_fault,
//              p50_us, p99_us, frozen}, "running": {…} | null, "events": N,
//              "span_s": seconds the events cover, "window_s": validation.shadow_window_s}}
// Only the changed strategies are loaded in each replay (the others cannot change).
//
// Guarantees: never throws; an empty tape (the engine just started, or the tape is off)
// answers ran = false and no error. Blocks while Lua runs: call it from a worker (the
// daemon runs it in a bounded child process, shadow_worker.hpp), never the engine thread.
//
// Uses: shadow_replay, core/bundle (Bundle, load_profile_at, ScratchDirectory), core/config.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bundle/bundle.hpp"
#include "core/bundle/validator.hpp"
#include "core/config/config.hpp"
#include "core/engine/market_tape.hpp"
#include "core/shadow/shadow_replay.hpp"

namespace propbot::shadow {

struct StrategyComparison {
  StrategyFigures candidate;
  std::optional<StrategyFigures> running;  // none: a new strategy (or its running version did not replay)
};

struct ShadowReport {
  bool ran = false;        // a tape with events and at least one changed strategy
  std::size_t events = 0;  // events replayed
  int window_s = 0;        // validation.shadow_window_s
  int span_s = 0;          // the seconds the replayed events cover (≤ window_s)
  double replay_ms = 0;    // both replays
  std::map<std::string, StrategyComparison> strategies;
  std::vector<bundle::ValidationError> errors;  // a fault of a changed strategy
  std::vector<std::string> warnings;            // a changed strategy that never proposed

  // The answers' "shadow" object (see the header comment); {} when nothing ran.
  nlohmann::json shadow_json() const;
  // The whole report, for the worker's wire, and back.
  nlohmann::json to_json() const;
  static ShadowReport from_json(const nlohmann::json& j);
};

// The enabled strategies of `candidate` that are new or differ from the running ones.
std::set<std::string> changed_strategies(const config::Config& running, const bundle::Bundle& running_bundle,
                                         const config::Config& candidate, const bundle::Bundle& candidate_bundle);

// Replays the changed strategies of the candidate, and their running versions, over `tape`.
ShadowReport compare(const config::Config& candidate_config, const bundle::Bundle& candidate,
                     const config::Config& running_config, const bundle::Bundle& running,
                     const engine::MarketTapeView& tape);

// compare() with both configurations loaded from their bundles' configs/<profile>.yaml
// (the real loader, no environment: the same configuration bundle::validate checks).
// A profile that does not load answers no replay (bundle::validate reports it).
ShadowReport shadow_validate(const bundle::Bundle& candidate, const bundle::Bundle& running, config::Profile profile,
                             const engine::MarketTapeView& tape);

}  // namespace propbot::shadow
