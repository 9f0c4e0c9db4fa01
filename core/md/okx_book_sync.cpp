#include "core/md/okx_book_sync.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/md/crc32.hpp"

namespace propbot::md {
namespace {

constexpr std::size_t kChecksumLevels = 25;
// Worst case: 25 levels × 2 sides × (price + ':' + size + ':').
constexpr std::size_t kChecksumBufferSize = kChecksumLevels * 2 * (2 * ShortText::capacity + 2);

bool better(BookSide side, std::int64_t a, std::int64_t b) { return side == BookSide::bid ? a > b : a < b; }

SyncReason cross_reason(const OrderBook& book) {
  if (!book.crossed()) return SyncReason::none;
  return book.best_bid()->price_ticks == book.best_ask()->price_ticks ? SyncReason::locked : SyncReason::crossed;
}

void append(char* buffer, std::size_t& length, std::string_view text) {
  std::memcpy(buffer + length, text.data(), text.size());
  length += text.size();
}

}  // namespace

std::int32_t okx_book_checksum(std::span<const OkxBookLevel> bids, std::span<const OkxBookLevel> asks) {
  std::array<char, kChecksumBufferSize> buffer;
  std::size_t length = 0;
  const auto add_level = [&](const OkxBookLevel& level) {
    if (length > 0) buffer[length++] = ':';
    append(buffer.data(), length, level.price_text.view());
    buffer[length++] = ':';
    append(buffer.data(), length, level.size_text.view());
  };
  for (std::size_t i = 0; i < kChecksumLevels; ++i) {
    if (i < bids.size()) add_level(bids[i]);
    if (i < asks.size()) add_level(asks[i]);
  }
  // C++20 defines the conversion as modular: the signed view OKX sends.
  return static_cast<std::int32_t>(crc32(std::string_view(buffer.data(), length)));
}

OkxBookSync::OkxBookSync(InstrumentSpec spec, LevelGrid grid, OkxBookSyncConfig config)
    : book_(std::move(spec), config.reserve_levels), grid_(grid) {
  raw_bids_.reserve(config.reserve_levels);
  raw_asks_.reserve(config.reserve_levels);
  snapshot_scratch_.reserve(2 * config.reserve_levels);
  message_scratch_.bids.reserve(config.reserve_levels);
  message_scratch_.asks.reserve(config.reserve_levels);
}

void OkxBookSync::reset() {
  book_.invalidate();
  raw_bids_.clear();
  raw_asks_.clear();
  last_seq_id_ = 0;
  state_ = BookSyncState::awaiting_snapshot;
}

SyncOutcome OkxBookSync::fail(SyncReason reason) {
  book_.invalidate();
  raw_bids_.clear();
  raw_asks_.clear();
  state_ = BookSyncState::invalid;
  last_resync_reason_ = reason;
  return {SyncResult::needs_resync, reason};
}

void OkxBookSync::merge_level(BookSide side, const OkxBookLevel& level) {
  auto& raw = side == BookSide::bid ? raw_bids_ : raw_asks_;
  auto it = std::lower_bound(raw.begin(), raw.end(), level.price_ticks,
                             [side](const OkxBookLevel& l, std::int64_t price) {
                               return better(side, l.price_ticks, price);
                             });
  const bool exists = it != raw.end() && it->price_ticks == level.price_ticks;
  if (level.size_lots <= 0) {
    if (exists) raw.erase(it);
  } else if (exists) {
    *it = level;
  } else {
    raw.insert(it, level);
  }
}

void OkxBookSync::apply_side(BookSide side, std::span<const OkxBookLevel> levels) {
  for (const OkxBookLevel& level : levels) {
    merge_level(side, level);
    book_.apply_level(side, {level.price_ticks, level.size_lots});
  }
}

SyncOutcome OkxBookSync::verify(const OkxBooksMessage& message) {
  if (okx_book_checksum(raw_bids_, raw_asks_) != message.checksum) return fail(SyncReason::checksum_mismatch);
  if (const SyncReason reason = cross_reason(book_); reason != SyncReason::none) return fail(reason);
  return {SyncResult::applied, SyncReason::none};
}

SyncOutcome OkxBookSync::on_message(const OkxBooksMessage& message, MonoTime received_at) {
  if (message.action == OkxBookAction::snapshot) {
    // Merged level by level (no sort buffer): a best-first snapshot appends at the
    // end of each side, and a price listed twice keeps its last entry.
    raw_bids_.clear();
    raw_asks_.clear();
    for (const OkxBookLevel& level : message.bids) merge_level(BookSide::bid, level);
    for (const OkxBookLevel& level : message.asks) merge_level(BookSide::ask, level);
    // OrderBook takes both sides at once: bids then asks in one reused buffer.
    snapshot_scratch_.clear();
    for (const OkxBookLevel& level : raw_bids_) snapshot_scratch_.push_back({level.price_ticks, level.size_lots});
    const std::size_t bid_count = snapshot_scratch_.size();
    for (const OkxBookLevel& level : raw_asks_) snapshot_scratch_.push_back({level.price_ticks, level.size_lots});
    const std::span<const BookLevel> all = snapshot_scratch_;
    book_.apply_snapshot(all.first(bid_count), all.subspan(bid_count), static_cast<std::uint64_t>(message.seq_id),
                         received_at);
    last_seq_id_ = message.seq_id;
    state_ = BookSyncState::live;
    return verify(message);
  }
  if (state_ != BookSyncState::live) return {SyncResult::ignored_stale, SyncReason::none};
  if (message.prev_seq_id != last_seq_id_) return fail(SyncReason::gap);
  apply_side(BookSide::bid, message.bids);
  apply_side(BookSide::ask, message.asks);
  last_seq_id_ = message.seq_id;  // a maintenance reset (seqId < prevSeqId) continues from here
  book_.set_sequence(static_cast<std::uint64_t>(message.seq_id), received_at);
  return verify(message);
}

SyncOutcome OkxBookSync::on_frame(std::string_view text, MonoTime received_at) {
  if (Status parsed = parse_okx_books(text, grid_, message_scratch_); !parsed) {
    last_error_ = parsed.error().message;
    return fail(SyncReason::parse_error);
  }
  return on_message(message_scratch_, received_at);
}

}  // namespace propbot::md
