#include "core/status/status_sources.hpp"

#include <unistd.h>

#include <fstream>

namespace propbot::status {

std::optional<double> resident_memory_mb() {
  std::ifstream statm("/proc/self/statm");
  long long size_pages = 0;
  long long resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return std::nullopt;
  const long page = ::sysconf(_SC_PAGESIZE);
  return static_cast<double>(resident_pages) * static_cast<double>(page > 0 ? page : 4096) / (1024.0 * 1024.0);
}

StatusInputs gather(const StatusSources& sources) {
  StatusInputs inputs;
  inputs.now = sources.clock->now();
  inputs.utc_now = sources.clock->utc();
  if (sources.snapshots != nullptr) inputs.snapshot = sources.snapshots->load();
  if (sources.plane != nullptr) {
    inputs.control = sources.plane->state();
    if (auto view = sources.plane->incidents_view(0)) inputs.incidents = std::move(*view);
  }
  if (sources.backups != nullptr) {
    inputs.backup = BackupInputs{sources.backups->status(), sources.backups->options().interval};
  }
  if (sources.stream_clients) inputs.stream = sources.stream_clients();
  inputs.data_dir = sources.data_dir;
  inputs.profile = sources.profile;
  inputs.memory_usage_mb = resident_memory_mb().value_or(0.0);
  inputs.uptime_sec = std::chrono::duration<double>(inputs.now - sources.started_at).count();
  return inputs;
}

}  // namespace propbot::status
