// OrderBook: an L2 book for one instrument on one venue, prices in ticks and sizes in
// lots. Bids are kept best-first (descending), asks best-first (ascending), in flat
// vectors whose capacity is reserved up front so level updates do not allocate in the
// steady state. The book knows nothing of venue sequencing: BookSync (venues issue)
// decides when a snapshot or an update may be applied and calls `invalidate` on a gap.
// A side keeps at most kMaxLevelsPerSide levels, the best ones: a level worse than all
// of them is not kept (issue 11: nothing grows with time without a bound).
//
// Thread: owned by the engine thread; not synchronised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/common/clock.hpp"
#include "core/md/instrument.hpp"

namespace propbot::md {

enum class BookSide { bid, ask };

// The most levels one side of a book keeps. Venues snapshot at most 1000 levels a side
// (Binance; OKX's books channel 400) and after that report a level only when it
// changes, so a long-running local book gathers every far level that ever changed — up
// to the venue's whole book, tens of thousands of levels a side on BTC after a day,
// each insert a memmove of the side. 5000 is five times the deepest snapshot: a level
// past it is outside every window a venue publishes, every checksum (OKX: top 25) and
// any fill estimate a strategy makes. 5000 × 16 bytes = 80 KB a side.
inline constexpr std::size_t kMaxLevelsPerSide = 5000;

struct BookLevel {
  std::int64_t price_ticks = 0;
  std::int64_t qty_lots = 0;
};

// Average fill price for taking `notional` of liquidity from one side, and how much
// of it the visible depth could fill.
struct DepthFill {
  double avg_price = 0;
  double filled_notional = 0;
  bool complete = false;
};

class OrderBook {
 public:
  explicit OrderBook(InstrumentSpec spec, std::size_t reserve_levels = 64);

  const InstrumentSpec& spec() const { return spec_; }

  // Replaces both sides. Levels may arrive in any order; zero-size levels are dropped,
  // and so is everything past the best kMaxLevelsPerSide of a side.
  void apply_snapshot(std::span<const BookLevel> bids, std::span<const BookLevel> asks,
                      std::uint64_t sequence, MonoTime received_at);
  // Sets one level's size; a size of zero removes the level. A new level on a full side
  // pushes out the worst one, or is not kept when it is itself the worst.
  void apply_level(BookSide side, BookLevel level);
  void set_sequence(std::uint64_t sequence, MonoTime received_at);
  // Marks the book unusable until the next snapshot (gap, checksum mismatch, crossed).
  void invalidate();

  bool valid() const { return valid_; }
  std::uint64_t sequence() const { return sequence_; }
  MonoTime last_update() const { return last_update_; }

  std::span<const BookLevel> bids() const { return bids_; }
  std::span<const BookLevel> asks() const { return asks_; }
  std::optional<BookLevel> best_bid() const;
  std::optional<BookLevel> best_ask() const;
  // Best bid at or above best ask: a broken feed or a venue in trouble.
  bool crossed() const;
  std::optional<double> mid_price() const;
  std::optional<double> spread_bps() const;
  // Walks `side` (asks when buying, bids when selling) for `notional` quote units.
  DepthFill fill_for_notional(BookSide side, double notional) const;

 private:
  InstrumentSpec spec_;
  std::vector<BookLevel> bids_;  // descending price
  std::vector<BookLevel> asks_;  // ascending price
  std::uint64_t sequence_ = 0;
  MonoTime last_update_{};
  bool valid_ = false;
};

}  // namespace propbot::md
