// ForbiddenAggregator: keeps a viewer or auditor who hammers a route above their role
// from flooding the audit log (issue 10: ~500 `forbidden` rows a second), without
// losing a single refusal. It only decides; the control plane writes the rows.
//
// Per key (actor, method, path) a window opens at the first forbidden answer, which is
// audited at once. Later answers inside the window are only counted; the count is
// written as one summary row (details `repeated`: how many answers it stands for) when
// the window has closed and the next answer or sweep comes, before the audit log is
// read or exported, when the table is full (the oldest window goes), and when the plane
// closes. So the rows a reader sees always add up exactly: one per row written at once
// plus `repeated` per summary row.
//
// Bounds: at most `max_keys` open windows, and at most `max_paths_per_actor` of them
// per actor; an actor's further distinct paths (ids in the path, percent-encodings)
// share one overflow key per actor, spelled method "*" and path "*". So one actor
// writes at most 2 × (max_paths_per_actor + 1) rows per window, whatever they send.
//
// Not guaranteed: counts still in memory when the process dies without closing the
// plane are lost (a crash; a clean stop writes them).
//
// Threads: not thread-safe; the control plane calls it under its mutex. Allocates per
// new key; not for the engine's hot path.
// Uses: core/common/clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/common/clock.hpp"

namespace propbot::control {

struct ForbiddenAggregatorOptions {
  Nanos window = std::chrono::minutes(1);
  std::size_t max_keys = 1024;
  std::size_t max_paths_per_actor = 8;
};

// Who was refused, as the audit row names them.
struct ForbiddenCaller {
  std::string name;
  std::string role;
  std::string source;
};

// One summary row: `repeated` forbidden answers of `caller` on `method` `path` between
// `first` and `last` that were not audited one by one.
struct ForbiddenSummary {
  ForbiddenCaller caller;  // as of the last of them
  std::string method;      // "*" for an actor's overflow key
  std::string path;        // "*" for an actor's overflow key
  std::int64_t repeated = 0;
  UtcTime first{};
  UtcTime last{};
};

class ForbiddenAggregator {
 public:
  explicit ForbiddenAggregator(ForbiddenAggregatorOptions options = {});

  // One forbidden answer at `now` (`utc` for the row). True when the caller must audit
  // it at once; false when it was counted. Summaries that must be written first (closed
  // windows, an evicted one) are appended to `due`.
  bool observe(const ForbiddenCaller& caller, std::string_view method, std::string_view path, MonoTime now,
               UtcTime utc, std::vector<ForbiddenSummary>& due);

  // Every count so far, for the summary rows; windows stay open with a zero count, and
  // those that have closed by `now` are dropped.
  std::vector<ForbiddenSummary> take_counts(MonoTime now);

  std::size_t open_windows() const { return windows_.size(); }

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // actor, method, path
  struct Window {
    MonoTime opened{};
    bool overflow = false;  // an actor's shared key
    ForbiddenCaller caller;
    std::int64_t repeated = 0;
    UtcTime first{};
    UtcTime last{};
  };

  void close(std::map<Key, Window>::iterator it, std::vector<ForbiddenSummary>& due);
  static void add_summary(const Key& key, const Window& window, std::vector<ForbiddenSummary>& due);

  ForbiddenAggregatorOptions options_;
  std::map<Key, Window> windows_;
  std::map<std::string, std::size_t, std::less<>> paths_per_actor_;  // non-overflow windows per actor
};

}  // namespace propbot::control
