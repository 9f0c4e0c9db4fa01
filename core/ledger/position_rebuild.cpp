// PositionBook::rebuild(): the live inputs, derived from the journal (position_book.hpp
// says which entry means what). Orders and fills share the journal's one sequence, so
// replaying both in seq order is replaying what happened.
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/ledger/position_book.hpp"

namespace propbot::ledger {
namespace {

// What rebuild learns of a position's orders: which of them have not ended yet.
struct OrdersOfPosition {
  std::unordered_map<std::string, bool> ended;  // venue + '\n' + client_order_id → last event terminal
  bool all_ended() const {
    return !ended.empty() && std::all_of(ended.begin(), ended.end(), [](const auto& order) { return order.second; });
  }
};

struct Step {
  std::uint64_t seq;
  bool is_fill;
  std::size_t index;
};

// Σ realised PnL over a position's legs (zero for none).
Decimal realized_of(const Position* position) {
  Decimal total;
  if (position == nullptr) return total;
  for (const auto& leg : position->legs()) {
    if (auto sum = total.add(leg.holding.realized_pnl())) total = *sum;
  }
  return total;
}

}  // namespace

RealizedProbe::RealizedProbe(const PositionBook& book, const exec::FillEntry& fill) {
  if (fill.position_id != 0) {
    before_.emplace_back(fill.position_id, realized_of(book.find(fill.position_id)));
    return;
  }
  for (std::uint64_t id : book.unfinished()) {
    const Position& position = book.at(id);
    if (!position.simulated() && position.symbol() == fill.symbol) before_.emplace_back(id, realized_of(&position));
  }
}

std::vector<std::pair<std::uint64_t, Decimal>> RealizedProbe::deltas(const PositionBook& book) const {
  std::vector<std::pair<std::uint64_t, Decimal>> out;
  for (const auto& [id, before] : before_) {
    auto delta = realized_of(book.find(id)).sub(before);
    if (delta && !delta->is_zero()) out.emplace_back(id, *delta);
  }
  return out;
}

namespace {

Error at_seq(std::uint64_t seq, const Error& error) {
  return make_error(error.code, "journal seq " + std::to_string(seq) + ": " + error.message);
}

}  // namespace

Result<PositionBook> PositionBook::rebuild(const std::vector<exec::OrderEntry>& orders,
                                           const std::vector<exec::FillEntry>& fills,
                                           PositionBookOptions options, const FillObserver& observer) {
  std::vector<Step> steps;
  steps.reserve(orders.size() + fills.size());
  for (std::size_t i = 0; i < orders.size(); ++i) steps.push_back({orders[i].seq, false, i});
  for (std::size_t i = 0; i < fills.size(); ++i) steps.push_back({fills[i].seq, true, i});
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) { return a.seq < b.seq; });

  PositionBook book(std::move(options));
  std::unordered_map<std::uint64_t, OrdersOfPosition> orders_of;
  std::unordered_set<std::uint64_t> opened;  // never reopen one that was evicted

  for (const Step& step : steps) {
    if (step.is_fill) {
      const exec::FillEntry& fill = fills[step.index];
      std::optional<RealizedProbe> probe;
      if (observer) probe.emplace(book, fill);
      if (auto applied = book.on_fill(fill); !applied) return at_seq(step.seq, applied.error());
      if (observer) observer(fill, book, probe->deltas(book));
      continue;
    }
    const exec::OrderEntry& order = orders[step.index];
    if (order.position_id == 0) continue;
    orders_of[order.position_id].ended[order.venue + '\n' + order.client_order_id] = exec::is_terminal(order.event);
    const auto known = book.positions_.find(order.position_id);
    if (!order.reduce_only) {
      const LegPlan leg{order.venue, order.leg, side_opened_by(order.side), order.quantity};
      if (known != book.positions_.end()) {
        known->second.declare_leg(leg);
      } else if (opened.insert(order.position_id).second) {
        PositionOpening opening{.position_id = order.position_id,
                                .strategy = order.strategy,
                                .symbol = order.symbol,
                                .opened_at_ms = order.ts_ms,
                                .simulated = order.simulated,
                                .legs = {leg}};
        if (auto added = book.open_position(std::move(opening)); !added) return at_seq(step.seq, added.error());
      }
    } else if (known != book.positions_.end() && !known->second.closing()) {
      (void)book.mark_closing(order.position_id);
    }
    if (order.reason == kHedgeLostReason && book.positions_.contains(order.position_id)) {
      (void)book.mark_partial(order.position_id, order.reason);
    }
  }

  // An opening the executor gave up: nothing filled and every order ended.
  std::vector<std::uint64_t> given_up;
  for (const auto& [id, position] : book.positions_) {
    const auto tracked = orders_of.find(id);
    if (!position.traded() && !position.closing() && tracked != orders_of.end() && tracked->second.all_ended()) {
      given_up.push_back(id);
    }
  }
  for (const std::uint64_t id : given_up) (void)book.mark_closing(id);
  return book;
}

}  // namespace propbot::ledger
