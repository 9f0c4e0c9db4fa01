#include "scripting/regime_features.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace propbot::scripting {

FeatureTracker::FeatureTracker(FeatureTrackerConfig config) : config_(config) {
  if (config_.capacity < 2) throw std::invalid_argument("FeatureTracker: capacity must be at least 2");
  if (config_.window <= Nanos::zero()) throw std::invalid_argument("FeatureTracker: window must be positive");
}

FeatureTracker::SeriesId FeatureTracker::series(std::string_view venue, std::string_view symbol) {
  const auto key = std::pair<std::string, std::string>(venue, symbol);
  const auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  const SeriesId id = series_.size();
  Series s;
  s.ring.resize(config_.capacity);
  series_.push_back(std::move(s));
  index_.emplace(key, id);
  return id;
}

void FeatureTracker::record(SeriesId id, MonoTime at, double mid, double spread_bps, double depth_usdt) {
  Series& s = series_[id];
  const std::size_t cap = s.ring.size();
  const Sample* last = s.count > 0 ? &s.ring[(s.next + cap - 1) % cap] : nullptr;
  if (!(mid > 0) || !std::isfinite(mid) || !std::isfinite(spread_bps) || !std::isfinite(depth_usdt) ||
      (last != nullptr && at < last->at)) {
    ++rejected_;
    return;
  }
  Sample& slot = s.ring[s.next];
  // The slot's old sample leaves the ring: it leaves the running window with it.
  if (s.window.count == cap) {
    s.window.add(slot, -1);
    ++s.updates;
  }
  slot.log_return_bps = last != nullptr ? std::log(mid / last->mid) * 1e4 : 0.0;
  slot.at = at;
  slot.mid = mid;
  slot.spread_bps = spread_bps;
  slot.depth_usdt = depth_usdt;
  s.next = (s.next + 1) % cap;
  if (s.count < cap) ++s.count;
  s.window.add(slot, +1);
  ++s.updates;
}

void FeatureTracker::set_funding(SeriesId id, double funding_rate, double basis_bps) {
  series_[id].funding_rate = funding_rate;
  series_[id].basis_bps = basis_bps;
}

void FeatureTracker::WindowSums::add(const Sample& sample, double sign) {
  sum_sq_returns += sign * sample.log_return_bps * sample.log_return_bps;
  spread_sum += sign * sample.spread_bps;
  spread_sum_sq += sign * sample.spread_bps * sample.spread_bps;
  if (sign > 0) {
    ++count;
  } else {
    --count;
  }
}

void FeatureTracker::rebuild(Series& s) {
  WindowSums fresh;
  // Oldest first, as the sums were built.
  for (std::size_t i = s.window.count; i-- > 0;) fresh.add(s.newest(i), +1);
  s.window = fresh;
  s.updates = 0;
}

bool FeatureTracker::features(SeriesId id, MonoTime now, RegimeFeatures& out) {
  Series& s = series_[id];
  if (s.count == 0) return false;
  // The sums only move forward: a read back in time, or one that would have to leave
  // out observations recorded after `now`, takes the walk.
  if (now < s.window_now || s.newest(0).at > now) return walk(s, now, out);
  s.window_now = now;
  const MonoTime oldest_allowed = now - config_.window;
  while (s.window.count > 0 && s.newest(s.window.count - 1).at <= oldest_allowed) {
    s.window.add(s.newest(s.window.count - 1), -1);
    ++s.updates;
  }
  if (s.updates >= 2 * s.ring.size()) rebuild(s);
  const std::size_t n = s.window.count;
  if (n == 0) return false;
  const Sample& newest = s.newest(0);
  const Sample& oldest = s.newest(n - 1);
  // The oldest in-window sample's return points outside the window: not counted. A
  // lone sample has neither a return nor a spread deviation: exactly 0, not what is
  // left of the sums' rounding.
  const double sum_sq_returns =
      n == 1 ? 0.0 : s.window.sum_sq_returns - oldest.log_return_bps * oldest.log_return_bps;
  const double mean_spread = s.window.spread_sum / static_cast<double>(n);
  const double spread_var =
      n == 1 ? 0.0 : s.window.spread_sum_sq / static_cast<double>(n) - mean_spread * mean_spread;
  out.realised_vol_bps = std::sqrt(std::max(0.0, sum_sq_returns));
  out.spread_std_bps = std::sqrt(std::max(0.0, spread_var));
  out.depth_usdt = newest.depth_usdt;
  out.trend_bps = std::log(newest.mid / oldest.mid) * 1e4;
  out.funding_rate = s.funding_rate;
  out.basis_bps = s.basis_bps;
  return true;
}

bool FeatureTracker::walk(const Series& s, MonoTime now, RegimeFeatures& out) const {
  const std::size_t cap = s.ring.size();
  const MonoTime oldest_allowed = now - config_.window;
  // Walk newest → oldest while inside the window.
  std::size_t n = 0;
  double sum_sq_returns = 0;
  double spread_sum = 0;
  double spread_sum_sq = 0;
  const Sample* newest = nullptr;
  const Sample* oldest = nullptr;
  for (std::size_t i = 0; i < s.count; ++i) {
    const Sample& sample = s.ring[(s.next + cap - 1 - i) % cap];
    if (sample.at > now) continue;  // recorded after `now`: not part of this reading
    if (sample.at <= oldest_allowed) break;
    if (newest == nullptr) newest = &sample;
    // The oldest in-window sample's return points outside the window: it is dropped
    // below, once we know which sample is the oldest.
    sum_sq_returns += sample.log_return_bps * sample.log_return_bps;
    spread_sum += sample.spread_bps;
    spread_sum_sq += sample.spread_bps * sample.spread_bps;
    oldest = &sample;
    ++n;
  }
  if (n == 0) return false;
  sum_sq_returns -= oldest->log_return_bps * oldest->log_return_bps;
  const double mean_spread = spread_sum / static_cast<double>(n);
  const double spread_var = spread_sum_sq / static_cast<double>(n) - mean_spread * mean_spread;
  out.realised_vol_bps = std::sqrt(std::max(0.0, sum_sq_returns));
  out.spread_std_bps = std::sqrt(std::max(0.0, spread_var));
  out.depth_usdt = newest->depth_usdt;
  out.trend_bps = std::log(newest->mid / oldest->mid) * 1e4;
  out.funding_rate = s.funding_rate;
  out.basis_bps = s.basis_bps;
  return true;
}

}  // namespace propbot::scripting
