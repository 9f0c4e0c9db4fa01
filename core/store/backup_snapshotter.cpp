#include "core/store/backup_snapshotter.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <vector>

namespace propbot::store {

namespace {

constexpr std::string_view kDatedPrefix = "ledger_snapshot_";
constexpr std::string_view kDatedSuffix = ".sqlite";
// Entries of the backup directory looked at when pruning: a bound on the scan, far
// above what retention leaves there.
constexpr std::size_t kMaxScannedEntries = 100'000;

Status ensure_private_directory(const std::string& path) {
  if (::mkdir(path.c_str(), S_IRWXU) == 0) return {};
  const int error_number = errno;
  struct stat info {};
  if (error_number == EEXIST && ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return {};
  return make_error(Errc::io_error, "cannot create the backup directory '" + path + "': " +
                                        std::strerror(error_number == EEXIST ? ENOTDIR : error_number));
}

}  // namespace

std::string compact_utc_timestamp(UtcTime time) {
  // "2026-12-07T21:45:25.123Z" -> "20261207T214525Z"
  const std::string iso = format_iso8601_ms(time);
  std::string compact;
  for (char c : iso.substr(0, iso.find('.'))) {
    if (c != '-' && c != ':') compact += c;
  }
  return compact + "Z";
}

std::string dated_snapshot_name(UtcTime time) {
  return std::string(kDatedPrefix) + compact_utc_timestamp(time) + std::string(kDatedSuffix);
}

bool is_dated_snapshot_name(std::string_view name) {
  if (!name.starts_with(kDatedPrefix) || !name.ends_with(kDatedSuffix)) return false;
  const std::string_view stamp = name.substr(kDatedPrefix.size(), name.size() - kDatedPrefix.size() - kDatedSuffix.size());
  // YYYYMMDDTHHMMSSZ
  if (stamp.size() != 16 || stamp[8] != 'T' || stamp[15] != 'Z') return false;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(stamp[i]))) return false;
  }
  return true;
}

std::string_view to_string(BackupState state) {
  switch (state) {
    case BackupState::pending: return "pending";
    case BackupState::ok: return "ok";
    case BackupState::error: return "error";
    case BackupState::off: return "off";
  }
  return "error";
}

BackupSnapshotter::BackupSnapshotter(BackupSnapshotterOptions options, const Clock& clock, Logger log)
    : options_(std::move(options)), clock_(clock), log_(std::move(log)) {
  options_.keep = std::clamp(options_.keep, 1, kMaxKeptSnapshots);
  if (options_.interval.count() <= 0) state_.status = BackupState::off;
}

BackupSnapshotter::~BackupSnapshotter() { stop(); }

void BackupSnapshotter::start() {
  if (options_.interval.count() <= 0 || thread_.joinable()) return;
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void BackupSnapshotter::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackupSnapshotter::run() {
  std::unique_lock lock(wake_mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) break;
    lock.unlock();
    (void)backup_now();  // reports through status() and the log
    lock.lock();
  }
}

Status BackupSnapshotter::backup_now() {
  std::lock_guard serial(backup_mutex_);
  const MonoTime started = clock_.now();
  std::uint64_t bytes = 0;
  Status outcome;
  try {
    outcome = take_snapshot(bytes);
  } catch (const std::exception& e) {  // bad_alloc, filesystem: never out of the thread
    outcome = make_error(Errc::internal, std::string("backup failed: ") + e.what());
  }
  const auto duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started).count();
  {
    std::lock_guard lock(state_mutex_);
    state_.last_duration_ms = duration_ms;
    if (outcome) {
      state_.status = BackupState::ok;
      state_.last_backup = clock_.utc();
      state_.last_error.clear();
      state_.bytes = bytes;
      ++state_.backups_taken;
    } else {
      state_.status = BackupState::error;
      state_.last_error = outcome.error().describe();
    }
  }
  if (outcome) {
    log_.info("ledger_backup_written", {{"source", options_.source_path},
                                        {"backup_dir", options_.backup_dir},
                                        {"bytes", bytes},
                                        {"duration_ms", duration_ms}});
  } else {
    log_.error("ledger_backup_failed", {{"source", options_.source_path}, {"error", outcome.error().describe()}});
  }
  return outcome;
}

Status BackupSnapshotter::take_snapshot(std::uint64_t& bytes) {
  if (Status made = ensure_private_directory(options_.backup_dir); !made) return made;
  const std::string rolling = options_.backup_dir + "/" + std::string(kRollingSnapshotFileName);
  Result<OnlineBackupReport> written = online_backup_file(options_.source_path, rolling, options_.backup);
  if (!written) return written.error();
  bytes = written->bytes;
  const std::string dated = options_.backup_dir + "/" + dated_snapshot_name(clock_.utc());
  if (Result<OnlineBackupReport> copied = online_backup_file(rolling, dated, options_.backup); !copied) {
    return copied.error();
  }
  prune_dated_copies();
  return {};
}

void BackupSnapshotter::prune_dated_copies() {
  namespace fs = std::filesystem;
  std::vector<std::string> dated;
  std::error_code error;
  std::size_t scanned = 0;
  for (fs::directory_iterator it(options_.backup_dir, error), end; !error && it != end && scanned < kMaxScannedEntries;
       it.increment(error), ++scanned) {
    std::string name = it->path().filename().string();
    if (is_dated_snapshot_name(name)) dated.push_back(std::move(name));
  }
  if (dated.size() <= static_cast<std::size_t>(options_.keep)) return;
  // The names sort in time order: the oldest come first.
  std::sort(dated.begin(), dated.end());
  const std::size_t excess = dated.size() - static_cast<std::size_t>(options_.keep);
  for (std::size_t i = 0; i < excess; ++i) {
    const fs::path path = fs::path(options_.backup_dir) / dated[i];
    if (!fs::remove(path, error) && error) {
      log_.warn("ledger_backup_prune_failed", {{"path", path.string()}, {"error", error.message()}});
    }
  }
}

BackupSnapshotterStatus BackupSnapshotter::status() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

}  // namespace propbot::store
