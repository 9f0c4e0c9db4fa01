// The status registry's components (SPEC S-11.3): each function turns StatusInputs
// into checks for one side of the daemon, judged by StatusThresholds.
//   engine_components: engine_loop, market_data_layer, exchange:<venue> (one per venue
//     with books), executor, atomic_two_leg, journal, dead_man, risk_governor,
//     circuit_breakers, budgets, recon, pnl, tca, strategy:<name> (one per strategy),
//     regime_engine, policy_matrix, sizing, config.
//   desk_components: control_plane, incidents, keys_security, audit_chain,
//     backup_snapshotter, data_dir_lock, memory, and the areas not built yet
//     (leader_fencing, standby_sync, stream, fee_planner, orchestrator) as ERROR
//     "not implemented".
// Every component has a fixed group and id; the order of the result is stable (the
// order above, venues and strategies in the snapshot's order).
// Threads: pure functions of their inputs.
#pragma once

#include <vector>

#include "core/status/component_check.hpp"
#include "core/status/status_inputs.hpp"
#include "core/status/status_thresholds.hpp"

namespace propbot::status {

std::vector<ComponentCheck> engine_components(const StatusInputs& inputs, const StatusThresholds& thresholds);
std::vector<ComponentCheck> desk_components(const StatusInputs& inputs, const StatusThresholds& thresholds);
// Both, engine first, with live_readiness (P1: OK when ready, else WARN) between them.
std::vector<ComponentCheck> all_components(const StatusInputs& inputs, const StatusThresholds& thresholds);

// A status from a value and its WARN / ERROR limits (value > limit crosses it).
ComponentStatus judge(double value, double warn_limit, double error_limit);

}  // namespace propbot::status
