#include "core/ledger/position.hpp"

#include <algorithm>
#include <utility>

namespace propbot::ledger {

Position::Position(PositionOpening opening)
    : id_(opening.position_id),
      strategy_(std::move(opening.strategy)),
      symbol_(std::move(opening.symbol)),
      opened_at_ms_(opening.opened_at_ms),
      simulated_(opening.simulated) {
  for (const LegPlan& plan : opening.legs) declare_leg(plan);
}

PositionLeg* Position::find_leg(std::string_view venue, exec::Leg leg) {
  for (PositionLeg& candidate : legs_) {
    if (candidate.plan.venue == venue && candidate.plan.leg == leg) return &candidate;
  }
  return nullptr;
}

bool Position::declare_leg(const LegPlan& plan) {
  if (find_leg(plan.venue, plan.leg) != nullptr) return false;
  legs_.push_back(PositionLeg{plan, LegPosition{}});
  return true;
}

PositionLeg& Position::leg_for_fill(std::string_view venue, exec::Leg leg, Side side) {
  if (PositionLeg* exact = find_leg(venue, leg)) return *exact;
  for (PositionLeg& candidate : legs_) {
    if (candidate.plan.venue == venue) return candidate;
  }
  PositionSide planned = side_opened_by(side);
  for (const PositionLeg& same_role : legs_) {
    if (same_role.plan.leg == leg) {
      planned = same_role.plan.side;
      break;
    }
  }
  legs_.push_back(PositionLeg{LegPlan{std::string(venue), leg, planned, Decimal{}}, LegPosition{}});
  return legs_.back();
}

Result<Decimal> Position::reduce_on(std::string_view venue, Side side, Decimal up_to, Decimal price) {
  Decimal applied;
  for (PositionLeg& leg : legs_) {
    if (leg.plan.venue != venue || leg.holding.flat()) continue;
    const bool reduces = side == Side::buy ? leg.holding.quantity().is_negative() : !leg.holding.quantity().is_negative();
    if (!reduces) continue;
    const auto left = up_to.sub(applied);
    if (!left) return left.error();
    if (left->sign() <= 0) break;
    const auto held = leg.holding.quantity().abs();
    if (!held) return held.error();
    const Decimal take = std::min(*held, *left);
    if (auto done = leg.holding.apply(side, take, price); !done) return done.error();
    const auto sum = applied.add(take);
    if (!sum) return sum.error();
    applied = *sum;
  }
  return applied;
}

bool Position::traded() const {
  return std::any_of(legs_.begin(), legs_.end(), [](const PositionLeg& l) { return l.holding.traded(); });
}

bool Position::finished() const {
  const bool all_flat = std::all_of(legs_.begin(), legs_.end(), [](const PositionLeg& l) { return l.holding.flat(); });
  return all_flat && (closing_ || traded());
}

bool Position::hedged_pair() const {
  const auto has = [this](PositionSide side) {
    return std::any_of(legs_.begin(), legs_.end(), [side](const PositionLeg& l) { return l.plan.side == side; });
  };
  return has(PositionSide::long_side) && has(PositionSide::short_side);
}

Result<Decimal> Position::net_quantity() const {
  Decimal net;
  for (const PositionLeg& leg : legs_) {
    const auto sum = net.add(leg.holding.quantity());
    if (!sum) return sum.error();
    net = *sum;
  }
  return net;
}

PositionStatus Position::status(Decimal hedge_tolerance) const {
  if (simulated_) return PositionStatus::simulated;
  if (finished()) return PositionStatus::closed;
  if (closing_) return PositionStatus::closing;
  if (partial_reason_) return PositionStatus::partial;
  if (hedged_pair()) {
    const auto net = net_quantity();
    if (!net) return PositionStatus::partial;  // unknowable is treated as unhedged
    const auto unhedged = net->abs();
    if (!unhedged || *unhedged > hedge_tolerance) return PositionStatus::partial;
  }
  return PositionStatus::open;
}

}  // namespace propbot::ledger
