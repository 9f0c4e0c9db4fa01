// `propbot market-history --data-dir DIR [--minutes N] [--limit ROWS]`: the last N
// minutes (default 10) of the market history (SPEC S-9.6) in DIR, at most ROWS rows
// (default 2000, the newest), printed as one JSON array, oldest first — the rows
// MarketHistoryStore::recent() gives a forensic bundle. Opens the database read-only,
// so it is safe next to a running daemon. A usage error exits 2; a missing or
// unreadable database exits 1 with the reason. Uses core/history.
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int market_history_command(const std::vector<std::string>& args);

}  // namespace propbot::app
