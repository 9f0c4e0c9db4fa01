// LockoutTable: failures counted per key (a peer address, an operator, an approval
// request) in a sliding window; `max_failures` of them inside `window` lock the key
// out for `lockout`. The brute-force guard of the API (core/api/access_guard) and the
// second-factor throttle of the control plane (core/control/control_plane) both keep
// their counts here, so the two follow one rule.
//
// Guarantees:
//   - Only failures count: nothing (a success included) clears a key's failures, they
//     leave the count by ageing out of the window. A key that was locked starts with a
//     clean count when its lockout ends.
//   - record_failure() reports the failure that locks a key exactly once per lockout;
//     failures recorded while the key is locked are ignored (they neither extend the
//     lockout nor report it again).
//   - Bounded memory: at most `max_keys` keys, each holding fewer than `max_failures`
//     times. When full, keys with no failure inside the window and ended lockouts go
//     first, then the unlocked key that failed least recently, and only then the
//     lockout that ends soonest: many new keys never flush a running lockout while an
//     older, quieter key can go instead.
//   - Time is whatever MonoTime the caller passes (its Clock), so tests run on a SimClock.
//
// Threads: not thread-safe; the owner guards it with its own mutex. Allocates on a new
// key; not for the engine's hot path.
// Uses: core/common/clock (MonoTime, Nanos).
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"

namespace propbot {

struct LockoutOptions {
  int max_failures = 10;  // failures inside the window that lock the key
  Nanos window = std::chrono::minutes(5);
  Nanos lockout = std::chrono::minutes(15);
  std::size_t max_keys = 10000;
};

class LockoutTable {
 public:
  // Throws std::invalid_argument (naming `what`, e.g. "access guard") when max_failures
  // < 1, window or lockout <= 0, or max_keys == 0: start-up configuration errors.
  LockoutTable(LockoutOptions options, std::string_view what);

  // The end of `key`'s lockout when it is locked at `now`.
  std::optional<MonoTime> locked_until(std::string_view key, MonoTime now) const;

  // Records one failure of `key` at `now`. Returns the number of failures inside the
  // window when this one locked the key, nullopt otherwise (and while it is locked).
  std::optional<int> record_failure(std::string_view key, MonoTime now);

  // Keys with failures or a lockout on record (at most max_keys).
  std::size_t size() const { return keys_.size(); }
  const LockoutOptions& options() const { return options_; }

 private:
  struct Entry {
    std::deque<MonoTime> failures;        // inside the window, oldest first, < max_failures
    std::optional<MonoTime> locked_until;  // set while locked (maybe ended, see locked_until())
    MonoTime last_failure{};
  };

  void make_room(MonoTime now);

  LockoutOptions options_;
  std::map<std::string, Entry, std::less<>> keys_;
};

}  // namespace propbot
