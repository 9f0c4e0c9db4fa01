#include "scripting/script_watchdog.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

namespace propbot::scripting {

ScriptWatchdog::ScriptWatchdog(std::chrono::milliseconds tick)
    : tick_(std::max(tick, std::chrono::milliseconds(1))),
      pid_(::getpid()),
      signals_(install_call_watch_signal()),
      thread_([this] { run(); }) {}

ScriptWatchdog::~ScriptWatchdog() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

ScriptWatchdog::Registration ScriptWatchdog::watch(CallWatch& watch) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    entries_.push_back(Entry{&watch});
  }
  wake_.notify_all();  // the thread sleeps while it watches nothing
  return Registration(this, &watch);
}

void ScriptWatchdog::unwatch(CallWatch* watch) {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(entries_, [watch](const Entry& e) { return e.watch == watch; });
}

std::size_t ScriptWatchdog::watched() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

ScriptWatchdog::Registration::Registration(Registration&& other) noexcept
    : watchdog_(other.watchdog_), watch_(other.watch_) {
  other.watchdog_ = nullptr;
  other.watch_ = nullptr;
}

ScriptWatchdog::Registration& ScriptWatchdog::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    if (watchdog_ != nullptr) watchdog_->unwatch(watch_);
    watchdog_ = other.watchdog_;
    watch_ = other.watch_;
    other.watchdog_ = nullptr;
    other.watch_ = nullptr;
  }
  return *this;
}

ScriptWatchdog::Registration::~Registration() {
  if (watchdog_ != nullptr) watchdog_->unwatch(watch_);
}

void ScriptWatchdog::run() {
  ::pthread_setname_np(::pthread_self(), "script-watch");  // as top and gdb show it
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (entries_.empty()) {
      wake_.wait(lock, [this] { return stopping_ || !entries_.empty(); });
      continue;
    }
    scan();
    wake_.wait_for(lock, tick_, [this] { return stopping_; });
  }
}

void ScriptWatchdog::scan() {
  for (Entry& entry : entries_) {
    CallWatch& watch = *entry.watch;
    const std::uint64_t seq = watch.seq_.load(std::memory_order_acquire);
    if ((seq & 1) == 0) continue;  // between calls
    const pid_t tid = watch.tid_.load(std::memory_order_relaxed);
    timespec cpu{};
    const bool read = ::clock_gettime(watch.cpu_clock_.load(std::memory_order_relaxed), &cpu) == 0;
    // The call may have ended while we read: its thread (and clock) may be gone, or be
    // another call's. Only a reading taken while the same call ran counts.
    if (!read || watch.seq_.load(std::memory_order_acquire) != seq) continue;
    const std::int64_t cpu_ns = static_cast<std::int64_t>(cpu.tv_sec) * 1'000'000'000 + cpu.tv_nsec;
    if (entry.seen_seq != seq) {
      entry.seen_seq = seq;
      entry.cpu_at_seen_ns = cpu_ns;
      continue;
    }
    if (cpu_ns - entry.cpu_at_seen_ns < watch.limit_ns_) continue;
    if (watch.expired_.load(std::memory_order_relaxed) != seq) {
      watch.expired_.store(seq, std::memory_order_release);
      expired_calls_.fetch_add(1, std::memory_order_relaxed);
    }
    // Every tick until the call ends: a signal that arrived while the thread was inside
    // another sandbox's call (its handler arms only the innermost call) is made good
    // by the next one. A stale tid gets ESRCH, or reaches a thread of ours whose
    // handler finds nothing expired.
    if (signals_) ::tgkill(pid_, tid, call_watch_signal());
  }
}

}  // namespace propbot::scripting
