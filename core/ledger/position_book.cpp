#include "core/ledger/position_book.hpp"

#include <algorithm>
#include <utility>

namespace propbot::ledger {
namespace {

Status check_opening(const PositionOpening& opening) {
  if (opening.position_id == 0) {
    return make_error(Errc::invalid_argument, "position_id 0 is reserved for foreign fills");
  }
  const std::string which = "position " + std::to_string(opening.position_id);
  if (opening.symbol.empty()) return make_error(Errc::invalid_argument, which + " has no symbol");
  if (opening.legs.empty()) return make_error(Errc::invalid_argument, which + " has no leg");
  for (const LegPlan& leg : opening.legs) {
    if (leg.venue.empty()) return make_error(Errc::invalid_argument, which + " has a leg without a venue");
  }
  return {};
}

Status check_fill(const exec::FillEntry& fill) {
  if (fill.quantity.sign() > 0 && fill.price.sign() > 0) return {};
  return make_error(Errc::invalid_argument, "fill " + fill.venue + " " + fill.symbol + " trade " + fill.trade_id +
                                                " has quantity " + fill.quantity.to_string() + " and price " +
                                                fill.price.to_string() + "; both must be > 0");
}

Error not_found(std::uint64_t position_id) {
  return make_error(Errc::not_found, "position " + std::to_string(position_id) + " is not in the book");
}

}  // namespace

PositionBook::PositionBook(PositionBookOptions options) : options_(std::move(options)) {
  for (const LotSize& lot : options_.lots) lots_(lot.venue, lot.symbol) = lot.lot;
}

Status PositionBook::open_position(PositionOpening opening) {
  if (auto valid = check_opening(opening); !valid) return valid;
  if (positions_.contains(opening.position_id)) {
    return make_error(Errc::already_exists, "position " + std::to_string(opening.position_id) + " is already open");
  }
  const std::uint64_t id = opening.position_id;
  const auto [it, inserted] = positions_.emplace(id, Position(std::move(opening)));
  refresh(it->second);
  return {};
}

Position& PositionBook::position_for_fill(const exec::FillEntry& fill, bool& created) {
  created = false;
  if (auto it = positions_.find(fill.position_id); it != positions_.end()) return it->second;
  created = true;
  PositionOpening opening{.position_id = fill.position_id,
                          .strategy = {},
                          .symbol = fill.symbol,
                          .opened_at_ms = fill.ts_ms,
                          .simulated = fill.simulated,
                          .legs = {}};
  return positions_.emplace(fill.position_id, Position(std::move(opening))).first->second;
}

Status PositionBook::on_fill(const exec::FillEntry& fill) {
  if (auto valid = check_fill(fill); !valid) return valid;
  Position* position = nullptr;
  bool created = false;
  if (fill.position_id != 0) position = &position_for_fill(fill, created);
  const bool counts_in_exposure = !fill.simulated && (position == nullptr || !position->simulated());

  std::optional<Decimal> next_exposure;
  if (counts_in_exposure) {
    const Decimal* now = exposure_.find(fill.venue, fill.symbol);
    const Decimal current = now != nullptr ? *now : Decimal{};
    const auto next = fill.side == Side::buy ? current.add(fill.quantity) : current.sub(fill.quantity);
    if (!next) {
      if (created) positions_.erase(fill.position_id);
      return next.error();
    }
    next_exposure = *next;
  }
  // A flatten's fill no single position holds: shared out among the real positions it
  // reduces there, oldest first (on copies: nothing changes unless all of it applies).
  std::vector<std::pair<std::uint64_t, Position>> reduced;
  if (position == nullptr && fill.position_id == 0 && fill.strategy == exec::kFlattenStrategy && !fill.simulated) {
    Decimal left = fill.quantity;
    for (const std::uint64_t id : unfinished_) {
      if (left.sign() <= 0) break;
      const Position& held = positions_.at(id);
      if (held.simulated() || held.symbol() != fill.symbol) continue;
      Position copy = held;
      auto took = copy.reduce_on(fill.venue, fill.side, left, fill.price);
      if (!took) return took.error();
      if (took->sign() <= 0) continue;
      auto rest = left.sub(*took);
      if (!rest) return rest.error();
      left = *rest;
      copy.mark_closing();
      reduced.emplace_back(id, std::move(copy));
    }
  }
  if (position != nullptr) {
    if (position->symbol() != fill.symbol) {
      return make_error(Errc::invalid_argument, "fill " + fill.trade_id + " is on " + fill.symbol + " but position " +
                                                    std::to_string(fill.position_id) + " trades " + position->symbol());
    }
    PositionLeg& leg = position->leg_for_fill(fill.venue, fill.leg, fill.side);
    if (auto applied = leg.holding.apply(fill.side, fill.quantity, fill.price); !applied) {
      if (created) positions_.erase(fill.position_id);
      return applied;
    }
  }
  if (next_exposure) exposure_(fill.venue, fill.symbol) = *next_exposure;
  if (position != nullptr) refresh(*position);
  for (auto& [id, copy] : reduced) {
    Position& kept = positions_.at(id);
    kept = std::move(copy);
    refresh(kept);
  }
  return {};
}

Status PositionBook::mark_closing(std::uint64_t position_id) {
  const auto it = positions_.find(position_id);
  if (it == positions_.end()) return not_found(position_id);
  it->second.mark_closing();
  refresh(it->second);
  return {};
}

Status PositionBook::mark_partial(std::uint64_t position_id, std::string reason) {
  const auto it = positions_.find(position_id);
  if (it == positions_.end()) return not_found(position_id);
  it->second.mark_partial(std::move(reason));
  return {};
}

void PositionBook::on_mark(std::string_view venue, std::string_view symbol, Decimal mark_price) {
  marks_(venue, symbol) = mark_price;
}

const Position* PositionBook::find(std::uint64_t position_id) const {
  const auto it = positions_.find(position_id);
  return it == positions_.end() ? nullptr : &it->second;
}

Decimal PositionBook::hedge_tolerance(const Position& position) const {
  Decimal tolerance = options_.default_lot;
  bool known = false;
  for (const PositionLeg& leg : position.legs()) {
    const Decimal* lot = lots_.find(leg.plan.venue, position.symbol());
    if (lot == nullptr) continue;
    tolerance = known ? std::max(tolerance, *lot) : *lot;
    known = true;
  }
  return tolerance;
}

PositionStatus PositionBook::status_of(const Position& position) const {
  return position.status(hedge_tolerance(position));
}

void PositionBook::refresh(const Position& position) {
  const std::uint64_t id = position.id();
  const auto stamp = finish_stamp_.find(id);
  if (!position.finished()) {
    unfinished_.insert(id);
    if (stamp != finish_stamp_.end()) {
      finished_.erase({stamp->second, id});
      finish_stamp_.erase(stamp);
    }
    return;
  }
  unfinished_.erase(id);
  if (stamp != finish_stamp_.end()) return;
  const std::uint64_t now = next_finish_stamp_++;
  finish_stamp_.emplace(id, now);
  finished_.emplace(now, id);
  while (finished_.size() > options_.max_closed_positions) {
    const auto [oldest_stamp, oldest_id] = *finished_.begin();
    finished_.erase(finished_.begin());
    finish_stamp_.erase(oldest_id);
    positions_.erase(oldest_id);
  }
}

Decimal PositionBook::net_exposure(std::string_view venue, std::string_view symbol) const {
  const Decimal* net = exposure_.find(venue, symbol);
  return net != nullptr ? *net : Decimal{};
}

std::optional<Decimal> PositionBook::mark(std::string_view venue, std::string_view symbol) const {
  const Decimal* mark_price = marks_.find(venue, symbol);
  if (mark_price == nullptr) return std::nullopt;
  return *mark_price;
}

std::vector<ExposureRow> PositionBook::exposure() const {
  std::vector<ExposureRow> rows;
  exposure_.for_each([&](const std::string& venue, const std::string& symbol, Decimal net) {
    rows.push_back(ExposureRow{venue, symbol, net, mark(venue, symbol)});
  });
  return rows;
}

Result<Decimal> PositionBook::open_notional_usdt(std::string_view strategy) const {
  Decimal total;
  for (const std::uint64_t id : unfinished_) {
    const Position& position = positions_.at(id);
    if (position.strategy() != strategy) continue;
    for (const PositionLeg& leg : position.legs()) {
      const auto price = mark(leg.plan.venue, position.symbol()).value_or(leg.holding.entry_price());
      const auto notional = leg.holding.notional(price);
      if (!notional) return notional.error();
      const auto sum = total.add(*notional);
      if (!sum) return sum.error();
      total = *sum;
    }
  }
  return total;
}

Result<Decimal> PositionBook::strategy_position(std::string_view strategy, std::string_view venue,
                                                std::string_view symbol) const {
  Decimal total;
  // A finished position's legs are flat: the unfinished ones make the sum.
  for (const std::uint64_t id : unfinished_) {
    const Position& position = positions_.at(id);
    if (position.strategy() != strategy || position.symbol() != symbol) continue;
    for (const PositionLeg& leg : position.legs()) {
      if (leg.plan.venue != venue) continue;
      const auto sum = total.add(leg.holding.quantity());
      if (!sum) return sum.error();
      total = *sum;
    }
  }
  return total;
}

}  // namespace propbot::ledger
