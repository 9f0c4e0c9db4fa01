// OpportunityBoard: what the strategies currently propose, one entry per opportunity —
// a hedged pair keyed by (strategy, symbol, long venue, short venue), a single order by
// (strategy, symbol, venue, side) — with the policy's assessment of its latest proposal
// and the gate status. An entry not proposed again within the TTL expires.
//
// Bounded: one entry per key, and keys are configured strategies × symbols × venue
// pairs; expire() drops entries older than the TTL and forget() those of strategies
// that left.
//
// Thread: the engine's driving thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/engine/policy_stage.hpp"
#include "core/engine/snapshot.hpp"
#include "scripting/intent.hpp"

namespace propbot::engine {

// The control gate: blocked_by_kill | blocked_by_hold | blocked_by_safe_mode | ready.
std::string_view gate_status(Mode mode, bool safe_mode);
// The gate, then the policy: a policy refusal shows only when nothing above it blocks.
std::string_view opportunity_status(std::string_view gate, std::string_view policy_verdict);

class OpportunityBoard {
 public:
  // Records the intent's latest proposal and assessment; returns its status.
  std::string_view record(const scripting::Intent& intent, const PolicyOutcome& outcome, std::string_view gate,
                          MonoTime now, UtcTime utc);
  void expire(MonoTime now, Nanos ttl);
  // Drops what the named strategies proposed (a replaced or stopped version's ideas are
  // not the new logic's).
  void forget(const std::vector<std::string>& strategies);
  // Every entry, its status recomputed against `gate`, best net spread first.
  std::vector<OpportunityView> views(std::string_view gate);

 private:
  struct Key {
    std::string strategy, symbol, long_venue, short_venue;
    auto operator<=>(const Key&) const = default;
  };
  struct Entry {
    OpportunityView view;
    MonoTime last_seen_mono{};
  };
  std::map<Key, Entry> entries_;
};

}  // namespace propbot::engine
