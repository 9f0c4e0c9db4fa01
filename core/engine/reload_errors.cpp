#include "core/engine/reload_errors.hpp"

#include <cstdlib>

namespace propbot::engine {

std::vector<ReloadError> reload_errors(const std::vector<StrategyLoadError>& errors) {
  std::vector<ReloadError> out;
  for (const auto& error : errors) {
    ReloadError e{error.file, 0, error.message};
    // "strategies/x.lua:12: boom" → line 12
    const std::string prefix = error.file + ":";
    if (const auto at = error.message.find(prefix); at != std::string::npos) {
      e.line = std::atoi(error.message.c_str() + at + prefix.size());
    }
    out.push_back(std::move(e));
  }
  return out;
}

ReloadError policy_reload_error(const std::string& message) {
  ReloadError error{"policies/", 0, message};
  for (const char* name : {"regime.lua", "policy_matrix.lua", "sizing.lua", "circuit_breakers.lua"}) {
    const std::string path = std::string("policies/") + name;
    if (const auto at = error.message.find(path); at != std::string::npos) {
      error.file = path;
      error.line = std::atoi(error.message.c_str() + at + path.size() + 1);
      break;
    }
  }
  return error;
}

}  // namespace propbot::engine
