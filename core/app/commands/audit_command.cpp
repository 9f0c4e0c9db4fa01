#include "core/app/commands/audit_command.hpp"

#include <filesystem>
#include <iostream>
#include <optional>

#include "core/common/clock.hpp"
#include "core/control/audit_log.hpp"
#include "core/control/worm_verify.hpp"
#include "core/store/data_dir.hpp"
#include "core/store/database.hpp"

namespace propbot::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitBroken = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: propbot audit verify --data-dir DIR\n"
    "       propbot audit verify --file EXPORT.jsonl   (an audit export or a WORM export)\n"
    "       propbot audit export --data-dir DIR --out FILE.jsonl\n";

int usage_error(const std::string& message) {
  std::cerr << "propbot audit: " << message << "\n" << kUsage;
  return kExitUsage;
}

struct AuditFlags {
  std::optional<std::string> data_dir, file, out;
};

// Returns an exit code when parsing failed (after printing why).
std::optional<int> parse_flags(const std::string& subcommand, const std::vector<std::string>& args, AuditFlags& flags) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (name.rfind("--", 0) != 0) {
      // `propbot audit verify FILE`, the form SPEC S-5.4 uses.
      if (subcommand == "verify" && !flags.file) {
        flags.file = name;
        continue;
      }
      return usage_error("unexpected argument '" + name + "'");
    }
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    std::optional<std::string>* target = nullptr;
    if (name == "--data-dir") target = &flags.data_dir;
    if (name == "--file" && subcommand == "verify") target = &flags.file;
    if (name == "--out" && subcommand == "export") target = &flags.out;
    if (target == nullptr) {
      return usage_error("unknown option '" + name + "' for '" + subcommand + "'; allowed: " +
                         (subcommand == "verify" ? "--data-dir, --file" : "--data-dir, --out"));
    }
    if (!value) {
      if (i + 1 >= args.size()) return usage_error("missing value after " + name);
      value = args[++i];
    }
    if (value->empty()) return usage_error(name + " needs a non-empty value");
    if (*target) return usage_error(name + " given twice");
    *target = *value;
  }
  return std::nullopt;
}

// Opens DIR/propbot.db read-only, or prints the usage/runtime error and sets `exit`.
std::optional<store::Database> open_database(const std::string& data_dir, int& exit) {
  std::error_code error;
  if (!std::filesystem::is_directory(data_dir, error)) {
    exit = usage_error("--data-dir '" + data_dir + "' is not a directory");
    return std::nullopt;
  }
  const std::string path = data_dir + "/" + std::string(store::kDatabaseFileName);
  if (!std::filesystem::exists(path, error)) {
    exit = usage_error("--data-dir '" + data_dir + "' holds no " + std::string(store::kDatabaseFileName) +
                       " (has the daemon ever run with this data directory?)");
    return std::nullopt;
  }
  store::OpenOptions options;
  options.create = false;
  options.read_only = true;
  Result<store::Database> database = store::Database::open(path, options);
  if (!database) {
    std::cerr << "propbot audit: cannot open " << path << ": " << database.error().describe() << "\n";
    exit = kExitBroken;
    return std::nullopt;
  }
  Result<store::Statement> table =
      database->prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'");
  Result<bool> row = table ? table->step() : Result<bool>(table.error());
  if (!row || !*row || table->column_int64(0) != 1) {
    std::cerr << "propbot audit: " << path
              << " has no audit_log table (its schema predates migration 0002_control; start the daemon once "
                 "to migrate it)\n";
    exit = kExitBroken;
    return std::nullopt;
  }
  return std::move(*database);
}

int could_not_run(const Error& error) {
  std::cerr << "propbot audit: verification could not run: " << error.describe() << "\n";
  return kExitBroken;
}

int print_report(const Result<control::ChainReport>& report) {
  if (!report) return could_not_run(report.error());
  if (report->ok) {
    std::cout << "audit chain OK: " << report->entries << " entries" << std::endl;
    return kExitOk;
  }
  std::cout << "audit chain BROKEN at id " << report->broken_id << ": " << report->reason << std::endl;
  return kExitBroken;
}

// A WORM export (`propbot export`): every line's chain hash, the audit section's own
// chain and the trailer's counts.
int verify_worm(const std::string& file) {
  Result<control::WormReport> report = control::verify_worm_export(file);
  if (!report) return could_not_run(report.error());
  if (!report->ok) {
    std::cout << "BROKEN at line " << report->bad_line << ": " << report->reason << std::endl;
    return kExitBroken;
  }
  std::cout << "OK: " << report->counts.total() << " records (" << report->counts.describe() << "), last chain hash "
            << report->last_chain_hash << std::endl;
  return kExitOk;
}

int verify_file(const std::string& file) {
  Result<control::ExportFormat> format = control::detect_export_format(file);
  if (!format) return could_not_run(format.error());
  if (*format == control::ExportFormat::worm) return verify_worm(file);
  return print_report(control::verify_exported(file));
}

int verify(const AuditFlags& flags) {
  if (flags.data_dir && flags.file) return usage_error("give either --data-dir or --file, not both");
  if (!flags.data_dir && !flags.file) return usage_error("verify needs --data-dir DIR or --file EXPORT.jsonl");
  if (flags.file) return verify_file(*flags.file);
  int exit = kExitOk;
  std::optional<store::Database> database = open_database(*flags.data_dir, exit);
  if (!database) return exit;
  RealClock clock;
  const control::AuditLog log(*database, clock);
  return print_report(log.verify());
}

int export_chain(const AuditFlags& flags) {
  if (!flags.data_dir) return usage_error("export needs --data-dir DIR");
  if (!flags.out) return usage_error("export needs --out FILE.jsonl");
  std::error_code error;
  if (std::filesystem::exists(*flags.out, error)) {
    return usage_error("--out '" + *flags.out + "' already exists; exports are write-once, choose a new file");
  }
  int exit = kExitOk;
  std::optional<store::Database> database = open_database(*flags.data_dir, exit);
  if (!database) return exit;
  RealClock clock;
  const control::AuditLog log(*database, clock);
  Result<std::int64_t> written = log.export_jsonl(*flags.out);
  if (!written) {
    std::cerr << "propbot audit: export failed: " << written.error().describe() << "\n";
    return kExitBroken;
  }
  std::cout << "audit export: " << *written << " entries written to " << *flags.out << std::endl;
  return kExitOk;
}

}  // namespace

int audit_command(const std::vector<std::string>& args) {
  if (args.empty()) return usage_error("missing subcommand (verify or export)");
  const std::string& subcommand = args.front();
  if (subcommand == "help" || subcommand == "--help" || subcommand == "-h") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (subcommand != "verify" && subcommand != "export") {
    return usage_error("unknown subcommand '" + subcommand + "'; use verify or export");
  }
  AuditFlags flags;
  if (std::optional<int> failed = parse_flags(subcommand, args, flags)) return *failed;
  return subcommand == "verify" ? verify(flags) : export_chain(flags);
}

}  // namespace propbot::app
