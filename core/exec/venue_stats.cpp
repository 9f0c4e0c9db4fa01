#include "core/exec/venue_stats.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace propbot::exec {

void VenueStats::record(std::string_view venue, OrderAnswer answer, std::optional<Nanos> latency, MonoTime now) {
  auto found = venues_.find(venue);
  if (found == venues_.end()) found = venues_.emplace(std::string(venue), std::deque<Outcome>{}).first;
  std::deque<Outcome>& outcomes = found->second;
  outcomes.push_back(Outcome{now, answer, answer == OrderAnswer::failed ? std::nullopt : latency});
  while (outcomes.size() > capacity_) outcomes.pop_front();
  while (!outcomes.empty() && now - outcomes.front().at > window_) outcomes.pop_front();
}

VenueHealthView VenueStats::health(std::string_view venue, MonoTime now) const {
  VenueHealthView view;
  view.venue = std::string(venue);
  auto found = venues_.find(venue);
  if (found == venues_.end()) return view;
  std::size_t bad = 0;
  std::vector<double> latencies;
  for (const Outcome& outcome : found->second) {
    if (now - outcome.at > window_) continue;
    ++view.samples;
    if (outcome.answer != OrderAnswer::accepted) ++bad;
    if (outcome.latency) latencies.push_back(std::chrono::duration<double, std::milli>(*outcome.latency).count());
  }
  if (view.samples > 0) view.reject_rate = static_cast<double>(bad) / static_cast<double>(view.samples);
  if (!latencies.empty()) {
    // Nearest rank: the smallest sample with at least 95 % of the samples at or below it.
    const auto rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(latencies.size())));
    auto nth = latencies.begin() + static_cast<std::ptrdiff_t>(std::max<std::size_t>(rank, 1) - 1);
    std::nth_element(latencies.begin(), nth, latencies.end());
    view.latency_p95_ms = *nth;
  }
  return view;
}

}  // namespace propbot::exec
