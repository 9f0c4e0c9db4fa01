#include "core/exec/rolling_percentile.hpp"

#include <algorithm>

namespace propbot::exec {

void RollingPercentile::add(double value) {
  arrival_.push_back(value);
  sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), value), value);
  while (arrival_.size() > capacity_) {
    sorted_.erase(std::lower_bound(sorted_.begin(), sorted_.end(), arrival_.front()));
    arrival_.pop_front();
  }
}

std::optional<double> RollingPercentile::percentile(std::size_t percent) const {
  if (sorted_.empty()) return std::nullopt;
  return sorted_[nearest_rank_index(sorted_.size(), percent)];
}

}  // namespace propbot::exec
