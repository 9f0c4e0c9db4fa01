// How a failed hot reload names what failed: the bundle file and line of each error,
// parsed from the loaders' "path:line: message" texts, so the API can point a quant at
// the line.
#pragma once

#include <string>
#include <vector>

#include "core/engine/engine.hpp"
#include "core/engine/strategy_set.hpp"

namespace propbot::engine {

std::vector<ReloadError> reload_errors(const std::vector<StrategyLoadError>& errors);
// A policy pipeline build error; names the policies/ script when the message does.
ReloadError policy_reload_error(const std::string& message);

}  // namespace propbot::engine
