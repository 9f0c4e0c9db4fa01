#include "core/forensics/forensic_writer.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <utility>

namespace propbot::forensics {

using nlohmann::json;

namespace {

ForensicStoreOptions store_options(const ForensicWriterOptions& options) {
  ForensicStoreOptions out;
  out.root = (std::filesystem::path(options.data_dir) / kForensicDirName).string();
  out.max_bundles = options.max_bundles;
  out.max_file_bytes = options.max_file_bytes;
  return out;
}

}  // namespace

ForensicWriter::ForensicWriter(ForensicWriterOptions options, const Clock& clock, Logger log)
    : options_(std::move(options)), clock_(clock), log_(std::move(log)), store_(store_options(options_)) {
  options_.queue_capacity = std::max<std::size_t>(options_.queue_capacity, 1);
  thread_ = std::thread([this] { run(); });
}

ForensicWriter::~ForensicWriter() { stop(); }

std::string ForensicWriter::root() const { return store_.options().root; }

std::string ForensicWriter::capture(const control::Incident& incident) {
  ForensicCapture capture;
  capture.incident = incident;
  capture.captured_at = clock_.utc();
  {
    std::lock_guard lock(source_mutex_);
    if (snapshots_) capture.snapshot = snapshots_();
  }
  {
    std::lock_guard lock(queue_mutex_);
    if (!stopping_ && queue_.size() < options_.queue_capacity) {
      queue_.push_back(std::move(capture));
      queue_ready_.notify_one();
      return {};
    }
  }
  dropped_.fetch_add(1);
  log_.warn("forensic_capture_dropped",
            {{"incident_id", incident.id},
             {"reason", "the forensic writer's queue is full or stopped; the incident stays forensic_captured: no"},
             {"queue_capacity", static_cast<std::uint64_t>(options_.queue_capacity)}});
  return {};
}

void ForensicWriter::attach_snapshots(SnapshotSource source) {
  std::lock_guard lock(source_mutex_);
  snapshots_ = std::move(source);
}

void ForensicWriter::detach_snapshots() { attach_snapshots(nullptr); }

void ForensicWriter::attach_history(MarketHistoryProvider provider) {
  std::lock_guard lock(history_mutex_);
  history_ = std::move(provider);
}

void ForensicWriter::detach_history() { attach_history(nullptr); }

void ForensicWriter::attach_recorder(ForensicRefRecorder recorder) {
  std::lock_guard lock(recorder_mutex_);
  recorder_ = std::move(recorder);
  while (recorder_ && !pending_references_.empty()) {
    Reference reference = std::move(pending_references_.front());
    pending_references_.pop_front();
    if (Status recorded = recorder_(reference.incident_id, reference.path, reference.details); !recorded) {
      log_.error("forensic_ref_not_recorded",
                 {{"incident_id", reference.incident_id}, {"error", recorded.error().describe()}});
    }
  }
}

void ForensicWriter::stop() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(recorder_mutex_);
  recorder_ = nullptr;
}

void ForensicWriter::run() {
  while (true) {
    ForensicCapture capture;
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is written
      capture = std::move(queue_.front());
      queue_.pop_front();
    }
    // A loop of a long-running component reports and goes on (STYLE.md).
    try {
      write_one(capture);
    } catch (const std::exception& e) {
      failed_.fetch_add(1);
      log_.error("forensic_bundle_failed", {{"incident_id", capture.incident.id}, {"error", e.what()}});
    }
  }
}

json ForensicWriter::read_history() {
  std::lock_guard lock(history_mutex_);
  if (!history_) return nullptr;
  try {
    return history_(options_.history_minutes);
  } catch (const std::exception& e) {
    return unavailable(std::string("the market history could not be read: ") + e.what());
  }
}

void ForensicWriter::write_one(const ForensicCapture& capture) {
  const auto documents = bundle_documents(capture, read_history());
  Result<WrittenBundle> bundle = store_.write(capture.incident.id, documents, capture.captured_at);
  if (!bundle) {
    failed_.fetch_add(1);
    log_.error("forensic_bundle_failed", {{"incident_id", capture.incident.id}, {"error", bundle.error().describe()}});
    return;
  }
  written_.fetch_add(1);
  log_.info("forensic_bundle_written", {{"incident_id", capture.incident.id},
                                         {"path", bundle->path},
                                         {"bytes", bundle->bytes},
                                         {"pruned", static_cast<std::uint64_t>(bundle->pruned)}});
  record(Reference{capture.incident.id, bundle->path,
                   json{{"manifest_sha256", bundle->manifest_sha256}, {"bytes", bundle->bytes}}});
}

void ForensicWriter::record(Reference reference) {
  std::lock_guard lock(recorder_mutex_);
  if (!recorder_) {
    if (pending_references_.size() >= options_.queue_capacity) {
      log_.warn("forensic_ref_dropped", {{"incident_id", pending_references_.front().incident_id},
                                         {"reason", "too many bundles wait for the control plane"}});
      pending_references_.pop_front();
    }
    pending_references_.push_back(std::move(reference));
    return;
  }
  if (Status recorded = recorder_(reference.incident_id, reference.path, reference.details); !recorded) {
    log_.error("forensic_ref_not_recorded", {{"incident_id", reference.incident_id},
                                             {"path", reference.path},
                                             {"error", recorded.error().describe()}});
  }
}

}  // namespace propbot::forensics
