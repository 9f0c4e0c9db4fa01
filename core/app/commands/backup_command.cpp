#include "core/app/commands/backup_command.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "core/common/clock.hpp"
#include "core/exec/journal_store.hpp"
#include "core/exec/outbox_file.hpp"
#include "core/store/backup_snapshotter.hpp"
#include "core/store/data_dir_lock.hpp"
#include "core/store/database.hpp"
#include "core/store/online_backup.hpp"

namespace propbot::app {
namespace {

namespace fs = std::filesystem;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// The tables every journal database has (core/exec/journal_store.hpp); a file without
// them is not a ledger backup. Other tables (the ledger's own) are copied as they are.
constexpr const char* kJournalTables[] = {"order_events", "orders", "fills"};
// How many pre_restore_<UTC>[-N] names are tried when restores share a second.
constexpr int kMaxAsideNames = 100;

constexpr const char* kBackupUsage = "usage: propbot backup --data-dir DIR --out FILE [--force]\n";
constexpr const char* kRestoreUsage = "usage: propbot restore --data-dir DIR --from FILE [--force]\n";

// What differs between the two commands' command lines.
struct CommandLine {
  std::string name;            // "backup" | "restore"
  const char* usage;
  std::string file_flag;       // "--out" | "--from"
  std::string data_dir_hint;   // appended when --data-dir is not a directory
};

const CommandLine kBackupLine{"backup", kBackupUsage, "--out", ""};
const CommandLine kRestoreLine{"restore", kRestoreUsage, "--from", " (mkdir -p it to restore into a new one)"};

struct Flags {
  std::string data_dir;
  std::string file;  // the value of --out / --from
  bool force = false;
};

int usage_error(const CommandLine& line, const std::string& message) {
  std::cerr << "propbot " << line.name << ": " << message << "\n" << line.usage;
  return kExitUsage;
}

int failure(const std::string& command, const std::string& message) {
  std::cerr << "propbot " << command << ": " << message << "\n";
  return kExitFailed;
}

// --data-dir DIR (an existing directory), the command's file flag, --force; `help`
// prints the usage. Returns an exit code when the command is done (help, or a usage
// error printed).
std::optional<int> parse_flags(const CommandLine& line, const std::vector<std::string>& args, Flags& flags) {
  if (!args.empty() && (args.front() == "help" || args.front() == "--help" || args.front() == "-h")) {
    std::cout << line.usage;
    return kExitOk;
  }
  std::map<std::string, std::string> values;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "--force" && !value) {
      flags.force = true;
      continue;
    }
    if (name != "--data-dir" && name != line.file_flag) {
      return usage_error(line, "unknown option '" + args[i] + "'; allowed: --data-dir, " + line.file_flag + ", --force");
    }
    if (!value) {
      if (i + 1 >= args.size()) return usage_error(line, "missing value after " + name);
      value = args[++i];
    }
    if (value->empty()) return usage_error(line, name + " needs a non-empty value");
    if (!values.emplace(name, *value).second) return usage_error(line, name + " given twice");
  }
  for (const std::string& name : {std::string("--data-dir"), line.file_flag}) {
    if (values.count(name) == 0) return usage_error(line, line.name + " needs " + name);
  }
  flags.data_dir = values["--data-dir"];
  flags.file = values[line.file_flag];
  std::error_code error;
  if (!fs::is_directory(flags.data_dir, error)) {
    return usage_error(line, "--data-dir '" + flags.data_dir + "' is not a directory" + line.data_dir_hint);
  }
  return std::nullopt;
}

std::string journal_path(const std::string& data_dir) {
  return (fs::path(data_dir) / exec::kJournalDatabaseFileName).string();
}

// Empty when `path` is a SQLite database that passes integrity_check and has the
// journal's tables; otherwise why not.
std::string journal_problem(const std::string& path) {
  store::OpenOptions read_only;
  read_only.create = false;
  read_only.read_only = true;
  Result<store::Database> database = store::Database::open(path, read_only);
  if (!database) return "it is not a SQLite database (" + database.error().message + ")";
  Result<store::Statement> check = database->prepare("PRAGMA integrity_check");
  Result<bool> row = check ? check->step() : Result<bool>(check.error());
  if (!row) return "integrity_check could not run (" + row.error().message + ")";
  if (!*row || check->column_text(0) != "ok") {
    return "it fails PRAGMA integrity_check (" + (*row ? check->column_text(0) : std::string("no answer")) + ")";
  }
  for (const char* table : kJournalTables) {
    Result<store::Statement> found =
        database->prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
    if (!found || !found->bind(1, std::string_view(table))) return "its schema cannot be read";
    Result<bool> counted = found->step();
    if (!counted || !*counted || found->column_int64(0) != 1) {
      return std::string("it has no '") + table + "' table: it is not a journal database";
    }
  }
  return "";
}

// DIR/backups/pre_restore_<UTC>[-N], created 0700; nullopt after printing why not.
std::optional<std::string> make_aside_directory(const std::string& data_dir) {
  const fs::path backups = fs::path(data_dir) / store::kBackupDirectoryName;
  if (::mkdir(backups.c_str(), S_IRWXU) != 0 && errno != EEXIST) {
    failure("restore", "cannot create " + backups.string() + ": " + std::strerror(errno));
    return std::nullopt;
  }
  const std::string base = (backups / ("pre_restore_" + store::compact_utc_timestamp(RealClock().utc()))).string();
  for (int attempt = 0; attempt < kMaxAsideNames; ++attempt) {
    const std::string candidate = attempt == 0 ? base : base + "-" + std::to_string(attempt);
    if (::mkdir(candidate.c_str(), S_IRWXU) == 0) return candidate;
    if (errno != EEXIST) {
      failure("restore", "cannot create " + candidate + ": " + std::strerror(errno));
      return std::nullopt;
    }
  }
  failure("restore", "too many restores this second under " + backups.string() + ": try again");
  return std::nullopt;
}

