// ForensicWriter: the daemon's ForensicSink (core/control/forensic_sink.hpp; SPEC S-4.3,
// S-9.4). For every P0 the IncidentLog records it takes, at once and in memory, the
// incident and the engine's latest published snapshot (a pointer copy: see
// forensic_capture.hpp) and queues them for its own writer thread, which adds the last
// `history_minutes` of market history, writes the bundle
// <data dir>/incidents_forensic/<incident id>/ (forensic_store.hpp: atomic, private,
// bounded, no secrets) and records the reference on the incident — forensic_captured:
// yes, forensic_ref: that directory — through the attached recorder (the control
// plane's record_forensic_ref, which also audits the manifest's SHA-256).
//
// Guarantees:
//  - capture() never blocks on the disk or on the writer: it copies a shared_ptr under
//    a mutex and pushes onto a bounded queue (queue_capacity). It always returns ""
//    (the reference comes later). When the queue is full, or the writer stopped, the
//    capture is dropped with a warning log line (forensic_capture_dropped) and counted
//    (dropped()); that incident stays forensic_captured: no.
//  - A failed write (disk full, permissions) is logged (forensic_bundle_failed) and
//    counted (failed()); nothing half-written stays (the store's temp directory).
//  - A bundle written before a recorder is attached (a P0 during the control plane's
//    start-up, before the plane exists) keeps its reference pending — at most
//    queue_capacity of them, then the oldest is dropped with a log line — and it is
//    recorded when the recorder is attached.
//  - stop() writes what is queued, then joins; later captures are dropped.
//
// Threads: capture() from any thread (the IncidentLog's, under the control plane's
// lock — hence the recorder is never called with the writer's own locks held: the
// plane's lock is taken only on the writer thread). attach_*/detach_* from any thread;
// detach_history() waits for a history read in progress, so the provider may be
// destroyed when it returns. The recorder and the history provider run on the writer
// thread; the snapshot source on the capturing thread (it must not block).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/control/forensic_sink.hpp"
#include "core/engine/snapshot.hpp"
#include "core/forensics/forensic_capture.hpp"
#include "core/forensics/forensic_store.hpp"

namespace propbot::forensics {

inline constexpr int kDefaultHistoryMinutes = 15;
inline constexpr std::size_t kDefaultQueueCapacity = 8;

// The engine's latest published snapshot (null when none yet). Must not block.
using SnapshotSource = std::function<std::shared_ptr<const engine::EngineSnapshot>()>;
// The last `minutes` of market history as JSON (the market history store's recent()).
// Null JSON means "none available".
using MarketHistoryProvider = std::function<nlohmann::json(std::chrono::minutes)>;
// Records a written bundle on its incident: (incident id, forensic_ref, details with
// "manifest_sha256" and "bytes").
using ForensicRefRecorder = std::function<Status(std::int64_t, const std::string&, const nlohmann::json&)>;

struct ForensicWriterOptions {
  std::string data_dir;  // bundles go to <data_dir>/incidents_forensic
  std::chrono::minutes history_minutes{kDefaultHistoryMinutes};
  std::size_t max_bundles = kDefaultMaxBundles;
  std::size_t max_file_bytes = kDefaultMaxFileBytes;
  std::size_t queue_capacity = kDefaultQueueCapacity;  // >= 1
};

class ForensicWriter final : public control::ForensicSink {
 public:
  // Starts the writer thread. `clock` must outlive the writer.
  ForensicWriter(ForensicWriterOptions options, const Clock& clock, Logger log);
  ~ForensicWriter() override;  // stop()
  ForensicWriter(const ForensicWriter&) = delete;
  ForensicWriter& operator=(const ForensicWriter&) = delete;

  // Queues the capture; returns "" (see the header comment).
  std::string capture(const control::Incident& incident) override;

  void attach_snapshots(SnapshotSource source);
  void detach_snapshots();
  void attach_history(MarketHistoryProvider provider);
  void detach_history();
  // Records the pending references at once (on the calling thread).
  void attach_recorder(ForensicRefRecorder recorder);

  // Writes what is queued, joins the thread and detaches the recorder. Idempotent.
  void stop();

  // Counters since start (any thread).
  std::uint64_t written() const { return written_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }
  std::uint64_t failed() const { return failed_.load(); }
  const ForensicWriterOptions& options() const { return options_; }
  // <data_dir>/incidents_forensic
  std::string root() const;

 private:
  struct Reference {
    std::int64_t incident_id = 0;
    std::string path;
    nlohmann::json details;
  };

  void run();
  void write_one(const ForensicCapture& capture);
  nlohmann::json read_history();
  void record(Reference reference);

  ForensicWriterOptions options_;
  const Clock& clock_;
  Logger log_;
  ForensicStore store_;  // the writer thread's only

  std::mutex source_mutex_;  // capture() and the snapshot source
  SnapshotSource snapshots_;
  std::mutex history_mutex_;  // held while the provider runs (detach_history waits)
  MarketHistoryProvider history_;
  std::mutex recorder_mutex_;  // held while the recorder runs
  ForensicRefRecorder recorder_;
  std::deque<Reference> pending_references_;  // bounded by queue_capacity

  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<ForensicCapture> queue_;  // bounded by queue_capacity
  bool stopping_ = false;

  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::thread thread_;  // last: started once every member above exists
};

}  // namespace propbot::forensics
