// AuditLog: the append-only, hash-chained record of who did what (SPEC S-5.2, S-5.4):
// every operator request and its outcome, every automatic HOLD/KILL, every secret
// access (name only), every config change and route decision. Rows live in the
// audit_log table (migration 0002_control.sql); exports are JSON Lines an auditor can
// verify offline (verify_exported, `propbot audit verify --file`).
//
// The chain: entry ids are 1, 2, 3, ... with no gaps.
//   prev_hash(1)        = kGenesisHash (64 '0' characters)
//   prev_hash(n)        = cumulative_hash(n - 1)
//   cumulative_hash(n)  = lowercase hex SHA-256( prev_hash(n) || canonical(entry n) )
// where `||` is byte concatenation of the 64-character hex text and canonical(entry n)
// is the canonical JSON (canonical_json.hpp) of
//   {"action","actor","details","id","role","target","ts_utc"}
// with "details" the details object itself (not its text). details_json stores the
// canonical JSON of the details object.
//
// Guarantees:
// - append() reads the head and inserts the next entry inside one BEGIN IMMEDIATE
//   transaction, so two writers (even on two connections) never fork the chain.
// - verify() walks every row in id order and reports the first broken id with a
//   reason: a missing id (a deleted row), an edited row (its hash no longer matches),
//   a prev_hash that does not continue the chain, a details_json that is not canonical.
//   With an anchor (a ChainHead recorded earlier somewhere else) it also reports a
//   truncated tail or a rewritten chain.
// - Errors (Result) are only for the storage or the file failing; a broken chain is a
//   ChainReport with ok == false, which the caller turns into a P0 tamper.
//
// What an attacker with write access to the database file can do, and what catches it:
// - The SQLite triggers (audit_log_refuse_update / _refuse_delete) refuse UPDATE and
//   DELETE through SQL, which stops bugs and casual edits. They are not security: the
//   sqlite3 CLI can DROP TRIGGER, edit, and CREATE it again, or `PRAGMA writable_schema`
//   around it, or a new file can be written from scratch.
// - Editing or deleting a row in the middle is caught by verify() at that id.
// - Deleting the newest rows, or editing a row and recomputing every later hash (the
//   hash is not keyed, so anyone can), is only caught against an anchor: a head kept
//   outside the file's reach (an export copied off the host, or the head id+hash stored
//   in the HMAC-signed state). Keep anchors; verify(anchor) checks them.
//
// Threads: all calls on one thread, the caller's (the thread that owns the Database).
// Every call blocks on disk. A separate read-only connection (the CLI, the API's reader)
// may verify or export while the writer appends (WAL).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/store/database.hpp"
#include "core/store/transaction.hpp"

namespace propbot::control {

// prev_hash of the first entry.
inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";
// page() returns at most this many rows per call.
inline constexpr int kMaxAuditPage = 1000;
// verify_exported() refuses a line longer than this (an entry is a few KB at most).
inline constexpr std::size_t kMaxExportLineBytes = 4u << 20;

// What the caller says happened. ts_utc, id and the hashes are assigned by append().
struct AuditEntry {
  std::string actor;   // operator name, or "system" / "autopilot" for automatic acts
  std::string role;    // viewer | auditor | operator | system (not interpreted here)
  std::string action;  // e.g. "resume_requested", "hold_auto", "access_secret"
  std::string target;  // what it acted on ("control_state", "strategy:arb1"); may be ""
  nlohmann::json details = nlohmann::json::object();  // a JSON object, no floats
};

// One stored entry.
struct AuditRecord {
  std::int64_t id = 0;
  std::string ts_utc;
  std::string actor;
  std::string role;
  std::string action;
  std::string target;
  std::string details_json;  // canonical JSON of the details object
  std::string prev_hash;
  std::string cumulative_hash;
};

// The newest entry of a chain (id 0 and kGenesisHash for an empty chain).
struct ChainHead {
  std::int64_t id = 0;
  std::string cumulative_hash = std::string(kGenesisHash);
};

struct ChainReport {
  bool ok = true;
  std::int64_t entries = 0;    // rows (or lines) read
  std::int64_t broken_id = 0;  // first bad id when !ok (the expected id for a gap)
  std::string reason;          // why, when !ok
  ChainHead head;              // last entry read
};

// page() filter: each set field must match exactly.
struct AuditFilter {
  std::optional<std::string> actor;
  std::optional<std::string> role;
  std::optional<std::string> action;
  std::optional<std::string> target;
};

// The canonical JSON of an entry's hashed fields. Errors: invalid_argument when
// details_json is not a JSON object in canonical form.
Result<std::string> canonical_audit_entry(const AuditRecord& record);
// SHA-256(prev_hash || canonical_audit_entry(record)) in lowercase hex; record.prev_hash
// and record.cumulative_hash are not read.
Result<std::string> compute_cumulative_hash(std::string_view prev_hash, const AuditRecord& record);
// The export object of a record (every field, details as an object), and its line
// (the object's canonical JSON). Errors: invalid_argument (details_json not an object).
Result<nlohmann::json> audit_export_object(const AuditRecord& record);
Result<std::string> audit_export_line(const AuditRecord& record);
// An export object back into a record: exactly the export's fields, each of its type.
// Errors: invalid_argument naming the field.
Result<AuditRecord> audit_record_from_export(const nlohmann::json& object);

// Checks records one by one in the order given (the same rules for the database, an
// audit export and the audit section of a WORM export): ids contiguous from
// start.id + 1, each prev_hash the previous cumulative_hash (start.cumulative_hash for
// the first), each cumulative_hash recomputed. The default start is the genesis (id 0,
// kGenesisHash); an export of a later range starts from its first entry's predecessor.
class AuditChainWalker {
 public:
  explicit AuditChainWalker(std::optional<ChainHead> anchor, ChainHead start = {})
      : anchor_(std::move(anchor)), expected_id_(start.id + 1) {
    report_.head = std::move(start);
  }

