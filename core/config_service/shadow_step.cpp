// ConfigService's shadow validation step (issue 15): the engine's market tape, read from
// its latest snapshot (an immutable view: the engine is never waited for), replayed
// through the candidate's changed strategies beside their running versions — in this
// process, or through the daemon's bounded worker (ConfigServiceOptions::shadow).
#include "core/config_service/config_service.hpp"

namespace propbot::config_service {

shadow::ShadowReport ConfigService::run_shadow(const bundle::Bundle& candidate, const bundle::Bundle& running,
                                               config::Profile profile) const {
  engine::EngineHandle* engine = engine_.load();
  if (engine == nullptr) return {};
  const auto snap = engine->snapshot();
  if (!snap || !snap->tape || snap->tape->empty()) return {};
  if (options_.shadow) return options_.shadow(candidate, running, profile, *snap->tape);
  return shadow::shadow_validate(candidate, running, profile, *snap->tape);
}

}  // namespace propbot::config_service
