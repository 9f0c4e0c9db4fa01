// Vocabulary shared by the venue book synchronisers (binance_book_sync,
// okx_book_sync): the sync state, the outcome of feeding one message, and the reason
// codes whose string forms are used in metrics, logs and the API
// (propbot_md_resyncs_total{reason="gap"}).
//
// Thread: plain values.
#pragma once

#include <string_view>

namespace propbot::md {

enum class BookSyncState {
  awaiting_snapshot,  // nothing applied yet
  syncing,            // snapshot applied, waiting for the first event that bridges it (Binance)
  live,               // book follows the venue; safe to read
  invalid,            // sequence lost; book cleared until the next snapshot
};

enum class SyncResult {
  applied,        // the message changed (or confirmed) the book
  buffered,       // kept until the snapshot arrives
  ignored_stale,  // older than the book; dropped, book unchanged
  needs_resync,   // book invalidated: re-fetch the snapshot / resubscribe
};

enum class SyncReason {
  none,
  gap,                // sequence discontinuity (pu / prevSeqId, first-event rule)
  checksum_mismatch,  // OKX CRC32 over the top 25 levels disagrees
  crossed,            // best bid above best ask after apply
  locked,             // best bid equal to best ask after apply
  buffer_overflow,    // too many events while waiting for the snapshot
  parse_error,        // a frame for this book could not be read
};

struct SyncOutcome {
  SyncResult result = SyncResult::applied;
  SyncReason reason = SyncReason::none;

  friend bool operator==(const SyncOutcome&, const SyncOutcome&) = default;
};

constexpr std::string_view to_string(BookSyncState state) {
  switch (state) {
    case BookSyncState::awaiting_snapshot: return "awaiting_snapshot";
    case BookSyncState::syncing: return "syncing";
    case BookSyncState::live: return "live";
    case BookSyncState::invalid: return "invalid";
  }
  return "invalid";
}

constexpr std::string_view to_string(SyncResult result) {
  switch (result) {
    case SyncResult::applied: return "applied";
    case SyncResult::buffered: return "buffered";
    case SyncResult::ignored_stale: return "ignored_stale";
    case SyncResult::needs_resync: return "needs_resync";
  }
  return "needs_resync";
}

constexpr std::string_view to_string(SyncReason reason) {
  switch (reason) {
    case SyncReason::none: return "none";
    case SyncReason::gap: return "gap";
    case SyncReason::checksum_mismatch: return "checksum_mismatch";
    case SyncReason::crossed: return "crossed";
    case SyncReason::locked: return "locked";
    case SyncReason::buffer_overflow: return "buffer_overflow";
    case SyncReason::parse_error: return "parse_error";
  }
  return "none";
}

}  // namespace propbot::md
