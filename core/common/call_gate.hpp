// CallGate: lets an owner stop new calls into something and wait for the ones in flight
// — the shutdown of a service whose callers may outlive it. The HTTP server runs slow
// routes on workers that can outlive its stop grace; such a route holds the gate by
// shared_ptr, enters it for each call, and the owner closes it before the objects the
// route uses are destroyed: a call that started finishes first, a later one is refused
// (the route answers 503) without touching them.
//
// Guarantees: close() returns once no call is inside, and no call enters afterwards;
// idempotent. Entering and leaving take one short mutex hold.
// Threads: any.
#pragma once

#include <condition_variable>
#include <mutex>

namespace propbot {

class CallGate {
 public:
  // One call inside the gate, for its scope; false when the gate was closed.
  class Scope {
   public:
    explicit Scope(CallGate& gate) : gate_(gate) {
      std::lock_guard lock(gate_.mutex_);
      if (gate_.closed_) return;
      ++gate_.inside_;
      entered_ = true;
    }
    ~Scope() {
      if (!entered_) return;
      std::lock_guard lock(gate_.mutex_);
      if (--gate_.inside_ == 0) gate_.left_.notify_all();
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    explicit operator bool() const { return entered_; }

   private:
    CallGate& gate_;
    bool entered_ = false;
  };

  void close() {
    std::unique_lock lock(mutex_);
    closed_ = true;
    left_.wait(lock, [this] { return inside_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable left_;
  int inside_ = 0;
  bool closed_ = false;
};

}  // namespace propbot
