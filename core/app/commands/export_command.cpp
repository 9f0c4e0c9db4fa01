#include "core/app/commands/export_command.hpp"

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>

#include "core/common/clock.hpp"
#include "core/control/worm_export.hpp"
#include "core/exec/journal_store.hpp"
#include "propbot/build_info.hpp"

namespace propbot::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: propbot export --data-dir DIR --out FILE.jsonl [--from ISO8601] [--to ISO8601] [--csv-dir DIR2] "
    "[--force]\n"
    "       times as 2026-12-01T00:00:00Z (from inclusive, to exclusive); verify with\n"
    "       propbot audit verify --file FILE.jsonl\n";

int usage_error(const std::string& message) {
  std::cerr << "propbot export: " << message << "\n" << kUsage;
  return kExitUsage;
}

// --name VALUE or --name=VALUE for the flags with a value; --force alone.
std::optional<int> parse_flags(const std::vector<std::string>& args, std::map<std::string, std::string>& values,
                               bool& force) {
  static const std::vector<std::string> kValued = {"--data-dir", "--out", "--from", "--to", "--csv-dir"};
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (name == "--force") {
      force = true;
      continue;
    }
    if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (std::find(kValued.begin(), kValued.end(), name) == kValued.end()) {
      return usage_error("unknown argument '" + name +
                         "'; allowed: --data-dir, --out, --from, --to, --csv-dir, --force");
    }
    if (!value) {
      if (i + 1 >= args.size()) return usage_error("missing value after " + name);
      value = args[++i];
    }
    if (value->empty()) return usage_error(name + " needs a non-empty value");
    if (!values.emplace(name, *value).second) return usage_error(name + " given twice");
  }
  return std::nullopt;
}

std::optional<UtcTime> parse_time(const std::map<std::string, std::string>& values, const std::string& name,
                                  bool& bad) {
  const auto found = values.find(name);
  if (found == values.end()) return std::nullopt;
  std::optional<UtcTime> at = parse_iso8601_utc(found->second);
  bad = bad || !at;
  return at;
}

}  // namespace

int export_command(const std::vector<std::string>& args) {
  if (!args.empty() && (args.front() == "help" || args.front() == "--help" || args.front() == "-h")) {
    std::cout << kUsage;
    return kExitOk;
  }
  std::map<std::string, std::string> values;
  control::WormExportOptions options;
  if (std::optional<int> failed = parse_flags(args, values, options.force)) return *failed;
  if (!values.contains("--data-dir")) return usage_error("--data-dir DIR is required");
  if (!values.contains("--out")) return usage_error("--out FILE.jsonl is required");
  options.data_dir = values["--data-dir"];
  options.out_path = values["--out"];
  if (values.contains("--csv-dir")) options.csv_dir = values["--csv-dir"];
  bool bad_time = false;
  options.from = parse_time(values, "--from", bad_time);
  options.to = parse_time(values, "--to", bad_time);
  if (bad_time) return usage_error("--from / --to must be ISO-8601 UTC like 2026-12-01T00:00:00Z");
  if (options.from && options.to && *options.from >= *options.to) return usage_error("--from must be before --to");
  options.build = "propbot " + std::string(build_info::version) + " (build " + std::string(build_info::git_sha) +
                  ", " + std::string(build_info::build_type) + ")";
  options.journal_file_name = std::string(exec::kJournalDatabaseFileName);
  options.created_at = RealClock().utc();

  Result<control::WormExportSummary> summary = control::export_worm(options);
  if (!summary) {
    const Errc code = summary.error().code;
    if (code == Errc::already_exists || code == Errc::not_found) {
      return usage_error(summary.error().message);
    }
    std::cerr << "propbot export: failed: " << summary.error().describe() << "\n";
    return kExitFailed;
  }
  std::cout << "worm export: " << summary->counts.total() << " records (" << summary->counts.describe()
            << ") written to " << options.out_path << ", last chain hash " << summary->last_chain_hash << "\n";
  for (const std::string& csv : summary->csv_files) std::cout << "csv: " << csv << "\n";
  std::cout << std::flush;
  return kExitOk;
}

}  // namespace propbot::app
