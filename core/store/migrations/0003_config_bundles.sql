-- 0003_config_bundles: the versioned config bundle (SPEC S-7.5): every saved version of
-- configs/*.yaml, strategies/*.lua and policies/*.lua, with who saved it, why, and the
-- bundle hash. Written and read by core/bundle (BundleStore); created_at is UTC ISO 8601
-- with milliseconds, so text order is time order.

-- One row per version. version only grows (AUTOINCREMENT: a number is never reused, so
-- a rollback token or an audit entry naming a version always means the same files).
-- hash = lowercase hex SHA-256 over the sorted (path, content) pairs (Bundle::hash);
-- files_json = JSON object {path: content}.
CREATE TABLE config_bundles (
  version    INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  author     TEXT NOT NULL,
  hash       TEXT NOT NULL,
  message    TEXT NOT NULL,
  files_json TEXT NOT NULL
);
CREATE INDEX config_bundles_by_hash ON config_bundles(hash);

-- A saved version is history: it is never edited (a change is a new version).
CREATE TRIGGER config_bundles_refuse_update BEFORE UPDATE ON config_bundles
BEGIN
  SELECT RAISE(ABORT, 'config_bundles is append-only: UPDATE refused');
END;
