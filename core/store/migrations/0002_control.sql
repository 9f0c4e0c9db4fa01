-- 0002_control: the control plane's persistent layer (SPEC S-4, S-5, S-6.2):
-- signed state blobs, the hash-chained audit log, incidents and two-man approvals.
-- Written and read by core/control; timestamps are UTC ISO 8601 with milliseconds
-- ("2026-11-23T15:21:25.123Z"), so text order is time order.

-- Named JSON blobs signed with HMAC-SHA256 (S-5.1), e.g. name = 'control_state'.
-- Only canonical_json and signature are trusted: canonical_json is the canonical JSON
-- of {"name","saved_at_utc","value","version"} and signature is the lowercase hex
-- HMAC-SHA256(key, canonical_json). version and saved_at_utc repeat the signed values
-- for people reading the table; nothing relies on them.
CREATE TABLE signed_state (
  name           TEXT    PRIMARY KEY,
  canonical_json TEXT    NOT NULL,
  signature      TEXT    NOT NULL,
  version        INTEGER NOT NULL,
  saved_at_utc   TEXT    NOT NULL
);

-- Append-only audit log (S-5.2). ids are contiguous from 1 (a gap is a deleted row).
-- cumulative_hash = lowercase hex SHA-256(prev_hash || canonical JSON of
-- {"action","actor","details","id","role","target","ts_utc"}), prev_hash of id 1 is 64
-- zeros; details_json is the canonical JSON of the details object.
CREATE TABLE audit_log (
  id              INTEGER PRIMARY KEY,
  ts_utc          TEXT NOT NULL,
  actor           TEXT NOT NULL,
  role            TEXT NOT NULL,
  action          TEXT NOT NULL,
  target          TEXT NOT NULL,
  details_json    TEXT NOT NULL,
  prev_hash       TEXT NOT NULL,
  cumulative_hash TEXT NOT NULL
);
CREATE INDEX audit_log_by_action ON audit_log(action, id);
CREATE INDEX audit_log_by_actor ON audit_log(actor, id);

-- The triggers stop accidents and bugs, not an attacker who can write the file: such
-- a person can drop them (sqlite3 CLI: DROP TRIGGER) and edit rows. The hash chain is
-- what detects that (AuditLog::verify), see core/control/audit_log.hpp.
CREATE TRIGGER audit_log_refuse_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_log_refuse_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;

-- Incident log (S-4.1). operator_ack is ack_operator_id + ts_ack_utc (both NULL until
-- acknowledged). component and action_taken are open sets (strategy:<name>,
-- ws_feed:<venue>, ...) checked by core/control, not here.
CREATE TABLE incidents (
  id                    INTEGER PRIMARY KEY,
  ts_utc                TEXT NOT NULL,
  severity              TEXT NOT NULL CHECK (severity IN ('P0', 'P1', 'P2')),
  component             TEXT NOT NULL,
  summary               TEXT NOT NULL,
  action_taken          TEXT NOT NULL,
  ack_operator_id       TEXT,
  ts_ack_utc            TEXT,
  resolved_ts_utc       TEXT,
  postmortem_root_cause TEXT,
  forensic_ref          TEXT,
  CHECK ((ack_operator_id IS NULL) = (ts_ack_utc IS NULL))
);
CREATE INDEX incidents_unresolved ON incidents(resolved_ts_utc, id);

-- Two-man approval requests (S-6.2). kind is checked by core/control (a new kind must
-- not need a table rebuild); status is a closed set. confirmed_by / confirmed_at name
-- the operator who decided (approved or rejected) and when; both NULL while pending
-- or when the request expired. second_factor_required is decided when the request is
-- made (S-6.3) so a restart cannot change what the confirmation needs.
CREATE TABLE approvals (
  id                     INTEGER PRIMARY KEY,
  kind                   TEXT    NOT NULL,
  requested_by           TEXT    NOT NULL,
  reason                 TEXT    NOT NULL,
  payload_json           TEXT    NOT NULL,
  created_at             TEXT    NOT NULL,
  expires_at             TEXT    NOT NULL,
  status                 TEXT    NOT NULL DEFAULT 'pending'
                                 CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  second_factor_required INTEGER NOT NULL CHECK (second_factor_required IN (0, 1)),
  confirmed_by           TEXT,
  confirmed_at           TEXT
);
CREATE INDEX approvals_by_status ON approvals(status, id);
