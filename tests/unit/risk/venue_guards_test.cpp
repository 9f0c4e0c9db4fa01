// Venue guards with hand-chosen times: the skew midpoint arithmetic, the skew table's
// limit (at vs just over, off at 0, unknown venues refused), and the maintenance
// calendar's phase edges (start − lead, one ms before, end), its reason text, the
// once-only alert across calls and reloads, and the JSON shapes.
#include "core/risk/venue_guards.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>

namespace propbot::risk {
namespace {

using namespace std::chrono_literals;

// 2026-12-08T02:00:00Z
const UtcTime kStart{std::chrono::sys_days{std::chrono::year{2026} / 12 / 8}.time_since_epoch() + 2h};
const UtcTime kEnd = kStart + 1h;
constexpr Nanos kLead = 15min;

// ---------------------------------------------------------------------------------
// measured_skew_ms

TEST(MeasuredSkew, ServerMinusLocalAtTheMidpointOfTheRoundTrip) {
  const MonoTime sent{10s};
  const UtcTime local = kStart;
  // Answered 200 ms later; the server stamped 3100 ms after our send → midpoint is
  // local + 100 ms, so the venue is 3000 ms ahead.
  EXPECT_DOUBLE_EQ(measured_skew_ms(sent, sent + 200ms, local, local + 3100ms), 3000.0);
  // Behind: the server reads 400 ms before our send.
  EXPECT_DOUBLE_EQ(measured_skew_ms(sent, sent + 200ms, local, local - 400ms), -500.0);
  // No round trip: the plain difference, sub-millisecond kept.
  EXPECT_DOUBLE_EQ(measured_skew_ms(sent, sent, local, local + 1500us), 1.5);
  // An odd round trip in ns halves exactly enough for ms precision.
  EXPECT_DOUBLE_EQ(measured_skew_ms(sent, sent + 3ms, local, local + 1500us), 0.0);
}

TEST(MeasuredSkew, ANegativeRoundTripCountsAsZero) {
  const MonoTime sent{10s};
  EXPECT_DOUBLE_EQ(measured_skew_ms(sent, sent - 1s, kStart, kStart + 250ms), 250.0);
}

// ---------------------------------------------------------------------------------
// ClockSkewTable

TEST(ClockSkewTable, KeepsTheLatestMeasurementPerConfiguredVenue) {
  ClockSkewTable table({"BINANCE", "OKX"});
  EXPECT_FALSE(table.skew_ms("BINANCE"));
  EXPECT_DOUBLE_EQ(table.worst_abs_ms(), 0.0);
  EXPECT_TRUE(table.record("BINANCE", 120.0, kStart));
  EXPECT_TRUE(table.record("BINANCE", -80.0, kStart + 10s));
  ASSERT_TRUE(table.skew_ms("BINANCE"));
  EXPECT_DOUBLE_EQ(*table.skew_ms("BINANCE"), -80.0);
  ASSERT_TRUE(table.last("BINANCE"));
  EXPECT_EQ(table.last("BINANCE")->at, kStart + 10s);
  EXPECT_FALSE(table.skew_ms("OKX"));
}

TEST(ClockSkewTable, RefusesUnknownVenuesAndNonFiniteSkews) {
  ClockSkewTable table({"BINANCE"});
  EXPECT_FALSE(table.record("BYBIT", 10.0, kStart));
  EXPECT_FALSE(table.skew_ms("BYBIT"));
  EXPECT_FALSE(table.record("BINANCE", std::numeric_limits<double>::quiet_NaN(), kStart));
  EXPECT_FALSE(table.record("BINANCE", std::numeric_limits<double>::infinity(), kStart));
  EXPECT_FALSE(table.skew_ms("BINANCE"));
  EXPECT_EQ(table.to_json(), nlohmann::json::object());
}

TEST(ClockSkewTable, WorstIsTheLargestAbsoluteSkew) {
  ClockSkewTable table({"BINANCE", "OKX"});
  table.record("BINANCE", 300.0, kStart);
  table.record("OKX", -700.0, kStart);
  EXPECT_DOUBLE_EQ(table.worst_abs_ms(), 700.0);
}

TEST(ClockSkewTable, ExceedsIsStrictlyOverTheLimitAndOffAtZero) {
  ClockSkewTable table({"BINANCE", "OKX"});
  table.record("BINANCE", 1000.0, kStart);  // at the limit: fine
  table.record("OKX", -1000.1, kStart);     // just over, behind
  EXPECT_EQ(table.exceeds(1000.0), std::vector<std::string>{"OKX"});
  EXPECT_EQ(table.exceeds(999.9), (std::vector<std::string>{"BINANCE", "OKX"}));
  EXPECT_TRUE(table.exceeds(1000.1).empty());
  EXPECT_TRUE(table.exceeds(0).empty());
  EXPECT_TRUE(table.exceeds(-5).empty());
}

TEST(ClockSkewTable, JsonRoundsToOneDecimalAndOmitsUnmeasuredVenues) {
  ClockSkewTable table({"BINANCE", "OKX", "SIM-A"});
  table.record("BINANCE", 3000.04, kStart);
  table.record("OKX", -12.36, kStart);
  const nlohmann::json expected = {{"BINANCE", 3000.0}, {"OKX", -12.4}};
  EXPECT_EQ(table.to_json(), expected);
}

// ---------------------------------------------------------------------------------
// MaintenanceCalendar

TEST(MaintenanceCalendar, PhasesAtTheirEdges) {
  const MaintenanceCalendar calendar({{"BINANCE", kStart, kEnd}}, kLead);
  EXPECT_EQ(calendar.state("BINANCE", kStart - kLead - 1ms), MaintenanceState::none);
  EXPECT_EQ(calendar.state("BINANCE", kStart - kLead), MaintenanceState::upcoming);
  EXPECT_EQ(calendar.state("BINANCE", kStart - 1ns), MaintenanceState::upcoming);
  EXPECT_EQ(calendar.state("BINANCE", kStart), MaintenanceState::active);
  EXPECT_EQ(calendar.state("BINANCE", kEnd - 1ms), MaintenanceState::active);
  EXPECT_EQ(calendar.state("BINANCE", kEnd), MaintenanceState::none);
  EXPECT_EQ(calendar.state("OKX", kStart), MaintenanceState::none);
}

TEST(MaintenanceCalendar, StatesHaveStableNames) {
  EXPECT_EQ(to_string(MaintenanceState::none), "none");
  EXPECT_EQ(to_string(MaintenanceState::upcoming), "upcoming");
  EXPECT_EQ(to_string(MaintenanceState::active), "active");
}

TEST(MaintenanceCalendar, ZeroLeadHasNoUpcomingPhaseAndInvalidWindowsAreIgnored) {
  const MaintenanceCalendar calendar({{"BINANCE", kStart, kEnd}, {"OKX", kEnd, kStart}, {"OKX", kStart, kStart}},
                                     Nanos{0});
  EXPECT_EQ(calendar.state("BINANCE", kStart - 1ms), MaintenanceState::none);
  EXPECT_EQ(calendar.state("BINANCE", kStart), MaintenanceState::active);
  EXPECT_EQ(calendar.state("OKX", kStart), MaintenanceState::none);
  EXPECT_EQ(calendar.windows().size(), 1u);
}

TEST(MaintenanceCalendar, BlockedNamesTheWindowAndTheMinutesLeft) {
  const MaintenanceCalendar calendar({{"BINANCE", kStart, kEnd}}, kLead);
  EXPECT_FALSE(calendar.blocked("BINANCE", kStart - kLead - 1ms));
  EXPECT_EQ(calendar.blocked("BINANCE", kStart - 12min),
            "BINANCE maintenance 2026-12-08T02:00:00.000Z..2026-12-08T03:00:00.000Z starts in 12 min");
  EXPECT_EQ(calendar.blocked("BINANCE", kStart - 30s),
            "BINANCE maintenance 2026-12-08T02:00:00.000Z..2026-12-08T03:00:00.000Z starts in 1 min");
  EXPECT_EQ(calendar.blocked("BINANCE", kStart + 20min),
            "BINANCE maintenance 2026-12-08T02:00:00.000Z..2026-12-08T03:00:00.000Z active, ends in 40 min");
  EXPECT_FALSE(calendar.blocked("BINANCE", kEnd));
  EXPECT_FALSE(calendar.blocked("OKX", kStart));
}

TEST(MaintenanceCalendar, AnActiveWindowWinsOverAnUpcomingOne) {
  // The second window starts 10 min after the first ends: during the first's last 5
  // minutes both are "on".
  const Window first{"OKX", kStart, kEnd};
  const Window second{"OKX", kEnd + 10min, kEnd + 20min};
  const MaintenanceCalendar calendar({second, first}, kLead);
  EXPECT_EQ(calendar.state("OKX", kEnd - 1min), MaintenanceState::active);
  const auto reason = calendar.blocked("OKX", kEnd - 1min);
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("active, ends in 1 min"), std::string::npos) << *reason;
  // Between the two: the second is upcoming.
  EXPECT_EQ(calendar.state("OKX", kEnd + 1min), MaintenanceState::upcoming);
}

TEST(MaintenanceCalendar, NewlyUpcomingFiresOncePerWindow) {
  const Window binance{"BINANCE", kStart, kEnd};
  const Window okx{"OKX", kStart + 20min, kEnd};  // its lead begins at kStart + 5 min
  MaintenanceCalendar calendar({binance, okx}, kLead);
  EXPECT_TRUE(calendar.newly_upcoming(kStart - kLead - 1ms).empty());
  EXPECT_EQ(calendar.newly_upcoming(kStart - kLead), std::vector<Window>{binance});
  EXPECT_TRUE(calendar.newly_upcoming(kStart - kLead + 1s).empty());
  EXPECT_TRUE(calendar.newly_upcoming(kStart).empty());  // becoming active is not a second alert
  EXPECT_TRUE(calendar.newly_upcoming(kStart + 5min - 1ms).empty());
  EXPECT_EQ(calendar.newly_upcoming(kStart + 5min), std::vector<Window>{okx});
  EXPECT_TRUE(calendar.newly_upcoming(kStart + 30min).empty());
  EXPECT_TRUE(calendar.newly_upcoming(kEnd).empty());
  EXPECT_TRUE(calendar.newly_upcoming(kEnd + 1h).empty());
}

TEST(MaintenanceCalendar, AWindowFirstSeenActiveFiresAndOneFirstSeenOverNever) {
  const Window early{"BINANCE", kStart, kStart + 5min};
  const Window late{"OKX", kStart, kEnd};
  MaintenanceCalendar calendar({early, late}, kLead);
  // The first call comes after `early` ended, while `late` is active.
  EXPECT_EQ(calendar.newly_upcoming(kStart + 10min), std::vector<Window>{late});
}

TEST(MaintenanceCalendar, AReloadKeepsTheAlertMemoryOfWindowsStillConfigured) {
  const Window kept{"BINANCE", kStart, kEnd};
  const Window added{"OKX", kStart, kEnd};
  MaintenanceCalendar calendar({kept}, kLead);
  EXPECT_EQ(calendar.newly_upcoming(kStart - 5min), std::vector<Window>{kept});
  calendar.replace({kept, added});
  EXPECT_EQ(calendar.newly_upcoming(kStart - 4min), std::vector<Window>{added});
  // A window removed and configured again is a new window: it alerts again.
  calendar.replace({added});
  calendar.replace({added, kept});
  EXPECT_EQ(calendar.newly_upcoming(kStart - 3min), std::vector<Window>{kept});
}

TEST(MaintenanceCalendar, JsonListsWindowsNotEndedWithTheirState) {
  const Window now_on{"OKX", kStart - 10min, kStart + 10min};
  const Window soon{"BINANCE", kStart + 5min, kEnd};
  const Window later{"BINANCE", kStart + 2h, kStart + 3h};
  const Window over{"BINANCE", kStart - 2h, kStart - 1h};
  const MaintenanceCalendar calendar({later, soon, over, now_on}, kLead);
  const nlohmann::json expected = nlohmann::json::array({
      {{"venue", "OKX"}, {"start", "2026-12-08T01:50:00.000Z"}, {"end", "2026-12-08T02:10:00.000Z"}, {"state", "active"}},
      {{"venue", "BINANCE"}, {"start", "2026-12-08T02:05:00.000Z"}, {"end", "2026-12-08T03:00:00.000Z"}, {"state", "upcoming"}},
      {{"venue", "BINANCE"}, {"start", "2026-12-08T04:00:00.000Z"}, {"end", "2026-12-08T05:00:00.000Z"}, {"state", "none"}},
  });
  EXPECT_EQ(calendar.to_json(kStart), expected);
}

}  // namespace
}  // namespace propbot::risk
