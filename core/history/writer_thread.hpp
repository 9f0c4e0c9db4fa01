// WriterThread: a DropOldestQueue and the one thread that drains it — the shape shared by
// the market history store and the capture writer (a producer that must never wait, a
// consumer that may block on disk).
//
// Guarantees: push() never waits for the writer (see DropOldestQueue: bounded, drops the
// oldest and counts them). The handler runs on the writer thread only, with every item
// queued since its last call, at least once per `poll` (possibly with an empty batch, so
// it can do periodic work) and once more after close() with what was left. An exception
// from the handler is logged and the loop carries on (STYLE.md: a long-running loop never
// dies silently). close() is idempotent, drains, and joins; the destructor calls it.
//
// Threads: push()/dropped() from any thread; start()/close() from the owner.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/common/logging.hpp"
#include "core/history/drop_oldest_queue.hpp"

namespace propbot::history {

template <typename T>
class WriterThread {
 public:
  using Handler = std::function<void(std::vector<T>& batch)>;

  WriterThread(std::size_t max_items, std::size_t max_bytes, std::size_t wake_at, std::chrono::milliseconds poll,
               Logger log, std::string name)
      : queue_(max_items, max_bytes, wake_at), poll_(poll), log_(std::move(log)), name_(std::move(name)) {}
  ~WriterThread() { close(); }
  WriterThread(const WriterThread&) = delete;
  WriterThread& operator=(const WriterThread&) = delete;

  void start(Handler handler) {
    thread_ = std::thread([this, handler = std::move(handler)] { run(handler); });
  }
  bool push(T item, std::size_t bytes = 1) { return queue_.push(std::move(item), bytes); }
  std::uint64_t dropped() const { return queue_.dropped(); }

  void close() {
    std::call_once(closed_, [this] {
      queue_.close();
      if (thread_.joinable()) thread_.join();
    });
  }

 private:
  void run(const Handler& handler) {
    std::vector<T> batch;
    bool open = true;
    while (open) {
      try {
        batch.clear();
        open = queue_.pop_all(batch, poll_);
        handler(batch);
      } catch (const std::exception& e) {
        log_.error("writer_thread_exception", {{"writer", name_}, {"error", e.what()}});
      }
    }
  }

  DropOldestQueue<T> queue_;
  const std::chrono::milliseconds poll_;
  Logger log_;
  const std::string name_;
  std::thread thread_;
  std::once_flag closed_;
};

}  // namespace propbot::history
