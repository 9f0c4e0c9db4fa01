// EngineThread: drives the Engine live — the daemon's engine thread. It owns what the
// Engine is handed: an io_context, the RealClock whose timers run on it, the venues
// (VenueSet, from the configuration) and the thread that runs the io_context; the
// Engine itself owns none of them (core/engine/engine.hpp). A replay or a test drives
// the same Engine on a SimClock instead.
//
// Cross-thread calls: reload() hands the work to the engine thread and waits for the
// answer; if the engine does not start the work within `timeout` the reload is
// abandoned (never applied later) and reported as an error. snapshot() reads the slot
// and is safe from any thread, before start() and after stop() included.
//
// Threads: start()/stop() from one owning thread (main); reload() from any one thread
// at a time (the config service's worker). stop() waits for a reload in flight and
// later reloads answer "not running", so a reload racing shutdown never touches a
// stopped engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "core/app/venue_keys.hpp"
#include "core/bundle/bundle.hpp"
#include "core/common/call_gate.hpp"
#include "core/common/logging.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/engine/engine.hpp"
#include "core/engine/engine_handle.hpp"

namespace propbot::control {
class ControlPlane;
}

namespace propbot::app {

class EngineThread final : public engine::EngineHandle {
 public:
  // `control` (optional, must outlive this) is the engine's mode source and safety sink.
  // `venue_keys` (optional) holds the keys of the venues that name their own endpoints
  // (venue_keys.hpp); without it such a venue fails start().
  EngineThread(config::Config config, Logger log, control::ControlPlane* control = nullptr,
               std::shared_ptr<const VenueKeyring> venue_keys = nullptr);
  ~EngineThread() override;
  EngineThread(const EngineThread&) = delete;
  EngineThread& operator=(const EngineThread&) = delete;

  // Before start(), both optional: the market-history sink the engine feeds (must
  // outlive the engine; engine/market_history_sink.hpp) and the raw-message taps of the
  // venue adapters (run --capture; core/history/capture_writer.hpp).
  void set_market_history(engine::MarketHistorySink* sink) { market_history_ = sink; }
  void set_raw_taps(RawTapSource taps) { raw_taps_ = std::move(taps); }

  // Builds the venues, loads the strategies and policies (a load error names the file
  // and line, and nothing starts), starts the engine and its thread. The first
  // snapshot is published before this returns, so the API never serves "no state".
  Status start(const bundle::Bundle* initial = nullptr, std::int64_t version = 0);
  // Stops the engine (venues, strategies, timers) on its thread and joins it. Idempotent.
  void stop();
  // Hands the kill path (Engine::flatten) to the engine thread and returns at once.
  void flatten(const std::string& reason);
  Result<nlohmann::json> manual_trade(const Intent& intent, bool execute, const std::string& operator_name,
                                      std::chrono::milliseconds timeout) override;
  Result<nlohmann::json> risk_action(engine::RiskAction action, const nlohmann::json& payload,
                                     const std::string& operator_name, std::chrono::milliseconds timeout) override;
  Result<nlohmann::json> strategy_detail(const std::string& name, std::chrono::milliseconds timeout) override;
  // The same, posted without waiting (an approval's effect, run under the plane's lock).
  void post_risk_action(engine::RiskAction action, nlohmann::json payload, std::string operator_name);
  Result<nlohmann::json> reset_breaker(const std::optional<std::string>& strategy, const std::string& operator_name,
                                       std::chrono::milliseconds timeout) override;

  engine::ReloadReport reload(engine::EngineBundle next,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) override;

  std::shared_ptr<const engine::EngineSnapshot> snapshot() const override { return snapshots_.load(); }
  const engine::SnapshotSlot& snapshots() const { return snapshots_; }

 private:
  struct Running;
  config::Config config_;
  Logger log_;
  control::ControlPlane* control_;
  std::shared_ptr<const VenueKeyring> venue_keys_;
  engine::MarketHistorySink* market_history_ = nullptr;
  RawTapSource raw_taps_;
  engine::SnapshotSlot snapshots_;
  std::unique_ptr<Running> running_;
  // Entered by reload(); closed by stop() before the engine goes.
  std::unique_ptr<CallGate> reloads_ = std::make_unique<CallGate>();
};

}  // namespace propbot::app
