#include "core/ledger/journal_positions.hpp"

#include <set>

namespace propbot::ledger {

Result<std::unique_ptr<JournalPositions>> JournalPositions::rebuild(const exec::Journal& journal,
                                                                   const PositionBook::FillObserver& observer) {
  std::vector<exec::FillEntry> fills = journal.fills();
  std::set<std::uint64_t> ids;
  for (const auto& fill : fills) {
    if (fill.position_id != 0) ids.insert(fill.position_id);
  }
  for (const auto& entry : journal.unfinished()) ids.insert(entry.position_id);
  std::vector<exec::OrderEntry> events;
  for (std::uint64_t id : ids) {
    for (auto& entry : journal.events_of(id)) events.push_back(std::move(entry));
  }
  auto rebuilt = PositionBook::rebuild(events, fills, {}, observer);
  if (!rebuilt) return rebuilt.error();
  auto positions = std::make_unique<JournalPositions>(journal);
  positions->book_ = std::move(*rebuilt);
  return positions;
}

Status JournalPositions::on_fill(const exec::FillEntry& fill) {
  if (fill.position_id != 0 && book_.find(fill.position_id) == nullptr) {
    PositionOpening plan{fill.position_id, fill.strategy, fill.symbol, 0, fill.simulated, {}};
    for (const exec::OrderEntry& entry : journal_.events_of(fill.position_id)) {
      if (entry.event != exec::OrderEvent::intent || entry.reduce_only) continue;
      if (plan.opened_at_ms == 0) plan.opened_at_ms = entry.ts_ms;
      plan.strategy = entry.strategy;
      plan.legs.push_back({entry.venue, entry.leg, side_opened_by(entry.side), entry.quantity});
    }
    if (!plan.legs.empty()) (void)book_.open_position(std::move(plan));
  }
  return book_.on_fill(fill);
}

std::optional<exec::ClosablePosition> JournalPositions::closable(std::string_view strategy, std::string_view symbol,
                                                                 std::string_view venue_a,
                                                                 std::string_view venue_b) const {
  for (const std::uint64_t id : book_.unfinished()) {
    const Position& position = book_.at(id);
    if (position.strategy() != strategy || position.symbol() != symbol) continue;
    exec::ClosablePosition found;
    found.position_id = id;
    found.simulated = position.simulated();
    for (const auto& leg : position.legs()) {
      if (leg.holding.flat()) continue;
      found.held.emplace_back(leg.plan.venue, leg.holding.quantity());
    }
    if (!found.on(venue_a).is_zero() && !found.on(venue_b).is_zero()) return found;
  }
  return std::nullopt;
}

std::vector<std::uint64_t> JournalPositions::unhedged() const {
  std::vector<std::uint64_t> ids;
  for (const std::uint64_t id : book_.unfinished()) {
    const Position& position = book_.at(id);
    if (position.simulated() || !position.hedged_pair() || position.partial_reason()) continue;
    if (book_.status_of(position) == PositionStatus::partial) ids.push_back(id);
  }
  return ids;
}

std::uint64_t JournalPositions::holder(std::string_view venue, std::string_view symbol, bool simulated) const {
  std::uint64_t found = 0;
  for (const std::uint64_t id : book_.unfinished()) {
    const Position& position = book_.at(id);
    if (position.symbol() != symbol || position.simulated() != simulated) continue;
    for (const auto& leg : position.legs()) {
      if (leg.plan.venue != venue || leg.holding.flat()) continue;
      if (found != 0 && found != id) return 0;  // several: the fill is the desk's
      found = id;
    }
  }
  return found;
}

std::optional<Decimal> JournalPositions::strategy_holding(std::string_view strategy, std::string_view venue,
                                                          std::string_view symbol) const {
  auto held = book_.strategy_position(strategy, venue, symbol);
  if (!held) return std::nullopt;
  return *held;
}

double JournalPositions::venue_notional_usdt(std::string_view venue) const {
  // Σ over the real legs held there, each at the mark (the entry when no mark came):
  // legs of one symbol on one venue that offset each other still each use the cap.
  double total = 0;
  for (const std::uint64_t id : book_.unfinished()) {
    const Position& position = book_.at(id);
    if (position.simulated()) continue;
    for (const PositionLeg& leg : position.legs()) {
      if (leg.plan.venue != venue || leg.holding.flat()) continue;
      const std::optional<Decimal> mark = book_.mark(venue, position.symbol());
      auto notional = leg.holding.notional(mark ? *mark : leg.holding.entry_price());
      if (notional) total += notional->to_double();
    }
  }
  return total;
}

}  // namespace propbot::ledger
