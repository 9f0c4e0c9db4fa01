#include "core/common/lockout_table.hpp"

#include <stdexcept>

namespace propbot {

LockoutTable::LockoutTable(LockoutOptions options, std::string_view what) : options_(options) {
  const std::string prefix = std::string(what) + ": ";
  if (options_.max_failures < 1) throw std::invalid_argument(prefix + "max_failures must be at least 1");
  if (options_.window <= Nanos::zero()) throw std::invalid_argument(prefix + "failure_window must be > 0");
  if (options_.lockout <= Nanos::zero()) throw std::invalid_argument(prefix + "lockout must be > 0");
  if (options_.max_keys == 0) throw std::invalid_argument(prefix + "the table bound must be > 0");
}

std::optional<MonoTime> LockoutTable::locked_until(std::string_view key, MonoTime now) const {
  auto it = keys_.find(key);
  if (it == keys_.end() || !it->second.locked_until || now >= *it->second.locked_until) return std::nullopt;
  return it->second.locked_until;
}

std::optional<int> LockoutTable::record_failure(std::string_view key, MonoTime now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    if (keys_.size() >= options_.max_keys) make_room(now);
    it = keys_.emplace(std::string(key), Entry{}).first;
  }
  Entry& entry = it->second;
  if (entry.locked_until) {
    if (now < *entry.locked_until) return std::nullopt;
    entry = Entry{};  // the lockout is over: a clean count
  }
  const MonoTime window_start = now - options_.window;
  while (!entry.failures.empty() && entry.failures.front() <= window_start) entry.failures.pop_front();
  entry.failures.push_back(now);
  entry.last_failure = now;
  const int failures = static_cast<int>(entry.failures.size());
  if (failures < options_.max_failures) return std::nullopt;
  entry.locked_until = now + options_.lockout;
  entry.failures.clear();
  return failures;
}

void LockoutTable::make_room(MonoTime now) {
  const MonoTime window_start = now - options_.window;
  std::erase_if(keys_, [&](const auto& item) {
    const Entry& entry = item.second;
    if (entry.locked_until) return *entry.locked_until <= now;
    return entry.last_failure <= window_start;
  });
  if (keys_.size() < options_.max_keys) return;
  // Still full: the unlocked key that failed least recently, else the lockout that ends soonest.
  auto victim = keys_.end();
  for (auto it = keys_.begin(); it != keys_.end(); ++it) {
    if (victim == keys_.end()) {
      victim = it;
      continue;
    }
    const Entry& a = it->second;
    const Entry& b = victim->second;
    const bool a_locked = a.locked_until.has_value();
    const bool b_locked = b.locked_until.has_value();
    const bool better = a_locked != b_locked ? !a_locked
                                             : (a_locked ? *a.locked_until < *b.locked_until
                                                         : a.last_failure < b.last_failure);
    if (better) victim = it;
  }
  if (victim != keys_.end()) keys_.erase(victim);
}

}  // namespace propbot
