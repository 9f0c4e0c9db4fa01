#include "core/exec/venue_stats.hpp"

#include "core/exec/rolling_percentile.hpp"

#include <algorithm>
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
    auto nth = latencies.begin() + static_cast<std::ptrdiff_t>(nearest_rank_index(latencies.size(), 95));
    std::nth_element(latencies.begin(), nth, latencies.end());
    view.latency_p95_ms = *nth;
  }
  return view;
}

}  // namespace propbot::exec
