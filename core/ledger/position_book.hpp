// PositionBook: the desk's positions, both legs of each, and its net exposure per
// (venue, symbol) — derived from fills only, never from a cache (SPEC S-9.1, issue 12
// item 3). The executor feeds it as it trades; at start rebuild() derives the same
// state from the journal's orders and fills.
//
// Inputs (live):
// - open_position(): the executor starts a trade (before its first order is sent).
// - on_fill(): every fill the journal recorded. A fill names its position by
//   position_id; position_id 0 is a foreign fill (an order that is not ours): it counts
//   in exposure, under no position — except a flatten's fill (strategy
//   exec::kFlattenStrategy) that no single position held: it is shared out among the
//   real, unfinished positions whose legs on that venue it reduces, oldest first, and
//   marks them closing. A fill naming a position the book does not know
//   (its opening was lost or evicted) opens one with an empty strategy.
// - mark_closing(): the executor starts closing — and also when it gives up an
//   opening that filled nothing, which then closes at once.
// - mark_partial(): the executor declared the hedge lost (P0 hedge_lost).
// - on_mark(): the latest mark price of (venue, symbol), from books / funding.
//
// rebuild(orders, fills) merges the journal's two streams by seq and replays them:
// the first order entry (not reduce-only) naming a position opens it with that
// entry's strategy, symbol, ts_ms (opened_at) and simulated flag; every (venue, leg)
// of its non-reduce-only orders is a leg (side from the order side, target from the
// first entry's quantity); the first reduce-only entry marks it closing; an entry
// whose reason is kHedgeLostReason marks it partial; fills apply as on_fill. A
// position with no fill whose orders all ended is closed (the executor gave it up).
// The result equals the live book after the same inputs, provided the executor
// journals every leg's first order entry (event `intent`) when it opens the position,
// a reduce-only entry when it starts closing, and the hedge_lost reason when it calls
// mark_partial. Marks are not journaled: feed on_mark again after a rebuild. (One
// difference no view prints: a leg first seen through a fill — leg B hedged on an
// alternative venue — has target_qty 0 live and its order's quantity after a rebuild.)
// on_fill does not de-duplicate: the journal's (venue, symbol, trade_id) key does.
//
// Exposure: Σ of real fills (buy +, sell −) per (venue, symbol), foreign ones
// included. Simulated fills, and any fill of a simulated position, never count.
//
// Bound: finished positions (closed, and simulated ones whose legs are flat) are kept
// up to options.max_closed_positions (default 1,000); past that the one that finished
// first is evicted. Positions still open, partial or closing are never evicted. Marks,
// lots and exposure hold one entry per (venue, symbol) of the allowlisted universe.
//
// Errors (values, and nothing changes on an error): invalid_argument for a bad opening
// or a fill quantity / price that is not > 0; already_exists for a second opening of
// one id; not_found for closing / marking an unknown id; overflow when Decimal
// arithmetic cannot represent a result — a broken money invariant the caller raises as
// P0 (SPEC S-9.1).
//
// Threads: engine thread only (the executor's). Nothing here blocks; on_mark does not
// allocate once a (venue, symbol) has been seen. The API reads positions_json() from
// the engine's published snapshot, not from this object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/exec/journal.hpp"
#include "core/ledger/position.hpp"
#include "core/ledger/position_types.hpp"
#include "core/ledger/venue_symbol_map.hpp"

namespace propbot::ledger {

struct LotSize {
  std::string venue;
  std::string symbol;
  Decimal lot;  // the venue's quantity step (lot size) for the symbol, base coin
};

struct PositionBookOptions {
  std::size_t max_closed_positions = 1000;
  // A hedged pair is `open` while |Σ long − Σ short| ≤ the largest lot among its legs'
  // (venue, symbol); default_lot stands in where no lot is known (0: exactly hedged).
  Decimal default_lot;
  std::vector<LotSize> lots;
};

struct ExposureRow {
  std::string venue;
  std::string symbol;
  Decimal net_qty;            // signed base units: + long, − short
  std::optional<Decimal> mark;  // latest mark, if one arrived
};

class PositionBook {
 public:
  explicit PositionBook(PositionBookOptions options = {});