// Moves the journal and everything the daemon would replay over it into a fresh
// pre_restore directory. Returns that directory ("" when there was nothing to move), or
// nullopt after printing why it could not.
std::optional<std::string> set_journal_aside(const std::string& data_dir) {
  const std::string journal = journal_path(data_dir);
  std::vector<std::string> present;
  for (const std::string& path : {journal, journal + "-wal", journal + "-shm",
                                  (fs::path(data_dir) / exec::kOutboxDirectoryName).string()}) {
    std::error_code error;
    if (fs::symlink_status(path, error).type() != fs::file_type::not_found) present.push_back(path);
  }
  if (present.empty()) return std::string();
  std::optional<std::string> aside = make_aside_directory(data_dir);
  if (!aside) return std::nullopt;
  for (const std::string& path : present) {
    const std::string target = (fs::path(*aside) / fs::path(path).filename()).string();
    std::error_code error;
    fs::rename(path, target, error);
    if (error) {
      failure("restore", "cannot move " + path + " to " + target + ": " + error.message() +
                             " (files moved so far are in " + *aside + ")");
      return std::nullopt;
    }
  }
  return aside;
}

}  // namespace

int backup_command(const std::vector<std::string>& args) {
  const CommandLine& line = kBackupLine;
  Flags flags;
  if (auto done = parse_flags(line, args, flags)) return *done;
  const std::string& data_dir = flags.data_dir;
  const std::string& out = flags.file;
  std::error_code error;
  const std::string source = journal_path(data_dir);
  if (!fs::is_regular_file(source, error)) {
    return usage_error(line,
                       "--data-dir '" + data_dir + "' holds no " + std::string(exec::kJournalDatabaseFileName) +
                           " (has the daemon ever run with this data directory?)");
  }
  const fs::path out_directory = fs::absolute(out, error).parent_path();
  if (!fs::is_directory(out_directory, error)) {
    return usage_error(line,
                       "--out '" + out + "': directory '" + out_directory.string() + "' does not exist; create it first");
  }
  if (fs::exists(out, error)) {
    if (!flags.force) {
      return usage_error(line,
                         "--out '" + out + "' already exists; pass --force to replace it or choose a new file");
    }
    if (fs::equivalent(out, source, error)) {
      return usage_error(line, "--out '" + out + "' is the journal itself; choose another file");
    }
  }
  Result<store::OnlineBackupReport> written = store::online_backup_file(source, out);
  if (!written) return failure(line.name, written.error().describe());
  std::cout << "backup written: " << out << " (" << written->bytes << " bytes)" << std::endl;
  return kExitOk;
}

int restore_command(const std::vector<std::string>& args) {
  const CommandLine& line = kRestoreLine;
  Flags flags;
  if (auto done = parse_flags(line, args, flags)) return *done;
  const std::string& data_dir = flags.data_dir;
  const std::string& from = flags.file;
  std::error_code error;
  if (!fs::is_regular_file(from, error)) {
    return usage_error(line, "--from '" + from + "' is not a file");
  }

  // Held until the end: no daemon starts on DIR while its journal is being replaced.
  Result<store::DataDirLock> lock = store::DataDirLock::acquire(data_dir);
  if (!lock) {
    if (lock.error().code == Errc::conflict) {
      return failure(line.name, "refusing: a propbot daemon is running on " + data_dir + " (lock held); stop it first");
    }
    return failure(line.name, lock.error().message);
  }
  if (const std::string problem = journal_problem(from); !problem.empty()) {
    return failure(line.name, "--from '" + from + "' cannot be restored: " + problem);
  }
  const std::string journal = journal_path(data_dir);
  if (fs::exists(journal, error) && !flags.force) {
    return usage_error(line,
                       journal + " exists; pass --force to move it (with its -wal, -shm and the journal outbox) to " +
                           data_dir + "/backups/pre_restore_<time>/ and restore");
  }

  // The whole copy first, beside the journal: nothing is moved unless it is complete.
  const std::string incoming = journal + ".restoring";
  Result<store::OnlineBackupReport> copied = store::online_backup_file(from, incoming);
  if (!copied) return failure(line.name, "copying " + from + " failed: " + copied.error().describe());
  std::optional<std::string> aside = set_journal_aside(data_dir);
  if (!aside) {
    fs::remove(incoming, error);
    return kExitFailed;
  }
  fs::rename(incoming, journal, error);
  if (error) {
    return failure(line.name, "cannot move " + incoming + " to " + journal + ": " + error.message() +
                                (aside->empty() ? "" : " (the previous journal is in " + *aside + ")"));
  }
  (void)exec::sync_directory(data_dir);  // the new name survives power loss
  std::cout << "restored " << journal << " from " << from << std::endl;
  if (!aside->empty()) std::cout << "previous journal files moved to " << *aside << std::endl;
  return kExitOk;
}

}  // namespace propbot::app
