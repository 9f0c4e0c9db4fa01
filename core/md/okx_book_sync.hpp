// OkxBookSync: keeps one local OrderBook in step with an OKX `books` channel
// (protocols.md B6; DESIGN-NOTES "Order books and streams"):
//   snapshot (prevSeqId -1) — replaces the book, state live;
//   update                  — prevSeqId must equal the previous seqId. A heartbeat
//                             (prevSeqId == seqId, empty sides) and a maintenance reset
//                             (seqId < prevSeqId) are accepted; the sequence continues
//                             from the message's seqId.
// After every snapshot and update the CRC32 over the top 25 levels, interleaved
// `bidpx:bidsz:askpx:asksz` with the price/size strings exactly as received, must
// equal the message's signed checksum. A gap, a checksum mismatch, a crossed or locked
// book or an unreadable frame clears the book (state invalid) and returns
// needs_resync once: the caller resubscribes. Updates while awaiting a snapshot or
// invalid are ignored_stale.
//
// Guarantees: never throws (beyond std::bad_alloc while vectors first grow); no
// allocation per message once the sides have grown to the venue's depth (400 levels
// reserved). The raw strings live beside the numeric levels in a mirror of each side
// kept in the same order as the OrderBook; the checksum text is built in a fixed
// buffer. Clock-free: the caller passes the arrival time.
// Uses OrderBook, okx_books parser, LevelGrid, crc32.
//
// Thread: engine thread; not synchronised.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/md/book_sync.hpp"
#include "core/md/level_grid.hpp"
#include "core/md/okx_books.hpp"
#include "core/md/order_book.hpp"

namespace propbot::md {

struct OkxBookSyncConfig {
  std::size_t reserve_levels = 512;  // per side; `books` carries 400
};

// The OKX checksum over two best-first sides of raw levels (top 25 of each,
// interleaved, joined with ':'), as a signed 32-bit value. No allocation.
std::int32_t okx_book_checksum(std::span<const OkxBookLevel> bids, std::span<const OkxBookLevel> asks);

class OkxBookSync {
 public:
  OkxBookSync(InstrumentSpec spec, LevelGrid grid, OkxBookSyncConfig config = {});

  SyncOutcome on_message(const OkxBooksMessage& message, MonoTime received_at);
  // Parse then apply. An unreadable frame → needs_resync with reason parse_error.
  SyncOutcome on_frame(std::string_view text, MonoTime received_at);
  // Drops the book (e.g. after a reconnect) and waits for a snapshot.
  void reset();

  BookSyncState state() const { return state_; }
  const OrderBook& book() const { return book_; }
  const LevelGrid& grid() const { return grid_; }
  std::int64_t last_seq_id() const { return last_seq_id_; }
  // Best-first sides with the strings as received (what the checksum reads).
  std::span<const OkxBookLevel> raw_bids() const { return raw_bids_; }
  std::span<const OkxBookLevel> raw_asks() const { return raw_asks_; }
  // The checksum of the current book (what the last message was compared with).
  std::int32_t current_checksum() const { return okx_book_checksum(raw_bids_, raw_asks_); }
  SyncReason last_resync_reason() const { return last_resync_reason_; }
  const std::string& last_error() const { return last_error_; }

 private:
  void apply_side(BookSide side, std::span<const OkxBookLevel> levels);
  // The OKX merge rule on one raw side: size 0 deletes, otherwise replace or insert.
  void merge_level(BookSide side, const OkxBookLevel& level);
  SyncOutcome verify(const OkxBooksMessage& message);
  SyncOutcome fail(SyncReason reason);

  OrderBook book_;
  LevelGrid grid_;
  BookSyncState state_ = BookSyncState::awaiting_snapshot;
  std::int64_t last_seq_id_ = 0;
  std::vector<OkxBookLevel> raw_bids_;  // descending price, mirrors book_.bids()
  std::vector<OkxBookLevel> raw_asks_;  // ascending price
  std::vector<BookLevel> snapshot_scratch_;
  OkxBooksMessage message_scratch_;
  SyncReason last_resync_reason_ = SyncReason::none;
  std::string last_error_;
};

}  // namespace propbot::md
