#include "core/ledger/position_types.hpp"

#include "core/common/stable_name.hpp"

namespace propbot::ledger {

std::optional<PositionSide> parse_position_side(std::string_view text) {
  return find_by_name(text, kAllPositionSides);
}

std::string_view to_string(PositionStatus status) {
  switch (status) {
    case PositionStatus::open: return "open";
    case PositionStatus::partial: return "partial";
    case PositionStatus::closing: return "closing";
    case PositionStatus::closed: return "closed";
    case PositionStatus::simulated: return "simulated";
  }
  return "open";
}

std::optional<PositionStatus> parse_position_status(std::string_view text) {
  return find_by_name(text, kAllPositionStatuses);
}

}  // namespace propbot::ledger
