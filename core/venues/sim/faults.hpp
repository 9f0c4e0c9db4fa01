// FaultPlan: what the venue simulator is told to do wrong, per simulated venue, set
// through the admin API (docs/API.md "Venue simulator admin") and read by the protocol
// frontends on every request and every market tick — always through their FaultGate
// (fault_gate.hpp), which keeps the plan and decides each fault. Each fault is plain
// data so a scenario can declare it and a test can assert on it; its name, range and
// JSON form are one row of fault_fields() (fault_fields.hpp).
//
// Thread: read and written under the owning SimulatedVenue's mutex.
#pragma once

#include <cstdint>
#include <string>

namespace propbot::venues::sim {

struct FaultPlan {
  // Every REST answer is delayed by this much (ms).
  int added_latency_ms = 0;
  // Orders that would fill completely fill only this fraction of their quantity first
  // (0 = off, e.g. 0.3 = 30% then the rest rests); used for partial-fill tests.
  double partial_fill_ratio = 0;
  // Reject the Nth order placed from now on (1 = the next one), once; 0 = off.
  int reject_nth_order = 0;
  std::string reject_code;  // venue code to answer with; empty = the venue's generic reject
  // Rate-limit storm: the next `rate_limit_429_count` requests answer 429 with
  // Retry-After `retry_after_s`; requests that keep coming during the storm escalate to
  // 418 (banned for `ban_s`) after `ban_after_429s` of them.
  int rate_limit_429_count = 0;
  int retry_after_s = 1;
  int ban_after_429s = 0;  // 0 = never ban
  int ban_s = 120;
  // Close every WebSocket connection now (one-shot; the frontend clears it).
  bool disconnect_websockets = false;
  // A WebSocket outage: while set, every existing WebSocket of the venue (public and
  // private) is closed and new connections are closed right after the upgrade. REST
  // keeps answering, so orders placed meanwhile still trade. Stays until cleared.
  bool websockets_down = false;
  // Market data faults.
  int drop_every_nth_diff = 0;       // skip publishing every Nth depth diff (sequence gap)
  bool corrupt_next_snapshot = false;  // one REST/WS snapshot with a wrong checksum / ids
  bool stale_books = false;          // stop publishing market data (connected but silent)
  // Whole-venue state.
  bool maintenance = false;          // orders refused with the venue's maintenance error
  bool read_only = false;            // queries answer, orders and cancels refused
  std::int64_t clock_skew_ms = 0;    // server time reported and checked is off by this
  // Funding: the next `skip_funding` settlements of this venue pay no client account. The
  // venue still settles (its schedule moves on, the market model's account is paid), but
  // every account made through the admin API keeps its wallet, gets no balance push and no
  // income / bill record — "a missing funding payment". Counts down by one per settlement.
  int skip_funding = 0;
};

}  // namespace propbot::venues::sim
