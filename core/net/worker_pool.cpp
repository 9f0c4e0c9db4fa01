#include "core/net/worker_pool.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace propbot::net {

// Everything a thread uses lives here, owned jointly by the pool and its threads: a
// thread detached by shutdown() keeps it alive until its last job ends.
struct WorkerPool::Shared {
  Shared(std::size_t workers, std::size_t max_queued) : workers(workers), max_queued(max_queued) {}

  const std::size_t workers;
  const std::size_t max_queued;
  mutable std::mutex mutex;
  std::condition_variable work_ready;  // a job was queued, or closing
  std::condition_variable job_done;    // a running job ended (shutdown waits on it)
  std::deque<Job> queue;
  std::size_t running = 0;
  std::size_t failed = 0;
  bool closing = false;

  void run_worker() {
    std::unique_lock lock(mutex);
    for (;;) {
      work_ready.wait(lock, [this] { return closing || !queue.empty(); });
      if (closing) return;
      Job job = std::move(queue.front());
      queue.pop_front();
      ++running;
      lock.unlock();
      bool threw = false;
      try {
        job();
      } catch (...) {
        threw = true;  // the submitter's job reports its own errors; this is the last line
      }
      job = nullptr;  // destroy what the job captured outside the lock
      lock.lock();
      --running;
      if (threw) ++failed;
      job_done.notify_all();
    }
  }
};

WorkerPool::WorkerPool(std::size_t workers, std::size_t max_queued)
    : shared_(std::make_shared<Shared>(std::max<std::size_t>(workers, 1), max_queued)) {
  threads_.reserve(shared_->workers);
  for (std::size_t i = 0; i < shared_->workers; ++i) {
    threads_.emplace_back([shared = shared_] { shared->run_worker(); });
  }
}

WorkerPool::~WorkerPool() { shutdown(std::chrono::milliseconds(0)); }

bool WorkerPool::try_submit(Job job) {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->closing) return false;
    const std::size_t idle = shared_->workers - shared_->running;
    // Jobs already queued take the idle workers first.
    const std::size_t waiting_after = shared_->queue.size() + 1 > idle ? shared_->queue.size() + 1 - idle : 0;
    if (waiting_after > shared_->max_queued) return false;
    shared_->queue.push_back(std::move(job));
  }
  shared_->work_ready.notify_one();
  return true;
}

bool WorkerPool::shutdown(std::chrono::milliseconds grace) {
  if (threads_.empty()) return true;
  std::deque<Job> dropped;
  bool finished = false;
  {
    std::unique_lock lock(shared_->mutex);
    shared_->closing = true;
    dropped.swap(shared_->queue);
    shared_->work_ready.notify_all();
    finished = shared_->job_done.wait_for(lock, grace, [this] { return shared_->running == 0; });
  }
  dropped.clear();  // outside the lock: a job's captures may take locks of their own
  for (auto& thread : threads_) {
    if (finished) {
      thread.join();
    } else {
      thread.detach();  // idle ones exit at once; busy ones after their job
    }
  }
  threads_.clear();
  return finished;
}

std::size_t WorkerPool::running() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->running;
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->queue.size();
}

std::size_t WorkerPool::failed_jobs() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->failed;
}

}  // namespace propbot::net
