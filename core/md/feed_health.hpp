// FeedHealth: the health of one venue/symbol market-data feed (SPEC S-2.4), judged by
// data freshness, not socket state — a stream that is connected but silent (wrong
// Binance path, a reconnect that never resumes: hummingbot#7590, #8250) is stale.
// Tracks ws_gap_ms (time between messages, a LatencyHistogram), book_freshness_ms
// (now − last applied update), the stale flag, crossed/locked counts, resyncs with the
// last reason, and message/update counters; view() gives a plain snapshot for the API.
//
// Guarantees: O(1), allocation-free recording (the view copies two strings); never
// throws. Clock-free: every call takes the caller's MonoTime, so replay and tests
// drive it with a SimClock. A feed that has never applied an update is stale.
// Uses LatencyHistogram, SyncOutcome.
//
// Thread: engine thread; publish view() copies to other threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/latency_histogram.hpp"
#include "core/md/book_sync.hpp"

namespace propbot::md {

struct FeedHealthConfig {
  // No applied update for longer than this → stale.
  Nanos stale_after = std::chrono::seconds{5};
};

// What /api/... shows for one feed.
struct FeedHealthView {
  std::string venue;
  std::string symbol;
  std::uint64_t messages = 0;         // every frame received (heartbeats included)
  std::uint64_t updates_applied = 0;  // outcomes `applied`
  std::uint64_t ignored_stale = 0;
  double ws_gap_ms_p50 = 0;
  double ws_gap_ms_p95 = 0;
  double ws_gap_ms_p99 = 0;
  double ws_gap_ms_max = 0;
  std::optional<double> book_freshness_ms;  // empty until the first applied update
  bool stale = true;
  bool book_valid = false;  // last outcome left the book usable
  std::uint64_t crossed_count = 0;
  std::uint64_t locked_count = 0;
  std::uint64_t resync_count = 0;
  std::string last_resync_reason;  // SyncReason string form; "none" before the first
};

class FeedHealth {
 public:
  FeedHealth(std::string venue, std::string symbol, FeedHealthConfig config = {});

  // A frame arrived (any frame of this feed, before parsing).
  void on_message(MonoTime received_at);
  // What the book sync made of it.
  void on_outcome(SyncOutcome outcome, MonoTime at);
  // A new connection: gaps are not measured across it.
  void on_reconnect();

  bool stale(MonoTime now) const;
  // now − last applied update; empty before the first.
  std::optional<Nanos> book_freshness(MonoTime now) const;
  const LatencyHistogram& ws_gap_ns() const { return ws_gap_ns_; }
  FeedHealthView view(MonoTime now) const;

 private:
  std::string venue_;
  std::string symbol_;
  FeedHealthConfig config_;
  LatencyHistogram ws_gap_ns_;  // recorded in ns, reported in ms
  std::optional<MonoTime> last_message_;
  std::optional<MonoTime> last_applied_;
  std::uint64_t messages_ = 0;
  std::uint64_t updates_applied_ = 0;
  std::uint64_t ignored_stale_ = 0;
  std::uint64_t crossed_count_ = 0;
  std::uint64_t locked_count_ = 0;
  std::uint64_t resync_count_ = 0;
  SyncReason last_resync_reason_ = SyncReason::none;
  bool book_valid_ = false;
};

}  // namespace propbot::md
