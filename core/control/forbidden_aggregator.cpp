#include "core/control/forbidden_aggregator.hpp"

#include <algorithm>

namespace propbot::control {

ForbiddenAggregator::ForbiddenAggregator(ForbiddenAggregatorOptions options) : options_(options) {
  options_.max_keys = std::max<std::size_t>(options_.max_keys, 1);
  options_.max_paths_per_actor = std::max<std::size_t>(options_.max_paths_per_actor, 1);
}

void ForbiddenAggregator::add_summary(const Key& key, const Window& window, std::vector<ForbiddenSummary>& due) {
  if (window.repeated == 0) return;
  due.push_back(ForbiddenSummary{window.caller, std::get<1>(key), std::get<2>(key), window.repeated, window.first,
                                 window.last});
}

void ForbiddenAggregator::close(std::map<Key, Window>::iterator it, std::vector<ForbiddenSummary>& due) {
  add_summary(it->first, it->second, due);
  if (!it->second.overflow) {
    auto count = paths_per_actor_.find(std::get<0>(it->first));
    if (count != paths_per_actor_.end() && --count->second == 0) paths_per_actor_.erase(count);
  }
  windows_.erase(it);
}

bool ForbiddenAggregator::observe(const ForbiddenCaller& caller, std::string_view method, std::string_view path,
                                  MonoTime now, UtcTime utc, std::vector<ForbiddenSummary>& due) {
  for (auto it = windows_.begin(); it != windows_.end();) {
    auto next = std::next(it);
    if (now - it->second.opened >= options_.window) close(it, due);
    it = next;
  }

  Key key{caller.name, std::string(method), std::string(path)};
  bool overflow = false;
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    auto paths = paths_per_actor_.find(caller.name);
    if (paths != paths_per_actor_.end() && paths->second >= options_.max_paths_per_actor) {
      overflow = true;
      key = Key{caller.name, "*", "*"};
      it = windows_.find(key);
    }
  }
  if (it != windows_.end()) {
    Window& window = it->second;
    if (window.repeated == 0) window.first = utc;
    window.last = utc;
    window.caller = caller;
    ++window.repeated;
    return false;
  }

  if (windows_.size() >= options_.max_keys) {
    auto oldest = std::min_element(windows_.begin(), windows_.end(),
                                   [](const auto& a, const auto& b) { return a.second.opened < b.second.opened; });
    close(oldest, due);
  }
  Window window;
  window.opened = now;
  window.overflow = overflow;
  window.caller = caller;
  if (!overflow) ++paths_per_actor_[caller.name];
  windows_.emplace(std::move(key), std::move(window));
  return true;
}

std::vector<ForbiddenSummary> ForbiddenAggregator::take_counts(MonoTime now) {
  std::vector<ForbiddenSummary> due;
  for (auto it = windows_.begin(); it != windows_.end();) {
    auto next = std::next(it);
    if (now - it->second.opened >= options_.window) {
      close(it, due);
    } else {
      add_summary(it->first, it->second, due);
      it->second.repeated = 0;
    }
    it = next;
  }
  return due;
}

}  // namespace propbot::control
