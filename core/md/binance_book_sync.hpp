// BinanceBookSync: keeps one local OrderBook in step with a Binance USD-M futures
// diff-depth stream, following "How to manage a local order book correctly"
// (protocols.md A7; DESIGN-NOTES "Order books and streams"):
//   awaiting_snapshot — diff events are buffered (bounded) until the REST snapshot;
//   on_snapshot       — the book is replaced, buffered events with u < lastUpdateId are
//                       dropped, the first applied event must have U <= lastUpdateId
//                       <= u (state syncing until it comes), then live;
//   live              — every event's pu must equal the previous event's u.
// Any break — gap, buffer overflow, crossed or locked book, unreadable frame — clears
// the book (state invalid) and returns needs_resync once: the caller re-fetches the
// snapshot. While invalid, events are buffered again, so the next snapshot resumes.
// On a gap the offending event and those after it stay buffered (a snapshot older
// than the stream is the usual cause, and the next snapshot re-checks every one);
// overflow, crossing and parse errors empty the buffer.
// An event whose u is at or below the last applied u (a duplicate or a late replay)
// is ignored as stale: quantities are absolute, so skipping it loses nothing.
//
// Guarantees: never throws (beyond std::bad_alloc while buffers first grow); after
// warm-up, neither on_update nor on_*_frame allocates (the buffer's slots and the
// parse targets are reused). Every call returns a SyncOutcome with a reason code
// for metrics; last_error() keeps the last parse error's message. Clock-free: the
// caller passes the arrival time, which becomes the book's last_update().
// Uses OrderBook, binance_depth parsers, LevelGrid.
//
// Thread: engine thread; not synchronised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/md/binance_depth.hpp"
#include "core/md/book_sync.hpp"
#include "core/md/level_grid.hpp"
#include "core/md/order_book.hpp"

namespace propbot::md {

struct BinanceBookSyncConfig {
  std::size_t buffer_capacity = 256;  // events kept while waiting for the snapshot
  std::size_t reserve_levels = 1024;  // per side, the snapshot depth (limit=1000)
};

class BinanceBookSync {
 public:
  BinanceBookSync(InstrumentSpec spec, LevelGrid grid, BinanceBookSyncConfig config = {});

  // One parsed diff event.
  SyncOutcome on_update(const BinanceDepthUpdate& update, MonoTime received_at);
  // The REST snapshot; (re)initialises the book and replays the buffer.
  SyncOutcome on_snapshot(const BinanceDepthSnapshot& snapshot, MonoTime received_at);
  // Parse (raw or combined-stream frame) then apply. An unreadable frame →
  // needs_resync with reason parse_error.
  SyncOutcome on_update_frame(std::string_view text, MonoTime received_at);
  SyncOutcome on_snapshot_frame(std::string_view text, MonoTime received_at);
  // Drops the book and the buffer (e.g. after a reconnect) and waits for a snapshot.
  void reset();

  BookSyncState state() const { return state_; }
  const OrderBook& book() const { return book_; }
  const LevelGrid& grid() const { return grid_; }
  // u of the last applied event (the snapshot's lastUpdateId right after it).
  std::int64_t last_update_id() const { return last_update_id_; }
  std::size_t buffered_events() const { return buffered_count_; }
  SyncReason last_resync_reason() const { return last_resync_reason_; }
  const std::string& last_error() const { return last_error_; }

 private:
  struct BufferedEvent {
    std::int64_t first_id = 0;
    std::int64_t final_id = 0;
    std::int64_t prev_final_id = 0;
    MonoTime received_at{};
    std::vector<BookLevel> bids;
    std::vector<BookLevel> asks;
  };

  SyncOutcome process(std::int64_t first_id, std::int64_t final_id, std::int64_t prev_final_id,
                      std::span<const BookLevel> bids, std::span<const BookLevel> asks, MonoTime received_at);
  SyncOutcome buffer(const BinanceDepthUpdate& update, MonoTime received_at);
  // Invalidates the book and empties the buffer.
  SyncOutcome fail(SyncReason reason);
  // Invalidates the book; the buffered events stay for the next snapshot, which
  // re-checks each of them (stale drop, bridge rule, pu chain), so keeping them is safe.
  SyncOutcome fail_keeping_buffer(SyncReason reason);

  OrderBook book_;
  LevelGrid grid_;
  BinanceBookSyncConfig config_;
  BookSyncState state_ = BookSyncState::awaiting_snapshot;
  std::int64_t last_update_id_ = 0;
  std::vector<BufferedEvent> buffer_;  // slots reused; the first buffered_count_ are live
  std::size_t buffered_count_ = 0;
  BinanceDepthUpdate update_scratch_;
  BinanceDepthSnapshot snapshot_scratch_;
  SyncReason last_resync_reason_ = SyncReason::none;
  std::string last_error_;
};

}  // namespace propbot::md
