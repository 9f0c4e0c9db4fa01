#include "core/store/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace propbot::store {

namespace {

Errc errc_from_errno(int error_number) {
  switch (error_number) {
    case ENOENT:
      return Errc::not_found;
    case EACCES:
    case EPERM:
    case EROFS:
      return Errc::permission_denied;
    default:
      return Errc::io_error;
  }
}

// The pid the holder wrote into the file ("" when it cannot be read).
std::string holder_pid(int fd) {
  char buffer[32] = {};
  const ssize_t read = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (read <= 0) return "";
  std::string text(buffer, static_cast<std::size_t>(read));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char c : text) {
    if (c < '0' || c > '9') return "";
  }
  return text;
}

}  // namespace

Result<DataDirLock> DataDirLock::acquire(const std::string& data_dir) {
  if (data_dir.empty()) return make_error(Errc::invalid_argument, "data directory is empty: pass --data-dir");
  std::string lock_path = data_dir + "/" + std::string(kDataDirLockFileName);
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    const int error_number = errno;
    return make_error(errc_from_errno(error_number), "cannot open the lock file '" + lock_path + "' of data directory '" +
                                                         data_dir + "': " + std::strerror(error_number));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error_number = errno;
    const std::string pid = holder_pid(fd);
    ::close(fd);
    if (error_number == EWOULDBLOCK) {
      return make_error(Errc::conflict, "another propbot is running on data dir '" + data_dir + "' (" + lock_path +
                                            " is locked" + (pid.empty() ? "" : " by pid " + pid) +
                                            "): stop it or pass another --data-dir");
    }
    return make_error(errc_from_errno(error_number),
                      "cannot lock '" + lock_path + "': " + std::strerror(error_number));
  }
  ::fchmod(fd, S_IRUSR | S_IWUSR);
  // Best effort: the pid is only for the message another process prints.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return DataDirLock(fd, data_dir, std::move(lock_path));
}

DataDirLock::DataDirLock(int fd, std::string data_dir, std::string lock_path)
    : fd_(fd), data_dir_(std::move(data_dir)), lock_path_(std::move(lock_path)) {}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      data_dir_(std::move(other.data_dir_)),
      lock_path_(std::move(other.lock_path_)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    data_dir_ = std::move(other.data_dir_);
    lock_path_ = std::move(other.lock_path_);
  }
  return *this;
}

DataDirLock::~DataDirLock() { release(); }

void DataDirLock::release() {
  if (fd_ < 0) return;
  // Closing the only descriptor of the open file description drops the flock.
  ::close(fd_);
  fd_ = -1;
}

}  // namespace propbot::store
