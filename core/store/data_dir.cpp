#include "core/store/data_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/store/migrations.hpp"

namespace propbot::store {

namespace {

std::string quoted(const std::string& dir) { return "data directory '" + dir + "'"; }

Errc errc_from_errno(int error_number) {
  switch (error_number) {
    case EACCES:
    case EPERM:
      return Errc::permission_denied;
    case ENOENT:
      return Errc::not_found;
    case ENOTDIR:
      return Errc::invalid_argument;
    default:
      return Errc::io_error;
  }
}

Error write_probe_error(const std::string& dir, const std::string& step, int error_number) {
  std::string message = quoted(dir) + " is not writable (" + step + " failed: " +
                        std::strerror(error_number) + ")";
  if (error_number == EROFS) message += ": it is on a read-only file system";
  if (error_number == EACCES || error_number == EPERM) {
    message += ": fix its owner or permissions for uid " + std::to_string(::geteuid());
  }
  return make_error(errc_from_errno(error_number), std::move(message));
}

// Creates, writes and removes a file: the only test that holds for root, read-only
// mounts and full disks alike.
Status probe_write(const std::string& dir) {
  const std::string probe = dir + "/.propbot-write-probe-" + std::to_string(::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {  // left by a crashed process that had our pid
    ::unlink(probe.c_str());
    fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) return write_probe_error(dir, "creating a probe file", errno);
  const char byte = 'p';
  const bool wrote = ::write(fd, &byte, 1) == 1;
  const int write_errno = errno;
  ::close(fd);
  if (::unlink(probe.c_str()) != 0) {
    return write_probe_error(dir, "removing probe file '" + probe + "'", errno);
  }
  if (!wrote) return write_probe_error(dir, "writing a probe file", write_errno);
  return {};
}

// mode & ~(group, other) bits: the owner's bits stay, the rest go.
void drop_group_and_other(const std::filesystem::path& path, mode_t mode) {
  const mode_t owner_only = mode & S_IRWXU;
  if ((mode & (S_IRWXG | S_IRWXO)) != 0) ::chmod(path.c_str(), owner_only);
}

}  // namespace

void restrict_data_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  struct stat info {};
  if (::stat(dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) drop_group_and_other(dir, info.st_mode);
  std::error_code error;
  std::size_t seen = 0;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, error), end;
       !error && it != end && seen < kMaxRestrictedEntries; it.increment(error), ++seen) {
    struct stat entry {};
    if (::lstat(it->path().c_str(), &entry) != 0 || S_ISLNK(entry.st_mode)) continue;
    if (S_ISDIR(entry.st_mode) || S_ISREG(entry.st_mode)) drop_group_and_other(it->path(), entry.st_mode);
  }
}

Status check_data_dir(const std::string& dir) {
  if (dir.empty()) {
    return make_error(Errc::invalid_argument, "data directory is empty: pass --data-dir");
  }
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    const int error_number = errno;
    switch (error_number) {
      case ENOENT:
        return make_error(Errc::not_found, quoted(dir) + " does not exist: create it (mkdir -p " +
                                               dir + ") or pass --data-dir");
      case ENOTDIR:
        return make_error(Errc::invalid_argument,
                          quoted(dir) + " is not usable: a parent of it is not a directory "
                                        "(a file is in the way)");
      case EACCES:
        return make_error(Errc::permission_denied,
                          quoted(dir) + " cannot be reached: a parent directory is not "
                                        "searchable by uid " + std::to_string(::geteuid()));
      default:
        return make_error(errc_from_errno(error_number),
                          "cannot inspect " + quoted(dir) + ": " + std::strerror(error_number));
    }
  }
  if (!S_ISDIR(info.st_mode)) {
    return make_error(Errc::invalid_argument,
                      quoted(dir) + " is not a directory: pass a directory to --data-dir");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return write_probe_error(dir, "access(W_OK)", errno);
  }
  return probe_write(dir);
}

Result<Database> open_store(const std::string& data_dir, std::string_view now_utc) {
  if (Status status = check_data_dir(data_dir); !status) return status.error();
  const std::string path = data_dir + "/" + std::string(kDatabaseFileName);
  OpenOptions options;
  options.create = true;
  options.wal = true;
  options.synchronous = Synchronous::full;
  Result<Database> database = Database::open(path, options);
  if (!database) return database.error();
  // Before the first write creates the -wal and -shm files (SQLite gives them the
  // database's mode), and for a directory an older version left readable.
  restrict_data_dir(data_dir);
  Result<int> applied = apply_migrations(*database, builtin_migrations(), now_utc);
  if (!applied) {
    return make_error(applied.error().code,
                      "store '" + path + "': " + applied.error().message);
  }
  return std::move(database).value();
}

}  // namespace propbot::store
