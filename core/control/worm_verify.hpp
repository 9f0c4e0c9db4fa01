// Verifying an export file offline (SPEC S-5.4, `propbot audit verify --file`): both the
// WORM export (worm_format.hpp) and the older audit-only export (audit_log.hpp), told
// apart by the first line — a WORM file opens with its header line.
//
// verify_worm_export checks, line by line, stopping at the first bad line:
// - each line is a JSON object of exactly {"chain_hash", "record", "section"}, the
//   record an object with a canonical form, the section a known name;
// - the order: header first (format kWormFormat), data sections in kWormDataSections
//   order, the trailer last and nothing after it (a file ending before its trailer was
//   truncated);
// - every chain_hash recomputed from the previous one (so an edited, deleted, inserted
//   or moved line fails at that line or the next one);
// - the audit section as an audit chain of its own (AuditChainWalker): ids contiguous,
//   each prev_hash and cumulative_hash recomputed, from the genesis when the export is
//   not limited by "from" (else from its first entry's predecessor);
// - the trailer's counts, total and last_chain_hash against what was read.
// A bad file is a report with ok == false naming the 1-based line and why; Result errors
// are only for a file that cannot be read (io_error).
//
// Threads: pure functions over one file, safe from any thread. Memory: one line at a
// time, at most kMaxWormLineBytes.
#pragma once

#include <cstdint>
#include <string>

#include "core/common/result.hpp"
#include "core/control/worm_format.hpp"

namespace propbot::control {

enum class ExportFormat { audit_chain, worm };

constexpr std::string_view to_string(ExportFormat format) {
  switch (format) {
    case ExportFormat::audit_chain: return "audit_chain";
    case ExportFormat::worm: return "worm";
  }
  return "audit_chain";
}

// worm when the first line is a header line of the propbot-worm family (any version,
// so a newer file is refused by name rather than misread as an audit export);
// audit_chain otherwise (also for an empty file). Errors: io_error.
Result<ExportFormat> detect_export_format(const std::string& path);

struct WormReport {
  bool ok = true;
  std::int64_t lines = 0;     // lines read
  std::int64_t bad_line = 0;  // first bad line when !ok (1-based)
  std::string reason;         // why, when !ok
  WormCounts counts;          // data records read
  std::string last_chain_hash;  // the trailer's chain_hash (the export's hash) when ok
};

Result<WormReport> verify_worm_export(const std::string& path);

}  // namespace propbot::control
