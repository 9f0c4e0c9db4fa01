// The strategy and policy parts of an EngineSnapshot, read from the running
// StrategySet and PolicyStage: plain copies, so the API thread never touches a runner.
//
// Thread: the engine's driving thread (it reads the runners' counters).
#pragma once

#include <vector>

#include "core/engine/policy_stage.hpp"
#include "core/engine/snapshot.hpp"
#include "core/engine/strategy_set.hpp"

namespace propbot::engine {

std::vector<StrategyView> strategy_views(const StrategySet& strategies);
// Empty (loaded = false) without a pipeline; `regimes` is the last snapshot tick's.
PolicyView policy_view(const PolicyStage& policy, const std::vector<RegimeView>& regimes);

}  // namespace propbot::engine
