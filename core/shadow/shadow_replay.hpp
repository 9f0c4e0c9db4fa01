// Shadow replay: the last minutes of real market data (a MarketTapeView) played through
// a bundle's strategies by the one Engine (core/engine/engine.hpp), on a SimClock — not a
// second path. Validate and apply use it to show whether a changed strategy's propose
// path runs and never faults on recent events (issue 15, shadow_validation.hpp).
//
// How: one TapeVenue per configured venue (the tape's instruments of that id), an Engine
// with no journal and no ControlPort (so HOLD: it only proposes; nothing can trade), an
// IntentSink counting each strategy's assessed proposals; load(bundle), start(), then for
// each event in the window the SimClock advances to the event's time (the strategy
// timers every 10 ms and the snapshot ticks fire in between, as live) and the event is
// delivered; at the end the clock advances one snapshot interval and the figures are read
// from the engine's own snapshot (EngineSnapshot::strategies).
//
// Guarantees: never throws (an engine that does not load answers an error); deterministic
// for the same inputs apart from the wall-clock timings (p50/p99 µs, replay_ms). The
// scripts run under the configuration's sandbox limits (instruction budget, memory).
//
// Thread: any (it owns its engine, clock and venues); blocks while it runs Lua, so never
// call it on the daemon's engine thread. Uses: core/engine, tape_venue.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/bundle/bundle.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/engine/market_tape.hpp"

namespace propbot::shadow {

struct ShadowFault {
  std::string file;      // bundle path, e.g. "strategies/x.lua" ("" when unknown)
  int line = 0;          // 0 when unknown
  std::string message;
  std::string callback;  // on_book | on_timer | on_fill | on_stop

  std::string where() const { return file.empty() ? "?" : file + ":" + std::to_string(line); }
};

// One strategy's figures over a replay.
struct StrategyFigures {
  std::uint64_t calls = 0;      // callbacks run (on_book, on_timer, …)
  std::uint64_t proposals = 0;  // intents it proposed that the engine assessed
  std::uint64_t faults = 0;
  std::optional<ShadowFault> first_fault;
  double p50_us = 0;  // on_book wall time
  double p99_us = 0;
  bool frozen = false;  // frozen by its faults during the replay

  nlohmann::json to_json() const;
  static StrategyFigures from_json(const nlohmann::json& j);
};

struct ReplayResult {
  std::map<std::string, StrategyFigures> strategies;  // by strategy name
  std::size_t events = 0;  // events delivered
  double replay_ms = 0;    // wall time of the replay (engine built, events played)
};

// Replays `tape` through `config`'s enabled strategies (only those named in `only` when
// given; the others are not loaded). Errors: the engine did not load (script_error).
Result<ReplayResult> replay(const config::Config& config, const bundle::Bundle& bundle,
                            const engine::MarketTapeView& tape, const std::set<std::string>* only = nullptr);

}  // namespace propbot::shadow
