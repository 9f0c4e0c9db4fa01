#include "core/common/clock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace propbot {

std::string format_iso8601_ms(UtcTime t) {
  using namespace std::chrono;
  // floor, not truncation: instants before 1970 must still land on the right second.
  const auto since_epoch_ms = floor<milliseconds>(t.time_since_epoch());
  const auto day = floor<days>(since_epoch_ms);
  const year_month_day date{sys_days{day}};
  const hh_mm_ss<milliseconds> time_of_day{since_epoch_ms - day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time_of_day.hours().count()), static_cast<int>(time_of_day.minutes().count()),
                static_cast<int>(time_of_day.seconds().count()), static_cast<int>(time_of_day.subseconds().count()));
  return buffer;
}

std::int64_t to_unix_ms(UtcTime t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::optional<UtcTime> parse_iso8601_utc(std::string_view text) {
  using namespace std::chrono;
  auto digits = [&](std::size_t at, std::size_t count) -> std::optional<int> {
    if (at + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  const auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
             sec = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !sec || *h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
  std::int64_t fraction_ns = 0;
  std::size_t at = 19;
  if (text[at] == '.') {
    const std::size_t count = text.size() - 1 - (at + 1);
    if (count < 1 || count > 9) return std::nullopt;
    const auto fraction = digits(at + 1, count);
    if (!fraction) return std::nullopt;
    fraction_ns = *fraction;
    for (std::size_t i = count; i < 9; ++i) fraction_ns *= 10;
    at += 1 + count;
  }
  if (at != text.size() - 1) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  return UtcTime{sys_days{date}.time_since_epoch() + hours{*h} + minutes{*mi} + seconds{*sec} + Nanos{fraction_ns}};
}

// ---------------------------------------------------------------------------------
// RealClock

// Timer state is shared with the completion handlers through a weak_ptr: a handler
// that runs after the clock is gone (asio delivers aborted waits later) finds nothing
// and returns instead of touching freed memory.
struct TimerTable {
  explicit TimerTable(boost::asio::io_context* context) : io(context) {}

  boost::asio::io_context* io;
  std::mutex mutex;
  Clock::TimerId next_id = 1;
  std::unordered_map<Clock::TimerId, std::unique_ptr<boost::asio::steady_timer>> timers;
};

struct RealClock::Timers {
  std::shared_ptr<TimerTable> table;
};

RealClock::RealClock() : timers_(std::make_unique<Timers>(Timers{std::make_shared<TimerTable>(nullptr)})) {}

RealClock::RealClock(boost::asio::io_context& timers)
    : timers_(std::make_unique<Timers>(Timers{std::make_shared<TimerTable>(&timers)})) {}

RealClock::~RealClock() {
  // Destroying the steady_timers cancels their waits; the handlers then see the
  // table expired and do nothing.
  std::lock_guard lock(timers_->table->mutex);
  timers_->table->timers.clear();
}

MonoTime RealClock::now() const { return std::chrono::time_point_cast<Nanos>(std::chrono::steady_clock::now()); }

UtcTime RealClock::utc() const { return std::chrono::time_point_cast<Nanos>(std::chrono::system_clock::now()); }

Clock::TimerId RealClock::call_at(MonoTime deadline, Callback fn) {
  const std::shared_ptr<TimerTable>& table = timers_->table;
  if (table->io == nullptr) {
    throw std::logic_error("RealClock::call_at: this clock was built without an io_context and cannot run timers");
  }
  std::lock_guard lock(table->mutex);
  const TimerId id = table->next_id++;
  auto timer = std::make_unique<boost::asio::steady_timer>(*table->io);
  timer->expires_at(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(deadline));
  timer->async_wait([weak = std::weak_ptr<TimerTable>(table), id, fn = std::move(fn)](boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted) {
      return;
    }
    const std::shared_ptr<TimerTable> live = weak.lock();
    if (!live) {
      return;
    }
    {
      std::lock_guard handler_lock(live->mutex);
      // A cancel() that raced with expiry already removed the entry: it returned true,
      // so the callback must not run.
      if (live->timers.erase(id) == 0) {
        return;
      }
    }
    fn();
  });
  table->timers.emplace(id, std::move(timer));
  return id;
}

bool RealClock::cancel(TimerId id) {
  const std::shared_ptr<TimerTable>& table = timers_->table;
  std::lock_guard lock(table->mutex);
  return table->timers.erase(id) > 0;
}

// ---------------------------------------------------------------------------------
// SimClock

namespace {
// An origin far from zero so that differences and "deadline - 1h" never underflow.
constexpr MonoTime kSimMonoOrigin{std::chrono::hours{24 * 365}};
}  // namespace

SimClock::SimClock(UtcTime start_utc) : now_(kSimMonoOrigin), utc_origin_(start_utc), mono_origin_(kSimMonoOrigin) {}

MonoTime SimClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

UtcTime SimClock::utc() const {
  std::lock_guard lock(mutex_);
  return utc_origin_ + (now_ - mono_origin_);
}

Clock::TimerId SimClock::call_at(MonoTime deadline, Callback fn) {
  std::lock_guard lock(mutex_);
  const TimerId id = next_id_++;
  timers_.emplace(std::make_pair(deadline, id), std::move(fn));
  deadlines_.emplace(id, deadline);
  return id;
}

bool SimClock::cancel(TimerId id) {
  std::lock_guard lock(mutex_);
  const auto found = deadlines_.find(id);
  if (found == deadlines_.end()) {
    return false;
  }
  timers_.erase(std::make_pair(found->second, id));
  deadlines_.erase(found);
  return true;
}

void SimClock::advance(Nanos delta) {
  MonoTime target;
  {
    std::lock_guard lock(mutex_);
    target = now_ + delta;
  }
  advance_to(target);
}

void SimClock::advance_to(MonoTime target) {
  std::unique_lock lock(mutex_);
  while (!timers_.empty() && timers_.begin()->first.first <= target) {
    const auto next = timers_.begin();
    const MonoTime deadline = next->first.first;
    Callback fn = std::move(next->second);
    deadlines_.erase(next->first.second);
    timers_.erase(next);
    // An overdue timer (deadline already passed) runs at the current time: time
    // never moves backwards.
    if (deadline > now_) {
      now_ = deadline;
    }
    // The callback may call back into the clock (now, call_at, cancel, advance).
    lock.unlock();
    fn();
    lock.lock();
  }
  if (target > now_) {
    now_ = target;
  }
}

std::size_t SimClock::pending_timers() const {
  std::lock_guard lock(mutex_);
  return timers_.size();
}

}  // namespace propbot
