#include "core/md/binance_book_sync.hpp"

#include <utility>

namespace propbot::md {
namespace {

constexpr std::size_t kReservedLevelsPerEvent = 32;

SyncReason cross_reason(const OrderBook& book) {
  if (!book.crossed()) return SyncReason::none;
  return book.best_bid()->price_ticks == book.best_ask()->price_ticks ? SyncReason::locked : SyncReason::crossed;
}

}  // namespace

BinanceBookSync::BinanceBookSync(InstrumentSpec spec, LevelGrid grid, BinanceBookSyncConfig config)
    : book_(std::move(spec), config.reserve_levels), grid_(grid), config_(config) {
  buffer_.resize(config_.buffer_capacity);
  for (BufferedEvent& slot : buffer_) {
    slot.bids.reserve(kReservedLevelsPerEvent);
    slot.asks.reserve(kReservedLevelsPerEvent);
  }
  update_scratch_.bids.reserve(kReservedLevelsPerEvent);
  update_scratch_.asks.reserve(kReservedLevelsPerEvent);
  snapshot_scratch_.bids.reserve(config_.reserve_levels);
  snapshot_scratch_.asks.reserve(config_.reserve_levels);
}

void BinanceBookSync::reset() {
  book_.invalidate();
  buffered_count_ = 0;
  last_update_id_ = 0;
  state_ = BookSyncState::awaiting_snapshot;
}

SyncOutcome BinanceBookSync::fail(SyncReason reason) {
  book_.invalidate();
  state_ = BookSyncState::invalid;
  buffered_count_ = 0;
  last_resync_reason_ = reason;
  return {SyncResult::needs_resync, reason};
}

SyncOutcome BinanceBookSync::fail_keeping_buffer(SyncReason reason) {
  book_.invalidate();
  state_ = BookSyncState::invalid;
  last_resync_reason_ = reason;
  return {SyncResult::needs_resync, reason};
}

SyncOutcome BinanceBookSync::buffer(const BinanceDepthUpdate& update, MonoTime received_at) {
  if (buffered_count_ == buffer_.size()) return fail(SyncReason::buffer_overflow);
  BufferedEvent& slot = buffer_[buffered_count_++];
  slot.first_id = update.first_id;
  slot.final_id = update.final_id;
  slot.prev_final_id = update.prev_final_id;
  slot.received_at = received_at;
  slot.bids.assign(update.bids.begin(), update.bids.end());
  slot.asks.assign(update.asks.begin(), update.asks.end());
  return {SyncResult::buffered, SyncReason::none};
}

SyncOutcome BinanceBookSync::process(std::int64_t first_id, std::int64_t final_id, std::int64_t prev_final_id,
                                     std::span<const BookLevel> bids, std::span<const BookLevel> asks,
                                     MonoTime received_at) {
  if (state_ == BookSyncState::syncing) {
    if (final_id < last_update_id_) return {SyncResult::ignored_stale, SyncReason::none};
    // The first event must bridge the snapshot: U <= lastUpdateId <= u.
    if (first_id > last_update_id_) return fail_keeping_buffer(SyncReason::gap);
  } else {  // live
    if (final_id <= last_update_id_) return {SyncResult::ignored_stale, SyncReason::none};
    if (prev_final_id != last_update_id_) return fail_keeping_buffer(SyncReason::gap);
  }
  for (const BookLevel& level : bids) book_.apply_level(BookSide::bid, level);
  for (const BookLevel& level : asks) book_.apply_level(BookSide::ask, level);
  last_update_id_ = final_id;
  book_.set_sequence(static_cast<std::uint64_t>(final_id), received_at);
  state_ = BookSyncState::live;
  if (const SyncReason reason = cross_reason(book_); reason != SyncReason::none) return fail(reason);
  return {SyncResult::applied, SyncReason::none};
}

SyncOutcome BinanceBookSync::on_update(const BinanceDepthUpdate& update, MonoTime received_at) {
  if (state_ == BookSyncState::awaiting_snapshot || state_ == BookSyncState::invalid) {
    return buffer(update, received_at);
  }
  const SyncOutcome outcome =
      process(update.first_id, update.final_id, update.prev_final_id, update.bids, update.asks, received_at);
  if (outcome.reason == SyncReason::gap) {
    // The event that broke the chain is the first one the next snapshot may need.
    static_cast<void>(buffer(update, received_at));
  }
  return outcome;
}

SyncOutcome BinanceBookSync::on_snapshot(const BinanceDepthSnapshot& snapshot, MonoTime received_at) {
  std::span<const BookLevel> bids = snapshot.bids;
  std::span<const BookLevel> asks = snapshot.asks;
  book_.apply_snapshot(bids, asks, static_cast<std::uint64_t>(snapshot.last_update_id), received_at);
  last_update_id_ = snapshot.last_update_id;
  state_ = BookSyncState::syncing;
  if (const SyncReason reason = cross_reason(book_); reason != SyncReason::none) return fail(reason);
  // Replay what arrived while the snapshot was in flight, in arrival order.
  const std::size_t count = std::exchange(buffered_count_, 0);
  for (std::size_t i = 0; i < count; ++i) {
    const BufferedEvent& event = buffer_[i];
    const SyncOutcome outcome =
        process(event.first_id, event.final_id, event.prev_final_id, event.bids, event.asks, event.received_at);
    if (outcome.result != SyncResult::needs_resync) continue;
    if (outcome.reason == SyncReason::gap) {
      // Typically the snapshot is older than the stream: keep events i.. for the next one.
      for (std::size_t j = i; j < count; ++j) std::swap(buffer_[j - i], buffer_[j]);
      buffered_count_ = count - i;
    }
    return outcome;
  }
  return {SyncResult::applied, SyncReason::none};
}

SyncOutcome BinanceBookSync::on_update_frame(std::string_view text, MonoTime received_at) {
  if (Status parsed = parse_binance_depth_update(text, grid_, update_scratch_); !parsed) {
    last_error_ = parsed.error().message;
    return fail(SyncReason::parse_error);
  }
  return on_update(update_scratch_, received_at);
}

SyncOutcome BinanceBookSync::on_snapshot_frame(std::string_view text, MonoTime received_at) {
  if (Status parsed = parse_binance_depth_snapshot(text, grid_, snapshot_scratch_); !parsed) {
    last_error_ = parsed.error().message;
    return fail(SyncReason::parse_error);
  }
  return on_snapshot(snapshot_scratch_, received_at);
}

}  // namespace propbot::md
