// `propbot audit`: verify and export the hash-chained audit log (SPEC S-5.2, S-5.4)
// without a running daemon.
//
//   propbot audit verify --data-dir DIR     the chain in DIR/propbot.db
//   propbot audit verify --file FILE.jsonl  an export, standalone (also: verify FILE):
//                                           an audit export or a WORM export
//                                           (`propbot export`), told by its first line
//   propbot audit export --data-dir DIR --out FILE.jsonl
//
// verify prints `audit chain OK: N entries` and exits 0, or
// `audit chain BROKEN at id K: reason` and exits 1; for a WORM export it prints
// `OK: N records (audit A, incidents I, orders O, fills F, ledger_entries L), last
// chain hash H` or `BROKEN at line K: reason` (exit 1). export writes every entry as one
// JSON line (write-once: an existing FILE is refused), prints
// `audit export: N entries written to FILE` and exits 0. A usage error (unknown or
// missing flag, a data directory without a database) names the flag on stderr and
// exits 2; a database or file that cannot be read exits 1 with the reason.
//
// The database is opened read-only and never migrated, so verifying is safe next to a
// running daemon (WAL) and on a copy. Uses core/control AuditLog and core/store.
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int audit_command(const std::vector<std::string>& args);

}  // namespace propbot::app
