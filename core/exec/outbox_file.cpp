#include "core/exec/outbox_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace propbot::exec {
namespace {

constexpr std::size_t kSegmentDigits = 12;
constexpr std::string_view kSegmentSuffix = ".log";

Error io_failure(std::string_view action, const std::string& path, int error_number) {
  return make_error(Errc::io_error, std::string(action) + " '" + path + "' failed: " + std::strerror(error_number));
}

}  // namespace

std::string outbox_segment_path(const std::string& directory, std::uint64_t number) {
  std::string digits = std::to_string(number);
  if (digits.size() < kSegmentDigits) digits.insert(0, kSegmentDigits - digits.size(), '0');
  return directory + "/" + digits + std::string(kSegmentSuffix);
}

Result<std::vector<OutboxSegment>> list_outbox_segments(const std::string& directory) {
  std::vector<OutboxSegment> segments;
  std::error_code error;
  for (const auto& item : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = item.path().filename().string();
    if (name.size() != kSegmentDigits + kSegmentSuffix.size() || !name.ends_with(kSegmentSuffix)) continue;
    std::uint64_t number = 0;
    const char* begin = name.data();
    const char* end = name.data() + kSegmentDigits;
    if (auto [stop, code] = std::from_chars(begin, end, number); code != std::errc() || stop != end) continue;
    segments.push_back(OutboxSegment{number, item.path().string()});
  }
  if (error) return make_error(Errc::io_error, "listing '" + directory + "' failed: " + error.message());
  std::sort(segments.begin(), segments.end(),
            [](const OutboxSegment& a, const OutboxSegment& b) { return a.number < b.number; });
  return segments;
}

Result<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_failure("opening", path, errno);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return io_failure("reading", path, errno);
  return bytes;
}

Status ensure_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return {};
  return io_failure("creating directory", path, errno);
}

Status sync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_failure("opening directory", path, errno);
  const int result = ::fsync(fd);
  const int error_number = errno;
  ::close(fd);
  if (result != 0) return io_failure("fsync of directory", path, error_number);
  return {};
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return {};
  return io_failure("removing", path, errno);
}

Result<OutboxAppender> OutboxAppender::create(const std::string& directory, std::uint64_t number, bool sync_each) {
  std::string path = outbox_segment_path(directory, number);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_failure("creating outbox segment", path, errno);
  OutboxAppender appender(fd, std::move(path), number, sync_each);
  if (sync_each) {
    if (Status synced = sync_directory(directory); !synced) return synced.error();
  }
  return appender;
}

OutboxAppender::OutboxAppender(int fd, std::string path, std::uint64_t number, bool sync_each)
    : fd_(fd), path_(std::move(path)), number_(number), sync_each_(sync_each) {}

OutboxAppender::OutboxAppender(OutboxAppender&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      number_(other.number_),
      size_(other.size_),
      sync_each_(other.sync_each_),
      broken_(other.broken_) {}

OutboxAppender& OutboxAppender::operator=(OutboxAppender&& other) noexcept {
  if (this != &other) {
    close_fd();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    number_ = other.number_;
    size_ = other.size_;
    sync_each_ = other.sync_each_;
    broken_ = other.broken_;
  }
  return *this;
}

OutboxAppender::~OutboxAppender() { close_fd(); }

Error OutboxAppender::fail(std::string_view action, int error_number) {
  // Cut the unacknowledged frame off, so no later record sits behind it and replay
  // never sees a record the caller was told had failed.
  if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0 || ::lseek(fd_, static_cast<off_t>(size_), SEEK_SET) < 0) {
    broken_ = true;
  }
  return io_failure(action, path_, error_number);
}

void OutboxAppender::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status OutboxAppender::append(std::string_view bytes) {
  if (broken_ || fd_ < 0) {
    return make_error(Errc::io_error, "outbox segment '" + path_ + "' is unusable after an earlier failed write");
  }
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("writing outbox segment", n < 0 ? errno : EIO);
    written += static_cast<std::size_t>(n);
  }
  // After a failed fdatasync the kernel may have dropped the dirty pages (Linux does):
  // nothing later can be trusted to reach the disk, so the appender stops for good.
  if (sync_each_ && ::fdatasync(fd_) != 0) {
    const int error_number = errno;
    broken_ = true;
    return fail("fdatasync of outbox segment", error_number);
  }
  size_ += bytes.size();
  return {};
}

}  // namespace propbot::exec
