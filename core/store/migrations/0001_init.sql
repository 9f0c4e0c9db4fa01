-- 0001_init: the first schema. Every later change is a new numbered file; an applied
-- migration is never edited (its checksum is verified at every start).

-- One row per daemon start: which build ran, with which profile, as which process.
CREATE TABLE daemon_starts (
  id         INTEGER PRIMARY KEY,
  started_at TEXT    NOT NULL,  -- UTC, ISO 8601
  version    TEXT    NOT NULL,
  build      TEXT    NOT NULL,
  profile    TEXT    NOT NULL,
  pid        INTEGER NOT NULL
);

-- Small named values that belong to no other table (e.g. last clean shutdown).
CREATE TABLE kv (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL  -- UTC, ISO 8601
);
