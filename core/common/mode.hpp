// Mode: the desk's control mode (SPEC S-1.2) — HOLD, RESUME or KILL — the one enum the
// control plane that owns it, the engine that reads it every tick and the API that shows
// it all use.
//
// The string forms "HOLD" | "RESUME" | "KILL" are stable: they are stored in the signed
// control state, answered by /api/ui/control-state and /api/ui/status, and published in
// MODE_CHANGED events. Changing one breaks every persisted state and every client.
//
// Threads: pure functions, safe from any thread; to_string never allocates.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/common/stable_name.hpp"

namespace propbot {

enum class Mode { hold, resume, kill };

inline constexpr std::array<Mode, 3> kAllModes = {Mode::hold, Mode::resume, Mode::kill};

constexpr std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::hold: return "HOLD";
    case Mode::resume: return "RESUME";
    case Mode::kill: return "KILL";
  }
  return "HOLD";  // an out-of-range value reads as the safe mode
}

// The exact string forms above (case-sensitive). Errors: invalid_argument naming the
// text and the allowed values.
inline Result<Mode> parse_mode(std::string_view text) {
  if (auto mode = find_by_name(text, kAllModes)) return *mode;
  return make_error(Errc::invalid_argument, "mode '" + std::string(text) + "' is unknown; use HOLD, RESUME or KILL");
}

}  // namespace propbot
