#include "core/store/online_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/store/sqlite_error.hpp"

namespace propbot::store {

namespace {

Errc errc_from_errno(int error_number) {
  return error_number == EACCES || error_number == EPERM || error_number == EROFS ? Errc::permission_denied
                                                                                   : Errc::io_error;
}

// Makes a completed rename durable: the directory entry must reach the disk too.
void sync_parent_directory(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::string directory =
      slash == std::string::npos ? std::string(".") : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

struct ConnectionCloser {
  void operator()(sqlite3* connection) const { sqlite3_close_v2(connection); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

// Creates (or truncates) the partial file with mode 0600 before SQLite opens it, so the
// copy is never readable by others, whatever the umask.
Status create_private_partial(const std::string& partial, const std::string& action) {
  ::unlink(partial.c_str());  // a leftover of an interrupted backup
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    const int error_number = errno;
    return make_error(errc_from_errno(error_number),
                      action + ": cannot create '" + partial + "': " + std::strerror(error_number) +
                          " (does the directory exist and is it writable?)");
  }
  ::fchmod(fd, S_IRUSR | S_IWUSR);
  ::close(fd);
  return {};
}

// Steps the backup to its end; returns the final result code and fills the counters.
int run_steps(sqlite3_backup* backup, const OnlineBackupOptions& options, OnlineBackupReport& report) {
  int busy_in_a_row = 0;
  int previous_remaining = -1;
  while (true) {
    const bool in_one_go = report.restarts >= options.max_restarts;
    const int result_code = sqlite3_backup_step(backup, in_one_go ? -1 : options.pages_per_step);
    if (result_code == SQLITE_BUSY || result_code == SQLITE_LOCKED) {
      if (++busy_in_a_row >= options.max_busy_retries) return result_code;
      sqlite3_sleep(static_cast<int>(options.busy_sleep.count()));
      continue;
    }
    busy_in_a_row = 0;
    if (result_code != SQLITE_OK) return result_code;  // SQLITE_DONE or an error
    ++report.steps;
    // Without a restart each step takes exactly pages_per_step off what remains; a
    // restart starts again from page 1, so less than that was taken off.
    const int remaining = sqlite3_backup_remaining(backup);
    if (previous_remaining >= 0 && remaining + options.pages_per_step > previous_remaining) ++report.restarts;
    previous_remaining = remaining;
    if (options.after_step) options.after_step(report.steps);
  }
}

Result<OnlineBackupReport> copy_into(sqlite3* source, const std::string& destination,
                                     const OnlineBackupOptions& options) {
  const std::string action = "backup to '" + destination + "' failed";
  const std::string partial = destination + ".partial";
  if (Status created = create_private_partial(partial, action); !created) return created.error();
  auto fail = [&partial](Error error) -> Result<OnlineBackupReport> {
    ::unlink(partial.c_str());
    return error;
  };

  OnlineBackupReport report;
  {
    sqlite3* raw = nullptr;
    const int opened = sqlite3_open_v2(partial.c_str(), &raw,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nullptr);
    Connection target(raw);  // closed on every path, before the rename
    if (opened != SQLITE_OK) {
      return fail(raw != nullptr ? sqlite_error(raw, opened, action, "")
                                 : make_error(Errc::store_error, action + ": out of memory"));
    }
    sqlite3_backup* backup = sqlite3_backup_init(target.get(), "main", source, "main");
    if (backup == nullptr) return fail(sqlite_error(target.get(), sqlite3_errcode(target.get()), action, ""));
    const int stepped = run_steps(backup, options, report);
    report.pages = sqlite3_backup_pagecount(backup);
    sqlite3_backup_finish(backup);
    if (stepped == SQLITE_BUSY || stepped == SQLITE_LOCKED) {
      return fail(make_error(Errc::unavailable, action + ": the database stayed locked by another connection (" +
                                                    std::string(sqlite3_errstr(stepped)) + "); try again"));
    }
    if (stepped != SQLITE_DONE) return fail(sqlite_error(target.get(), stepped, action, ""));
    // The copy keeps the source's WAL flag; fold it back so the backup is one
    // self-contained file once closed.
    char* message = nullptr;
    const int folded = sqlite3_exec(target.get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, &message);
    sqlite3_free(message);
    if (folded != SQLITE_OK) return fail(sqlite_error(target.get(), folded, action, "PRAGMA journal_mode=DELETE"));
  }
  if (::rename(partial.c_str(), destination.c_str()) != 0) {
    const int error_number = errno;
    return fail(make_error(errc_from_errno(error_number),
                           action + ": rename from '" + partial + "': " + std::strerror(error_number)));
  }
  sync_parent_directory(destination);
  struct stat info {};
  if (::stat(destination.c_str(), &info) == 0) {
    ::chmod(destination.c_str(), S_IRUSR | S_IWUSR);
    report.bytes = static_cast<std::uint64_t>(info.st_size);
  }
  return report;
}

Status check_options(const OnlineBackupOptions& options) {
  if (options.pages_per_step <= 0 || options.max_restarts < 0 || options.max_busy_retries <= 0 ||
      options.busy_sleep.count() < 0) {
    return make_error(Errc::invalid_argument,
                      "online backup options: pages_per_step and max_busy_retries must be > 0, "
                      "max_restarts and busy_sleep >= 0");
  }
  return {};
}

}  // namespace

Result<OnlineBackupReport> online_backup(Database& source, const std::string& destination,
                                         const OnlineBackupOptions& options) {
  if (!source.is_open()) {
    return make_error(Errc::unavailable, "database connection is closed (used after move)");
  }
  if (destination.empty()) return make_error(Errc::invalid_argument, "backup path is empty");
  if (destination == source.path()) {
    return make_error(Errc::invalid_argument, "backup path '" + destination + "' is the database itself");
  }
  if (Status checked = check_options(options); !checked) return checked.error();
  return copy_into(source.native_handle(), destination, options);
}

Result<OnlineBackupReport> online_backup_file(const std::string& source_path, const std::string& destination,
                                              const OnlineBackupOptions& options) {
  struct stat info {};
  if (::stat(source_path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return make_error(Errc::not_found, "backup source '" + source_path + "' is not a file");
  }
  OpenOptions read_only;
  read_only.create = false;
  read_only.read_only = true;
  Result<Database> source = Database::open(source_path, read_only);
  if (!source) return source.error();
  return online_backup(*source, destination, options);
}

}  // namespace propbot::store
