// export_worm: writes the WORM export of a data directory (SPEC S-5.4, format in
// worm_format.hpp) — the audit chain and the incidents from <data dir>/propbot.db, the
// order events, fills and (when the table exists) ledger entries from
// <data dir>/journal.sqlite — as one verifiable JSON Lines file, and optionally one CSV
// per section for a spreadsheet.
//
// What a record holds:
// - audit: the audit export object of the entry (audit_log.hpp: its fields, details as
//   an object, its own prev_hash and cumulative_hash), so the audit chain verifies too.
// - incidents, orders (table order_events), fills, ledger_entries: the row as an object
//   keyed by column name, every column of the table (a column added later is exported
//   without a change here). INTEGER values are JSON integers, TEXT values strings
//   exactly as stored (Decimals are stored as text: "65000.10" stays "65000.10", never
//   a double), NULL is null; a REAL (none of these tables has one) is written as
//   SQLite's text of it, a BLOB as lowercase hex, both as strings.
// - Rows in primary-key order (seq, id), audit in id order.
//
// Time range: `from` (inclusive) and `to` (exclusive) select records by ts_utc
// (audit, incidents) or ts_ms (orders, fills); ledger_entries by ts_ms or ts_utc,
// whichever it has, or whole when it has neither (the header names the column used).
// The audit section is always a contiguous run of ids (AuditLog::for_each_entry), so it
// still verifies as a chain.
//
// Guarantees:
// - The databases are opened read-only and never migrated; each is read inside one read
//   transaction, so each section set is one consistent snapshot of its database even
//   while a daemon writes (WAL). The two databases are two snapshots taken one after
//   the other, not one atomic cut.
// - Streaming: one row in memory at a time, whatever the size of the tables.
// - Write-once: every output goes to `<file>.partial` first (ExportFile); without
//   `force`, an existing output file is refused (already_exists) before anything is
//   read, and again atomically when the file is put in place.
//
// Errors: not_found (no data directory or no propbot.db), already_exists, invalid_argument
// (from >= to; a record with no canonical form), io_error, store errors.
// Threads: the caller's; blocks on disk for the whole export.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/control/worm_format.hpp"

namespace propbot::control {

struct WormExportOptions {
  std::string data_dir;
  std::string out_path;                 // the JSON Lines master
  std::optional<std::string> csv_dir;   // created when missing; <dir>/<section>.csv
  std::optional<UtcTime> from;          // inclusive
  std::optional<UtcTime> to;            // exclusive
  bool force = false;                   // replace existing output files
  std::string build;                    // recorded in the header ("propbot 0.x (build sha, Release)")
  std::string journal_file_name = "journal.sqlite";  // exec::kJournalDatabaseFileName
  UtcTime created_at{};                 // recorded in the header
};

struct WormExportSummary {
  WormCounts counts;
  std::string last_chain_hash;         // the trailer line's chain_hash
  std::vector<std::string> csv_files;  // written, in section order
};

Result<WormExportSummary> export_worm(const WormExportOptions& options);

}  // namespace propbot::control
