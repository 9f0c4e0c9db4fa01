// Clock: the only source of time for every component (SPEC S-2.5, ARCHITECTURE
// "Threads and time"). Two readings — monotonic for durations and deadlines, UTC for
// timestamps — and one-shot timers. RealClock reads the system clocks and runs its
// timers on an asio io_context (the engine's); SimClock is advanced explicitly by
// replay, backtests, scenarios and tests, firing due timers in deadline order so that
// the same inputs always give the same sequence of callbacks.
//
// Threads: now()/utc() are safe from any thread. call_at/cancel belong to the thread
// that runs the clock's timers (the engine thread for RealClock; the caller of
// advance() for SimClock).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace boost::asio {
class io_context;
}

namespace propbot {

using Nanos = std::chrono::nanoseconds;
using MonoTime = std::chrono::time_point<std::chrono::steady_clock, Nanos>;
using UtcTime = std::chrono::time_point<std::chrono::system_clock, Nanos>;

// ISO-8601 UTC with milliseconds: "2026-11-23T15:21:25.123Z".
std::string format_iso8601_ms(UtcTime t);
// Milliseconds since the Unix epoch.
std::int64_t to_unix_ms(UtcTime t);
// The reverse of format_iso8601_ms: "YYYY-MM-DDTHH:MM:SS[.fff]Z" (1 to 9 fraction
// digits, 'Z' required). nullopt for anything else or an impossible date/time.
std::optional<UtcTime> parse_iso8601_utc(std::string_view text);

class Clock {
 public:
  using TimerId = std::uint64_t;
  using Callback = std::function<void()>;

  virtual ~Clock() = default;
  virtual MonoTime now() const = 0;
  virtual UtcTime utc() const = 0;
  // Runs `fn` once at or after `deadline`. Returns an id for cancel().
  virtual TimerId call_at(MonoTime deadline, Callback fn) = 0;
  // Returns true when the timer was pending and is now cancelled.
  virtual bool cancel(TimerId id) = 0;

  TimerId call_after(Nanos delay, Callback fn) { return call_at(now() + delay, std::move(fn)); }
};

class RealClock final : public Clock {
 public:
  // Without an io_context the clock only tells time; call_at throws std::logic_error.
  RealClock();
  explicit RealClock(boost::asio::io_context& timers);
  ~RealClock() override;
  RealClock(const RealClock&) = delete;
  RealClock& operator=(const RealClock&) = delete;

  MonoTime now() const override;
  UtcTime utc() const override;
  TimerId call_at(MonoTime deadline, Callback fn) override;
  bool cancel(TimerId id) override;

 private:
  struct Timers;
  std::unique_ptr<Timers> timers_;
};

class SimClock final : public Clock {
 public:
  // Starts at the given UTC instant; the monotonic reading starts at an arbitrary origin.
  explicit SimClock(UtcTime start_utc = UtcTime{std::chrono::seconds{1'700'000'000}});

  MonoTime now() const override;
  UtcTime utc() const override;
  TimerId call_at(MonoTime deadline, Callback fn) override;
  bool cancel(TimerId id) override;

  // Moves time forward, firing every timer due on the way in (deadline, creation) order,
  // with now() equal to each timer's deadline while it runs. Timers scheduled by a
  // callback for a deadline inside the window fire in the same call. A timer whose
  // deadline is already past fires at the current time (advance(0) flushes them); a
  // target earlier than now() leaves time where it is. Callbacks run without the
  // clock's lock held, so they may call any method of the clock.
  void advance(Nanos delta);
  void advance_to(MonoTime target);
  std::size_t pending_timers() const;

 private:
  mutable std::mutex mutex_;
  MonoTime now_;
  UtcTime utc_origin_;
  MonoTime mono_origin_;
  TimerId next_id_ = 1;
  // key: (deadline, id) so equal deadlines fire in creation order.
  std::map<std::pair<MonoTime, TimerId>, Callback> timers_;
  // id -> deadline, so cancel() finds a timer without scanning.
  std::unordered_map<TimerId, MonoTime> deadlines_;
};

}  // namespace propbot