  Status open_position(PositionOpening opening);
  Status on_fill(const exec::FillEntry& fill);
  Status mark_closing(std::uint64_t position_id);
  Status mark_partial(std::uint64_t position_id, std::string reason);
  void on_mark(std::string_view venue, std::string_view symbol, Decimal mark_price);

  // The book the live sequence would have built (see the header). Errors: those of the
  // inputs, naming the journal seq that caused them.
  // `observer` (optional) sees every fill the replay applied, with the book after it and
  // the realised PnL the fill added to each position it touched (RealizedProbe): what
  // the risk governor rebuilds the day's PnL from.
  using FillObserver = std::function<void(const exec::FillEntry& fill, const PositionBook& book,
                                          const std::vector<std::pair<std::uint64_t, Decimal>>& realized)>;
  static Result<PositionBook> rebuild(const std::vector<exec::OrderEntry>& orders,
                                      const std::vector<exec::FillEntry>& fills,
                                      PositionBookOptions options = {}, const FillObserver& observer = nullptr);

  // GET /api/ui/positions, exactly as the API prints it (positions_json.cpp says how).
  nlohmann::json positions_json() const;

  const Position* find(std::uint64_t position_id) const;
  PositionStatus status_of(const Position& position) const;
  // Every kept position, by id (= opening order).
  const std::map<std::uint64_t, Position>& positions() const { return positions_; }
  // The ids of the positions not finished (open, partial, closing, and simulated ones
  // not flat), oldest first: what the questions about held risk walk, so their cost
  // does not grow with the up to max_closed_positions finished ones kept for the API.
  const std::set<std::uint64_t>& unfinished() const { return unfinished_; }
  const Position& at(std::uint64_t position_id) const { return positions_.at(position_id); }
  std::size_t finished_count() const { return finished_.size(); }

  // Net real quantity on (venue, symbol): + long, − short; zero when never traded.
  Decimal net_exposure(std::string_view venue, std::string_view symbol) const;
  // Every (venue, symbol) ever traded for real, flat ones included, in (venue, symbol) order.
  std::vector<ExposureRow> exposure() const;
  std::optional<Decimal> mark(std::string_view venue, std::string_view symbol) const;

  // ctx:budget().open_notional_usdt: Σ |qty| × (mark, or entry when no mark) over the
  // legs of the strategy's positions that are not finished. Simulated positions count:
  // in dry-run a strategy sees its simulated book, as the same path must behave alike.
  Result<Decimal> open_notional_usdt(std::string_view strategy) const;
  // ctx:position(venue, symbol): the signed quantity the strategy holds there, Σ over
  // its positions' legs on that venue (simulated ones included, as above).
  Result<Decimal> strategy_position(std::string_view strategy, std::string_view venue,
                                    std::string_view symbol) const;

 private:
  Position& position_for_fill(const exec::FillEntry& fill, bool& created);
  Decimal hedge_tolerance(const Position& position) const;
  // Keeps finished_ in step with `position` and evicts past the bound.
  void refresh(const Position& position);

  PositionBookOptions options_;
  VenueSymbolMap<Decimal> lots_;
  VenueSymbolMap<Decimal> marks_;
  VenueSymbolMap<Decimal> exposure_;
  std::map<std::uint64_t, Position> positions_;
  // Finished positions by (finish stamp, id): the eviction order.
  std::set<std::pair<std::uint64_t, std::uint64_t>> finished_;
  std::set<std::uint64_t> unfinished_;  // kept in step by refresh()
  std::unordered_map<std::uint64_t, std::uint64_t> finish_stamp_;
  std::uint64_t next_finish_stamp_ = 0;
};

// The realised PnL one fill adds to each position it touches: the position it names,
// or — a fill under no position (a flatten's is shared out, see on_fill) — every real
// unfinished position on its symbol. Take the probe before on_fill, deltas() after.
// Bound: the unfinished positions on one symbol.
class RealizedProbe {
 public:
  RealizedProbe(const PositionBook& book, const exec::FillEntry& fill);
  // (position id, realised PnL added), for the positions whose realised PnL moved.
  std::vector<std::pair<std::uint64_t, Decimal>> deltas(const PositionBook& book) const;

 private:
  std::vector<std::pair<std::uint64_t, Decimal>> before_;
};

}  // namespace propbot::ledger
