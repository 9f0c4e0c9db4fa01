// OpportunityBoard: what the strategies currently propose, one entry per opportunity —
// a hedged pair keyed by (strategy, symbol, long venue, short venue), a single order by
// (strategy, symbol, venue, side), each key also split by reduce_only, so a close never
// overwrites an entry that happens to go the same way — with the policy's assessment of
// its latest proposal and the gate status. An entry not proposed again within the TTL
// expires.
//
// Bounded: one entry per key, and keys are configured strategies × symbols × venue
// pairs × {open, close}; expire() drops entries older than the TTL and forget() those
// of strategies that left.
//
// Thread: the engine's driving thread.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/intent.hpp"
#include "core/common/opportunity_status.hpp"
#include "core/engine/policy_stage.hpp"
#include "core/engine/snapshot.hpp"

namespace propbot::engine {

class OpportunityBoard {
 public:
  // Records the intent's latest proposal and assessment; returns its status under
  // `gate` (opportunity_gate, core/common/opportunity_status.hpp).
  // `risk_reason`: the risk governor's refusal code (empty: admitted or not asked).
  OpportunityStatus record(const Intent& intent, const PolicyOutcome& outcome, OpportunityStatus gate, MonoTime now,
                           UtcTime utc, std::string_view risk_reason = {});
  void expire(MonoTime now, Nanos ttl);
  // Drops what the named strategies proposed (a replaced or stopped version's ideas are
  // not the new logic's).
  void forget(const std::vector<std::string>& strategies);
  // The strategies with a live entry on `symbol` touching venue_a or venue_b (a
  // circuit breaker's route: who acts there now).
  void strategies_on(std::string_view symbol, std::string_view venue_a, std::string_view venue_b,
                     std::set<std::string>& out) const;
  // Every entry, its status recomputed against `gate`, best net spread first.
  std::vector<OpportunityView> views(OpportunityStatus gate);

 private:
  struct Key {
    std::string strategy, symbol, long_venue, short_venue;
    bool reduce_only = false;
    auto operator<=>(const Key&) const = default;
  };
  struct Entry {
    OpportunityView view;  // kind, side, policy and status in their stable string forms
    PolicyVerdict verdict = PolicyVerdict::no_policies;
    MonoTime last_seen_mono{};
  };
  std::map<Key, Entry> entries_;
};

}  // namespace propbot::engine