  // False once the chain is broken; finish() then says where and why.
  bool feed(const AuditRecord& record);
  // Failure of the source itself (an unreadable line), counted as an entry.
  bool fail_entry(std::string reason);
  ChainReport finish();

 private:
  bool fail(std::int64_t id, std::string reason);

  std::optional<ChainHead> anchor_;
  std::int64_t expected_id_ = 1;
  ChainReport report_;
};

// Reads one line of an export someone handed the auditor, at most `max` bytes of it
// (the rest of an over-long line is skipped and `too_long` set), so a file of one
// endless line cannot take the verifier's memory. False at the end of the input.
bool read_bounded_line(std::istream& in, std::string& line, std::size_t max, bool& too_long);

// Verifies a JSON Lines export standalone (no database): each line one entry, ids from
// 1 without gaps, the chain recomputed from kGenesisHash. An empty file is an empty,
// valid chain. Errors: io_error when the file cannot be read.
Result<ChainReport> verify_exported(const std::string& path);

class AuditLog {
 public:
  // `database` (with migration 0002 applied) and `clock` must outlive the log.
  AuditLog(store::Database& database, const Clock& clock) : database_(&database), clock_(&clock) {}

  // Appends in its own write transaction. Errors: invalid_argument (empty actor, role
  // or action; details not an object or not canonicalisable), store errors.
  Result<AuditRecord> append(const AuditEntry& entry);
  // Appends inside the caller's open transaction on the same Database, so that the
  // entry commits (or rolls back) together with the caller's other writes.
  // Errors as above, plus invalid_argument when `open` is not active.
  Result<AuditRecord> append(store::Transaction& open, const AuditEntry& entry);

  // Walks the whole chain. With `anchor`, additionally requires the row anchor.id to
  // exist with anchor.cumulative_hash.
  Result<ChainReport> verify(const std::optional<ChainHead>& anchor = std::nullopt) const;

  Result<ChainHead> head() const;

  // Calls `visit` for each entry in id order: all of them, or with from_ts / to_ts
  // (ISO-8601 text in the stored format, format_iso8601_ms) the contiguous run of ids
  // from the first entry with ts_utc >= from_ts to the last entry with ts_utc < to_ts —
  // a run, never a selection, so the exported entries still form one chain. Stops at
  // and returns the first error of `visit` or the store.
  Status for_each_entry(const std::optional<std::string>& from_ts, const std::optional<std::string>& to_ts,
                        const std::function<Status(const AuditRecord&)>& visit) const;

  // Writes every entry, one export line each, to `path` (via `path`.partial renamed
  // into place, so `path` is never half written). Refuses to replace an existing file
  // (already_exists): exports are write-once. Returns the number of entries written.
  Result<std::int64_t> export_jsonl(const std::string& path) const;

  // Newest first: entries with id < before_id (all when before_id is empty) matching
  // `filter`, at most `limit` (1..kMaxAuditPage, else invalid_argument).
  Result<std::vector<AuditRecord>> page(const AuditFilter& filter, int limit,
                                        std::optional<std::int64_t> before_id = std::nullopt) const;

 private:
  Result<AuditRecord> insert(const AuditEntry& entry);

  store::Database* database_;
  const Clock* clock_;
};

}  // namespace propbot::control
