#include "core/history/capture_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/history/capture_file.hpp"

namespace propbot::history {

Result<std::unique_ptr<CaptureWriter>> CaptureWriter::open(CaptureOptions options, const Clock& clock, Logger log) {
  CaptureHeader header;
  header.start_unix_ns = clock.utc().time_since_epoch().count();
  header.venues = options.venues;
  auto encoded = encode_capture_header(header);
  if (!encoded) return encoded.error();
  if (encoded->size() > options.max_bytes) {
    return make_error(Errc::invalid_argument, "capture size bound of " + std::to_string(options.max_bytes) +
                                                  " bytes is smaller than the file header");
  }
  // O_EXCL: a capture is never written over another run's.
  const int fd = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    if (error == EEXIST) {
      return make_error(Errc::already_exists,
                        "capture file " + options.path + " exists: choose a new path or move the old capture away");
    }
    return make_error(error == EACCES ? Errc::permission_denied : Errc::io_error,
                      "cannot create capture file " + options.path + ": " + std::strerror(error));
  }
  std::FILE* file = ::fdopen(fd, "wb");
  if (file == nullptr) {
    ::close(fd);
    return make_error(Errc::io_error, "cannot open capture file " + options.path);
  }
  if (std::fwrite(encoded->data(), 1, encoded->size(), file) != encoded->size() || std::fflush(file) != 0) {
    std::fclose(file);
    return make_error(Errc::io_error, "cannot write the header of capture file " + options.path);
  }
  std::unique_ptr<CaptureWriter> writer(new CaptureWriter(std::move(options), clock, std::move(log), file, encoded->size()));
  writer->writer_.start([raw = writer.get()](std::vector<Pending>& batch) {
    if (!batch.empty()) raw->write_batch(batch);
  });
  return writer;
}

CaptureWriter::CaptureWriter(CaptureOptions options, const Clock& clock, Logger log, std::FILE* file,
                             std::uint64_t header_bytes)
    : options_(std::move(options)),
      clock_(clock),
      log_(std::move(log)),
      file_(file),
      writer_(options_.queue_messages, options_.queue_bytes, std::max<std::size_t>(options_.wake_at, 1), options_.poll,
              log_, "capture") {
  stats_.file_bytes = header_bytes;
}

CaptureWriter::~CaptureWriter() { close(); }

void CaptureWriter::close() {
  writer_.close();  // drains and joins; idempotent
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
}

RawMessageTap CaptureWriter::tap(const std::string& venue) {
  const auto found = std::find(options_.venues.begin(), options_.venues.end(), venue);
  if (found == options_.venues.end()) return {};
  const auto index = static_cast<std::uint8_t>(found - options_.venues.begin());
  return [this, index](RawChannel channel, std::string_view text) { record(index, channel, text); };
}

void CaptureWriter::record(std::uint8_t venue, RawChannel channel, std::string_view message) {
  const std::int64_t now = clock_.utc().time_since_epoch().count();
  writer_.push(Pending{now, venue, channel, std::string(message)}, message.size() + kCaptureFrameOverhead);
}

CaptureStats CaptureWriter::stats() const {
  std::lock_guard lock(stats_mutex_);
  CaptureStats out = stats_;
  out.dropped = writer_.dropped();
  return out;
}

void CaptureWriter::write_batch(const std::vector<Pending>& batch) {
  std::string& buffer = buffer_;
  buffer.clear();
  std::uint64_t frames = 0;
  std::uint64_t message_bytes = 0;
  std::uint64_t refused = 0;
  bool reached = false;
  std::uint64_t file_bytes;
  {
    std::lock_guard lock(stats_mutex_);
    file_bytes = stats_.file_bytes;
    reached = stats_.bound_reached;
  }
  for (const Pending& pending : batch) {
    const std::size_t before = buffer.size();
    if (reached || file_bytes + before + pending.message.size() + kCaptureFrameOverhead > options_.max_bytes) {
      reached = true;
      ++refused;
      continue;
    }
    if (!append_capture_frame(buffer, pending.recv_unix_ns, pending.venue, pending.channel, pending.message)) {
      ++refused;  // longer than any frame may be
      continue;
    }
    ++frames;
    message_bytes += pending.message.size();
  }
  const bool written = buffer.empty() ||
                       (std::fwrite(buffer.data(), 1, buffer.size(), file_) == buffer.size() && std::fflush(file_) == 0);
  std::lock_guard lock(stats_mutex_);
  if (reached && !stats_.bound_reached) {
    log_.warn("capture_size_bound_reached", {{"path", options_.path},
                                              {"max_bytes", options_.max_bytes},
                                              {"fix", "capture stopped; raise --capture-max-mb for a longer capture"}});
  }
  stats_.bound_reached = reached;
  stats_.refused += refused;
  if (!written) {
    ++stats_.write_errors;
    log_.error("capture_write_failed", {{"path", options_.path}, {"frames", frames}});
    return;
  }
  stats_.frames_written += frames;
  stats_.message_bytes += message_bytes;
  stats_.file_bytes += buffer.size();
}

}  // namespace propbot::history
