// Venue guards (SPEC S-2.5, S-3.8; issue 13 item 5): the two per-venue facts the risk
// governor refuses new legs on besides its caps — how far a venue's clock is from ours
// (over risk.clock_skew_hold_ms → HOLD + alert) and whether the venue is inside, or
// about to enter, a maintenance window (the venue leaves routing ahead of the window,
// reason code venue_maintenance, and an alert is raised once per window).
//
// measured_skew_ms: skew = server time − our UTC at the midpoint of the round trip
// (positive: the venue's clock is ahead). The midpoint is local_at_sent + (answered −
// sent) / 2, the round trip measured on the monotonic clock, so the error is at most
// half the round trip. A negative round trip counts as 0.
//
// ClockSkewTable: the latest measured skew per venue.
//  - Bounded: it knows only the venues it was built with; record() for any other venue
//    (or a non-finite skew) changes nothing and answers false.
//  - worst_abs_ms() is the largest |skew| measured (0 when nothing is measured yet);
//    exceeds(limit) lists the venues whose |skew| > limit (at the limit is fine), in
//    venue order; a limit ≤ 0 means the guard is off and lists nothing.
//  - to_json() = {"VENUE": ms rounded to 0.1, ...}, venues not measured yet omitted.
//
// MaintenanceCalendar: the configured windows and a lead time.
//  - A window [start, end) with end ≤ start is ignored (config validation refuses it).
//  - state(venue, now): active when start ≤ now < end for some window of the venue,
//    else upcoming when start − lead ≤ now < start for some window, else none (also at
//    and after end). A lead ≤ 0 means no upcoming phase.
//  - blocked(venue, now): a reason text when upcoming or active, naming the venue, the
//    window and the minutes to its start (or its end), rounded up:
//      "BINANCE maintenance 2026-12-08T02:00:00.000Z..2026-12-08T03:00:00.000Z starts in 12 min"
//      "BINANCE maintenance 2026-12-08T02:00:00.000Z..2026-12-08T03:00:00.000Z active, ends in 40 min"
//    An active window wins over an upcoming one; among several, the earliest start.
//  - newly_upcoming(now): the windows that are upcoming or active now and were not
//    returned by an earlier call — each window exactly once, for the alert; a window
//    first seen after its end is never returned (it is over). The alert memory holds
//    only windows not yet ended, so it is bounded by the configured windows.
//  - replace(windows): a hot reload; windows still present keep their alert memory, so
//    reloading does not alert twice.
//  - to_json(now): [{"venue", "start", "end", "state"}] of the windows not yet ended,
//    by (start, venue); times ISO-8601 UTC with milliseconds.
//
// Pure values: not synchronised, the engine thread owns them; time comes in from the
// caller (the engine Clock). Uses nlohmann::json and clock.hpp's formatting.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"

namespace propbot::risk {

double measured_skew_ms(MonoTime sent, MonoTime answered, UtcTime local_at_sent, UtcTime server_time);

class ClockSkewTable {
 public:
  struct Measurement {
    double skew_ms = 0;
    UtcTime at{};
  };

  explicit ClockSkewTable(const std::vector<std::string>& venues);

  // False (and nothing recorded) for a venue not configured or a non-finite skew.
  bool record(std::string_view venue, double skew_ms, UtcTime at);
  std::optional<double> skew_ms(std::string_view venue) const;
  std::optional<Measurement> last(std::string_view venue) const;
  double worst_abs_ms() const;
  std::vector<std::string> exceeds(double limit_ms) const;
  nlohmann::json to_json() const;

 private:
  std::map<std::string, std::optional<Measurement>, std::less<>> venues_;
};

struct Window {
  std::string venue;
  UtcTime start{};
  UtcTime end{};
  friend bool operator==(const Window&, const Window&) = default;
};

enum class MaintenanceState { none, upcoming, active };
constexpr std::string_view to_string(MaintenanceState state) {
  switch (state) {
    case MaintenanceState::none: return "none";
    case MaintenanceState::upcoming: return "upcoming";
    case MaintenanceState::active: return "active";
  }
  return "none";
}

class MaintenanceCalendar {
 public:
  MaintenanceCalendar(std::vector<Window> windows, Nanos lead);

  MaintenanceState state(std::string_view venue, UtcTime now) const;
  std::optional<std::string> blocked(std::string_view venue, UtcTime now) const;
  std::vector<Window> newly_upcoming(UtcTime now);
  void replace(std::vector<Window> windows);
  nlohmann::json to_json(UtcTime now) const;

  const std::vector<Window>& windows() const { return windows_; }
  Nanos lead() const { return lead_; }

 private:
  MaintenanceState state_of(const Window& window, UtcTime now) const;

  std::vector<Window> windows_;  // valid ones only, sorted by (start, venue, end)
  Nanos lead_;
  std::vector<Window> announced_;  // returned by newly_upcoming and not ended yet
};

}  // namespace propbot::risk
