// `propbot backup` and `propbot restore`: the ledger (the journal database,
// DIR/journal.sqlite, every table in it) copied out of and back into a data directory
// (SPEC S-9.5).
//
//   propbot backup --data-dir DIR --out FILE [--force]
//     An online backup (core/store/online_backup.hpp) of DIR/journal.sqlite to FILE —
//     safe while a daemon runs on DIR and writes. An existing FILE is refused unless
//     --force. Prints `backup written: FILE (N bytes)`.
//
//   propbot restore --data-dir DIR --from FILE [--force]
//     Refuses while a daemon holds DIR's lock (core/store/data_dir_lock.hpp) and holds
//     that lock itself meanwhile, so no daemon starts half-way. FILE must be a SQLite
//     database that passes `PRAGMA integrity_check` and has the journal's tables. An
//     existing DIR/journal.sqlite is refused unless --force; with --force the current
//     journal.sqlite, its -wal and -shm and the journal's outbox directory
//     (journal-outbox/, which the daemon would otherwise replay over the restored
//     database at start) are moved — never deleted — into DIR/backups/pre_restore_<UTC>/.
//     The copy is installed with the online backup API (temp file + rename, 0600).
//     Prints `restored DIR/journal.sqlite from FILE`.
//
// Exit codes: 0 done; 2 a usage error (unknown or missing flag, a path that is not
// there, a file that would be replaced without --force) named on stderr with the fix;
// 1 a failure (the copy failed, FILE is not a journal, a daemon holds DIR).
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int backup_command(const std::vector<std::string>& args);
int restore_command(const std::vector<std::string>& args);

}  // namespace propbot::app
