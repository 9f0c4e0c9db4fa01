// `propbot export`: the WORM export of a data directory (SPEC S-5.4; format and contents
// in core/control/worm_format.hpp and worm_export.hpp), without a running daemon or next
// to one (read-only, one read transaction per database).
//
//   propbot export --data-dir DIR --out FILE.jsonl [--from ISO8601] [--to ISO8601]
//                  [--csv-dir DIR2] [--force]
//
// Prints `worm export: N records (audit A, incidents I, orders O, fills F,
// ledger_entries L) written to FILE, last chain hash H` (and one `csv: PATH` line per
// CSV) and exits 0. An existing FILE (or CSV) without --force, an unknown or missing
// flag, a bad time ("2026-12-01T00:00:00Z", 'Z' required) or a data directory without
// propbot.db is a usage error: named on stderr, exit 2. A database or file that cannot
// be read or written exits 1 with the reason. Verify the file with
// `propbot audit verify --file FILE.jsonl`.
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int export_command(const std::vector<std::string>& args);

}  // namespace propbot::app
