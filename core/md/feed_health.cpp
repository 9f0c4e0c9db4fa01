#include "core/md/feed_health.hpp"

#include <utility>

namespace propbot::md {
namespace {

double to_ms(std::int64_t nanos) { return static_cast<double>(nanos) / 1e6; }

}  // namespace

FeedHealth::FeedHealth(std::string venue, std::string symbol, FeedHealthConfig config)
    : venue_(std::move(venue)), symbol_(std::move(symbol)), config_(config) {}

void FeedHealth::on_message(MonoTime received_at) {
  if (last_message_ && received_at >= *last_message_) ws_gap_ns_.record((received_at - *last_message_).count());
  last_message_ = received_at;
  ++messages_;
}

void FeedHealth::on_reconnect() { last_message_.reset(); }

void FeedHealth::on_outcome(SyncOutcome outcome, MonoTime at) {
  switch (outcome.result) {
    case SyncResult::applied:
      ++updates_applied_;
      last_applied_ = at;
      book_valid_ = true;
      break;
    case SyncResult::ignored_stale:
      ++ignored_stale_;
      break;
    case SyncResult::buffered:
      break;
    case SyncResult::needs_resync:
      ++resync_count_;
      last_resync_reason_ = outcome.reason;
      book_valid_ = false;
      if (outcome.reason == SyncReason::crossed) ++crossed_count_;
      if (outcome.reason == SyncReason::locked) ++locked_count_;
      break;
  }
}

bool FeedHealth::stale(MonoTime now) const { return !last_applied_ || now - *last_applied_ > config_.stale_after; }

std::optional<Nanos> FeedHealth::book_freshness(MonoTime now) const {
  if (!last_applied_) return std::nullopt;
  return now - *last_applied_;
}

FeedHealthView FeedHealth::view(MonoTime now) const {
  FeedHealthView view;
  view.venue = venue_;
  view.symbol = symbol_;
  view.messages = messages_;
  view.updates_applied = updates_applied_;
  view.ignored_stale = ignored_stale_;
  view.ws_gap_ms_p50 = to_ms(ws_gap_ns_.percentile(50));
  view.ws_gap_ms_p95 = to_ms(ws_gap_ns_.percentile(95));
  view.ws_gap_ms_p99 = to_ms(ws_gap_ns_.percentile(99));
  view.ws_gap_ms_max = to_ms(ws_gap_ns_.max());
  if (const auto freshness = book_freshness(now)) view.book_freshness_ms = to_ms(freshness->count());
  view.stale = stale(now);
  view.book_valid = book_valid_;
  view.crossed_count = crossed_count_;
  view.locked_count = locked_count_;
  view.resync_count = resync_count_;
  view.last_resync_reason = std::string(to_string(last_resync_reason_));
  return view;
}

}  // namespace propbot::md
