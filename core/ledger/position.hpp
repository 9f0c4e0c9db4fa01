// Position: one trade of one strategy on one symbol, with every leg it holds (both
// legs of a hedged pair, or the one leg of a single order), derived from fills only.
// It knows who opened it, each leg's LegPosition, whether the executor has started
// closing it or declared its hedge lost, and from that its PositionStatus.
//
// Legs: a leg is identified by (venue, exec::Leg). A fill goes to the leg with its
// venue and exec::Leg; failing that, to the first leg on its venue (a close sent as a
// single order still reduces its leg); failing that, a new leg is added (leg B filled
// on an alternative venue): its side is the planned side of the same exec::Leg, or the
// fill's direction. Legs keep their order of declaration; a position never holds more
// legs than venues × exec::Leg values, since every new one names a new pair.
//
// Threads: owned by the PositionBook on the engine thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/ledger/leg_position.hpp"
#include "core/ledger/position_types.hpp"

namespace propbot::ledger {

struct PositionLeg {
  LegPlan plan;
  LegPosition holding;
};

class Position {
 public:
  explicit Position(PositionOpening opening);

  std::uint64_t id() const { return id_; }
  const std::string& strategy() const { return strategy_; }
  const std::string& symbol() const { return symbol_; }
  std::int64_t opened_at_ms() const { return opened_at_ms_; }
  bool simulated() const { return simulated_; }
  const std::vector<PositionLeg>& legs() const { return legs_; }
  bool closing() const { return closing_; }
  // The reason given by mark_partial (e.g. "hedge_lost"), if any.
  const std::optional<std::string>& partial_reason() const { return partial_reason_; }

  // The leg a fill on (venue, leg) in direction `side` belongs to (see the header).
  PositionLeg& leg_for_fill(std::string_view venue, exec::Leg leg, Side side);
  // Declares a leg unless (plan.venue, plan.leg) is already one. Returns whether it was added.
  bool declare_leg(const LegPlan& plan);
  // A fill on `venue` that reduces this position's legs there (a flatten's): applies up
  // to `up_to` of it to the legs it reduces (a buy reduces shorts, a sell longs) and
  // returns how much it applied (zero: no leg there to reduce). Never flips a leg.
  Result<Decimal> reduce_on(std::string_view venue, Side side, Decimal up_to, Decimal price);
  void mark_closing() { closing_ = true; }
  void mark_partial(std::string reason) { partial_reason_ = std::move(reason); }

  bool traded() const;
  // Every leg flat, after having traded or once closing began: nothing is left to do.
  bool finished() const;
  // Planned with a long and a short leg: a hedged pair, whose net must stay within a lot.
  bool hedged_pair() const;
  // Σ signed leg quantities (+ long, − short): what the pair is unhedged by.
  Result<Decimal> net_quantity() const;
  // `hedge_tolerance`: the most a hedged pair's |net| may be and still be `open`.
  PositionStatus status(Decimal hedge_tolerance) const;

 private:
  PositionLeg* find_leg(std::string_view venue, exec::Leg leg);

  std::uint64_t id_;
  std::string strategy_;
  std::string symbol_;
  std::int64_t opened_at_ms_;
  bool simulated_;
  std::vector<PositionLeg> legs_;
  bool closing_ = false;
  std::optional<std::string> partial_reason_;
};

}  // namespace propbot::ledger
