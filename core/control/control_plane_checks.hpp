// The checks the ControlPlane's units share: text limits over several fields, the
// approval store's refusals in the plane's terms, and how a duration is worded in a
// refusal. Internal to core/control (control_plane*.cpp).
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/control/control_plane.hpp"
#include "core/control/text_limits.hpp"

namespace propbot::control::detail {

using Field = std::pair<TextLimit, std::string_view>;

// The first over-long field's message, or nullopt when every field fits.
inline std::optional<std::string> first_too_long(std::initializer_list<Field> fields) {
  for (const auto& [limit, value] : fields) {
    if (auto message = text_too_long(limit, value)) return message;
  }
  return std::nullopt;
}

inline Refusal refusal_for(ApprovalRefusal refusal) {
  switch (refusal) {
    case ApprovalRefusal::none: return Refusal::none;
    case ApprovalRefusal::not_found: return Refusal::not_found;
    case ApprovalRefusal::already_decided: return Refusal::already_decided;
    case ApprovalRefusal::expired: return Refusal::expired;
    case ApprovalRefusal::self_confirmation: return Refusal::self_confirmation;
    case ApprovalRefusal::second_factor_required: return Refusal::second_factor_required;
  }
  return Refusal::invalid;
}

inline std::string minutes_text(Nanos span) {
  return std::to_string(std::chrono::duration_cast<std::chrono::minutes>(span).count()) + " min";
}

}  // namespace propbot::control::detail
