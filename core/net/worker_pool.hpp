// WorkerPool: a fixed set of threads that run jobs from a bounded queue. The HTTP server
// runs the handlers of blocking routes (RouteOptions::blocking) on one, so that a slow
// handler (a config validation running untrusted Lua for seconds) never holds the
// server thread and with it /healthz or POST /api/ui/hold.
//
// Guarantees
// - At most `workers` jobs run at once; at most `max_queued` more wait, in FIFO order.
//   try_submit() never blocks: it returns false at once when the queue is full (the
//   server then answers 503 busy) or the pool is shut down.
// - shutdown(grace) is bounded: it stops taking jobs, drops the queued ones (destroyed on
//   the caller's thread, never run), waits up to `grace` for the running ones, then joins
//   the threads if every job has finished and detaches them otherwise. A detached thread
//   finishes its job and exits on its own; it touches only state it shares (shared_ptr),
//   never the WorkerPool object, so destroying the pool while a job still runs is safe.
//   What the *job* touches is the submitter's business: the HTTP server gives its jobs
//   shared ownership of everything they use (see http_server.cpp).
// - A job that throws is caught and counted (failed_jobs()); the worker carries on.
//
// Threads: try_submit() and the queries from any thread; shutdown() and the destructor
// (which calls shutdown(0)) from the owner, never from a job. Jobs run on the pool's
// threads. Allocates per job (std::function); not for the engine's hot path.
// Uses: the standard library only.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace propbot::net {

class WorkerPool {
 public:
  using Job = std::function<void()>;

  // Starts `workers` threads (at least 1). `max_queued` jobs may wait beyond the running
  // ones (0 = a job is accepted only when a worker is idle).
  WorkerPool(std::size_t workers, std::size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`; false when the queue is full or the pool is shut down (the job is then
  // destroyed on the caller's thread, never run).
  bool try_submit(Job job);

  // See the header comment. Returns true when every thread was joined, false when some
  // were detached with a job still running. Idempotent.
  bool shutdown(std::chrono::milliseconds grace);

  std::size_t running() const;     // jobs being run now
  std::size_t queued() const;      // jobs waiting for a worker
  std::size_t failed_jobs() const; // jobs that threw

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::vector<std::thread> threads_;
};

}  // namespace propbot::net
