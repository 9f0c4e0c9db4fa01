#include "core/secrets/private_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

namespace propbot::secrets {
namespace {

std::string quote_path(const std::string& path) { return "'" + path + "'"; }

std::string errno_text(int error) { return std::strerror(error); }

std::string directory_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Closes a descriptor on every path out of a function.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { close(); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Returns 0 or the errno of close().
  int close() {
    if (fd_ < 0) return 0;
    const int result = ::close(fd_);
    fd_ = -1;
    return result == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(Errc::io_error, "cannot write " + quote_path(path) + ": " + errno_text(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  return {};
}

Status sync_directory(const std::string& path) {
  const std::string directory = directory_of(path);
  FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return make_error(Errc::io_error, "cannot fsync directory " + quote_path(directory) + ": " + errno_text(errno));
  }
  return {};
}

// Writes, fsyncs and closes an open file; the file is 0600 whatever the umask was.
Status finish_file(FileDescriptor& fd, std::string_view bytes, const std::string& path) {
  if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0) {
    return make_error(Errc::io_error, "cannot chmod 600 " + quote_path(path) + ": " + errno_text(errno));
  }
  if (Status written = write_all(fd.get(), bytes, path); !written) return written;
  if (::fsync(fd.get()) != 0) {
    return make_error(Errc::io_error, "cannot fsync " + quote_path(path) + ": " + errno_text(errno));
  }
  if (const int error = fd.close(); error != 0) {
    return make_error(Errc::io_error, "cannot close " + quote_path(path) + ": " + errno_text(error));
  }
  return {};
}

Error open_error(int error, const std::string& path, const ReadOptions& options) {
  const std::string name = std::string(options.what) + " " + quote_path(path);
  if (error == ENOENT) {
    std::string message = name + " does not exist";
    if (!options.missing_fix.empty()) message += ": " + std::string(options.missing_fix);
    return make_error(Errc::not_found, message);
  }
  if (error == EACCES) {
    return make_error(Errc::permission_denied, "cannot read " + name + ": permission denied (run as its owner)");
  }
  return make_error(Errc::io_error, "cannot open " + name + ": " + errno_text(error));
}

}  // namespace

Result<std::string> read_private_file(const std::string& path, const ReadOptions& options) {
  // O_NONBLOCK: a FIFO put where a key file should be must not hang start-up (it is
  // then refused as not a regular file); regular files ignore the flag.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return open_error(errno, path, options);
  const std::string name = std::string(options.what) + " " + quote_path(path);

  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) {
    return make_error(Errc::io_error, "cannot stat " + name + ": " + errno_text(errno));
  }
  if (!S_ISREG(status.st_mode)) {
    return make_error(Errc::invalid_argument, name + " is not a regular file");
  }
  if (options.owner_only && (status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return make_error(Errc::permission_denied,
                      name + " has mode " + octal_mode(status.st_mode) +
                          ", readable or writable by group or others: refusing to use it; fix: chmod 600 " + path);
  }
  if (static_cast<std::uintmax_t>(status.st_size) > options.max_bytes) {
    return make_error(Errc::invalid_argument, name + " is " + std::to_string(status.st_size) +
                                                  " bytes, more than the " + std::to_string(options.max_bytes) +
                                                  " allowed: is it the right file?");
  }

  std::string bytes;
  bytes.resize(static_cast<std::size_t>(status.st_size));
  std::size_t read_so_far = 0;
  while (read_so_far < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + read_so_far, bytes.size() - read_so_far);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(Errc::io_error, "cannot read " + name + ": " + errno_text(errno));
    }
    if (n == 0) break;  // shrank while reading: what was read is what there is
    read_so_far += static_cast<std::size_t>(n);
  }
  bytes.resize(read_so_far);
  return bytes;
}

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  std::string temp_path = path + ".tmp-XXXXXX";
  FileDescriptor fd(::mkostemp(temp_path.data(), O_CLOEXEC));
  if (!fd.valid()) {
    return make_error(Errc::io_error, "cannot create a temp file next to " + quote_path(path) + ": " +
                                          errno_text(errno) + " (is the directory writable?)");
  }
  Status finished = finish_file(fd, bytes, temp_path);
  if (finished && ::rename(temp_path.c_str(), path.c_str()) != 0) {
    finished = make_error(Errc::io_error, "cannot rename " + quote_path(temp_path) + " to " + quote_path(path) +
                                              ": " + errno_text(errno));
  }
  if (!finished) {
    ::unlink(temp_path.c_str());
    return finished;
  }
  return sync_directory(path);
}

Status create_private_file(const std::string& path, std::string_view bytes) {
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR));
  if (!fd.valid()) {
    if (errno == EEXIST) {
      return make_error(Errc::already_exists, quote_path(path) + " already exists: refusing to overwrite it");
    }
    return make_error(Errc::io_error, "cannot create " + quote_path(path) + ": " + errno_text(errno));
  }
  if (Status finished = finish_file(fd, bytes, path); !finished) {
    ::unlink(path.c_str());
    return finished;
  }
  return sync_directory(path);
}

bool file_exists(const std::string& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0;
}

Status keep_copy(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return sync_directory(to);
  if (errno == EEXIST) {
    return make_error(Errc::already_exists, quote_path(to) + " already exists: refusing to overwrite it");
  }
  // No hard links here (some network and FUSE file systems): copy the bytes.
  Result<std::string> bytes = read_private_file(from, ReadOptions{});
  if (!bytes) return bytes.error();
  Status created = create_private_file(to, *bytes);
  OPENSSL_cleanse(bytes->data(), bytes->size());  // a key file's bytes are the key
  return created;
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return make_error(Errc::io_error, "cannot remove " + quote_path(path) + ": " + errno_text(errno));
  }
  return sync_directory(path);
}

Status rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return make_error(Errc::io_error,
                      "cannot rename " + quote_path(from) + " to " + quote_path(to) + ": " + errno_text(errno));
  }
  return sync_directory(to);
}

}  // namespace propbot::secrets
