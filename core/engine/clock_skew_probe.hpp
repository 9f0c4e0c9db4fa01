// ClockSkewProbe (SPEC S-2.5, issue 13 item 5): asks every venue for its server time
// every `interval` and keeps the measured skew per venue in a risk::ClockSkewTable it
// owns — what the risk governor compares with risk.clock_skew_hold_ms (HOLD + alert
// when a venue is over) and what /api/ui/risk_snapshot shows as clock_skew_ms.
//
// Measurement: risk::measured_skew_ms — the venue's answer minus our UTC at the
// midpoint of the round trip (Clock::now() at send and at answer, Clock::utc() at send).
// Each measurement is recorded in the table and then reported through `on_measured`.
//
// Guarantees:
//  - start() probes every venue at once, then every `interval` (Clock::call_after
//    timers on the engine Clock, so a SimClock drives it in tests and replays).
//  - At most one request in flight per venue: a venue still answering when the next
//    round comes is skipped that round (logged at debug). A venue's own request timeout
//    ends a hung request; the probe adds none.
//  - A failed answer is logged (warn, clock_skew_probe_failed) and not recorded; the
//    venue is asked again next interval. An answer whose round trip is longer than
//    `max_round_trip` (when > 0) is logged and dropped: its error, up to half the
//    round trip, would be too large to hold the desk on.
//  - stop() cancels the timer; answers still in flight are ignored when they come
//    (also after a new start(), and after the probe is destroyed: callbacks hold only
//    a weak token). The table keeps its last measurements.
//  - Bounded: one table entry and one slot per venue given.
//
// Threads: the engine thread. Timers run on it (RealClock on the engine io_context)
// and so do Venue callbacks: venue.hpp's contract; BinanceAdapter and OkxAdapter answer
// on their io_context (the engine's), never inside the call; PaperBroker answers from a
// timer of the engine Clock after its order latency. So the table needs no lock. An
// answer given inside server_time() itself is handled too.
//
// Uses risk::ClockSkewTable, venues::Venue, Clock, Logger.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/risk/venue_guards.hpp"
#include "core/venues/venue.hpp"

namespace propbot::engine {

struct ClockSkewProbeOptions {
  Nanos interval = std::chrono::seconds(10);  // > 0 (risk.clock_skew_probe_interval_ms)
  Nanos max_round_trip{0};                    // 0 = keep every answer
};

class ClockSkewProbe {
 public:
  using OnMeasured = std::function<void(const std::string& venue, double skew_ms)>;

  // Venues must outlive the probe or its stop(). interval ≤ 0 or a null venue is a
  // programming error: std::invalid_argument.
  ClockSkewProbe(Clock& clock, std::vector<venues::Venue*> venues, ClockSkewProbeOptions options, Logger logger,
                 OnMeasured on_measured = {});
  ~ClockSkewProbe();
  ClockSkewProbe(const ClockSkewProbe&) = delete;
  ClockSkewProbe& operator=(const ClockSkewProbe&) = delete;

  void start();
  void stop();
  bool running() const { return running_; }

  const risk::ClockSkewTable& table() const { return table_; }
  // How many venues have a request out now.
  std::size_t in_flight() const;

 private:
  struct Slot {
    venues::Venue* venue = nullptr;
    std::string id;
    bool in_flight = false;
    MonoTime sent{};
    UtcTime local_at_sent{};
  };

  void round();
  void probe(std::size_t index);
  void on_answer(std::size_t index, const venues::VenueResult<UtcTime>& answer);

  Clock& clock_;
  ClockSkewProbeOptions options_;
  Logger logger_;
  OnMeasured on_measured_;
  std::vector<Slot> slots_;
  risk::ClockSkewTable table_;
  bool running_ = false;
  Clock::TimerId timer_ = 0;
  // Answers carry the generation they were asked in; stop() starts a new one.
  std::uint64_t generation_ = 0;
  // Answers hold a weak_ptr to it: expired once the probe is destroyed.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace propbot::engine
