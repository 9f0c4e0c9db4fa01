#include "core/risk/venue_guards.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <tuple>
#include <utility>

namespace propbot::risk {

namespace {

double to_ms(Nanos duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

// Whole minutes, rounded up: 30 s → 1 min, exactly 12 min → 12 min.
std::int64_t minutes_up(Nanos duration) {
  return std::chrono::ceil<std::chrono::minutes>(duration).count();
}

// "BINANCE maintenance <start>..<end>"
std::string describe(const Window& window) {
  return window.venue + " maintenance " + format_iso8601_ms(window.start) + ".." + format_iso8601_ms(window.end);
}

bool earlier(const Window& a, const Window& b) {
  return std::tie(a.start, a.venue, a.end) < std::tie(b.start, b.venue, b.end);
}

}  // namespace

double measured_skew_ms(MonoTime sent, MonoTime answered, UtcTime local_at_sent, UtcTime server_time) {
  const Nanos round_trip = std::max(Nanos{0}, answered - sent);
  const UtcTime local_midpoint = local_at_sent + round_trip / 2;
  return to_ms(server_time - local_midpoint);
}

// ---------------------------------------------------------------------------------
// ClockSkewTable

ClockSkewTable::ClockSkewTable(const std::vector<std::string>& venues) {
  for (const auto& venue : venues) venues_.emplace(venue, std::nullopt);
}

bool ClockSkewTable::record(std::string_view venue, double skew_ms, UtcTime at) {
  const auto it = venues_.find(venue);
  if (it == venues_.end() || !std::isfinite(skew_ms)) return false;
  it->second = Measurement{skew_ms, at};
  return true;
}

std::optional<ClockSkewTable::Measurement> ClockSkewTable::last(std::string_view venue) const {
  const auto it = venues_.find(venue);
  if (it == venues_.end()) return std::nullopt;
  return it->second;
}

std::optional<double> ClockSkewTable::skew_ms(std::string_view venue) const {
  const auto measurement = last(venue);
  if (!measurement) return std::nullopt;
  return measurement->skew_ms;
}

double ClockSkewTable::worst_abs_ms() const {
  double worst = 0;
  for (const auto& [venue, measurement] : venues_) {
    if (measurement) worst = std::max(worst, std::abs(measurement->skew_ms));
  }
  return worst;
}

std::vector<std::string> ClockSkewTable::exceeds(double limit_ms) const {
  std::vector<std::string> over;
  if (!(limit_ms > 0)) return over;
  for (const auto& [venue, measurement] : venues_) {
    if (measurement && std::abs(measurement->skew_ms) > limit_ms) over.push_back(venue);
  }
  return over;
}

nlohmann::json ClockSkewTable::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [venue, measurement] : venues_) {
    if (measurement) out[venue] = std::round(measurement->skew_ms * 10) / 10;
  }
  return out;
}

// ---------------------------------------------------------------------------------
// MaintenanceCalendar

MaintenanceCalendar::MaintenanceCalendar(std::vector<Window> windows, Nanos lead) : lead_(std::max(Nanos{0}, lead)) {
  replace(std::move(windows));
}

void MaintenanceCalendar::replace(std::vector<Window> windows) {
  std::erase_if(windows, [](const Window& window) { return window.end <= window.start; });
  std::sort(windows.begin(), windows.end(), earlier);
  windows_ = std::move(windows);
  // Keep the alert memory only for windows still configured.
  std::erase_if(announced_, [&](const Window& window) {
    return std::find(windows_.begin(), windows_.end(), window) == windows_.end();
  });
}

MaintenanceState MaintenanceCalendar::state_of(const Window& window, UtcTime now) const {
  if (window.start <= now && now < window.end) return MaintenanceState::active;
  if (lead_ > Nanos{0} && window.start - lead_ <= now && now < window.start) return MaintenanceState::upcoming;
  return MaintenanceState::none;
}

MaintenanceState MaintenanceCalendar::state(std::string_view venue, UtcTime now) const {
  MaintenanceState result = MaintenanceState::none;
  for (const auto& window : windows_) {
    if (window.venue != venue) continue;
    const MaintenanceState state = state_of(window, now);
    if (state == MaintenanceState::active) return state;
    if (state == MaintenanceState::upcoming) result = state;
  }
  return result;
}

std::optional<std::string> MaintenanceCalendar::blocked(std::string_view venue, UtcTime now) const {
  const Window* upcoming = nullptr;  // windows_ is sorted by start: the first is the earliest
  for (const auto& window : windows_) {
    if (window.venue != venue) continue;
    const MaintenanceState state = state_of(window, now);
    if (state == MaintenanceState::active) {
      return describe(window) + " active, ends in " + std::to_string(minutes_up(window.end - now)) + " min";
    }
    if (state == MaintenanceState::upcoming && upcoming == nullptr) upcoming = &window;
  }
  if (upcoming == nullptr) return std::nullopt;
  return describe(*upcoming) + " starts in " + std::to_string(minutes_up(upcoming->start - now)) + " min";
}

std::vector<Window> MaintenanceCalendar::newly_upcoming(UtcTime now) {
  std::erase_if(announced_, [&](const Window& window) { return window.end <= now; });
  std::vector<Window> fresh;
  for (const auto& window : windows_) {
    if (state_of(window, now) == MaintenanceState::none) continue;
    if (std::find(announced_.begin(), announced_.end(), window) != announced_.end()) continue;
    announced_.push_back(window);
    fresh.push_back(window);
  }
  return fresh;
}

nlohmann::json MaintenanceCalendar::to_json(UtcTime now) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& window : windows_) {
    if (window.end <= now) continue;
    out.push_back({{"venue", window.venue},
                   {"start", format_iso8601_ms(window.start)},
                   {"end", format_iso8601_ms(window.end)},
                   {"state", to_string(state_of(window, now))}});
  }
  return out;
}

}  // namespace propbot::risk
