-- 0004_config_activations: which config bundle version the engine ran, from when, and
-- why (SPEC S-7.5 hot reload). Written by core/bundle (ActivationStore); one row per
-- swap the engine completed: the start-up load, an apply, a rollback. created_at is
-- UTC ISO 8601 with milliseconds, so text order is time order.

-- source: startup | apply | rollback | approval (an apply confirmed by a second operator).
-- from_version is the version running before the swap (NULL at start-up).
-- rollback_token: the random token that undoes this activation (returns to
-- from_version); NULL when there is nothing to return to. rolled_back_at is set, once,
-- when the token is used; a used token is refused.
CREATE TABLE config_activations (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at      TEXT NOT NULL,
  version         INTEGER NOT NULL REFERENCES config_bundles(version),
  from_version    INTEGER REFERENCES config_bundles(version),
  source          TEXT NOT NULL CHECK (source IN ('startup', 'apply', 'rollback', 'approval')),
  actor           TEXT NOT NULL,
  message         TEXT NOT NULL,
  disk_hash       TEXT NOT NULL,
  rollback_token  TEXT UNIQUE,
  rolled_back_at  TEXT
);

-- Only rolled_back_at may change, and only from NULL: the rest is history.
CREATE TRIGGER config_activations_history_only BEFORE UPDATE ON config_activations
WHEN NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at OR NEW.version IS NOT OLD.version
  OR NEW.from_version IS NOT OLD.from_version OR NEW.source IS NOT OLD.source OR NEW.actor IS NOT OLD.actor
  OR NEW.message IS NOT OLD.message OR NEW.disk_hash IS NOT OLD.disk_hash
  OR NEW.rollback_token IS NOT OLD.rollback_token OR OLD.rolled_back_at IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'config_activations: only rolled_back_at may be set, once');
END;

CREATE TRIGGER config_activations_refuse_delete BEFORE DELETE ON config_activations
BEGIN
  SELECT RAISE(ABORT, 'config_activations is history: DELETE refused');
END;
