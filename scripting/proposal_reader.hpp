// Proposal reading: the Lua host's boundary with the core — the table a script passes
// to ctx:propose{…} turned into the core's typed Intent (core/common/intent.hpp), every
// field read and checked against what intent.hpp documents per kind: `kind` and `side`
// become IntentKind and Side, `notional_usdt` and the prices exact Decimals
// (intent_decimal: the shortest decimal of the script's double).
//
// Guarantees: an Intent is only filled as far as a consumer may rely on it — a
// missing or malformed field, a non-finite number, a bound exceeded
// (max_slippage_bps in [0, 10000], time_guard_ms in (0, 86400000]), a `reduce_only` or
// `post_only` that is not a boolean, an amount outside
// what a Decimal holds (notional_usdt and prices beyond [1e-18, 1e18]) or a field of the
// other kind is refused, and so is a venue or symbol the profile does not have (the
// ProposalScope below); the refusal names the first offending field and what it
// must be, e.g. `ctx:propose: field 'side' must be "buy" or "sell", got "long"`,
// `ctx:propose: field 'long_venue' names venue "BINANACE", which this profile does not
// have (venues: SIM-A, SIM-B)`. The
// reader never raises a Lua error itself: the caller (ctx:propose) raises with the
// message once no C++ object it owns is alive.
//
// Thread: whichever runs the script (the engine thread). Runs inside the script's
// protected call, so the table is read through its metamethods (lua_getfield). The
// message is built on a refusal only: the accepted path formats nothing.
#pragma once

#include <string>
#include <vector>

#include "core/common/intent.hpp"

struct lua_State;

namespace propbot::scripting {

// What the profile has: a proposal may only name these. `venues` is the MarketView's
// venue_ids() (every venue field is checked against it); `symbols` the configured
// symbols (StrategyEnv::symbols; empty: any symbol). Both are read, never kept.
struct ProposalScope {
  const std::vector<std::string>& venues;
  const std::vector<std::string>& symbols;
};

// Reads the ctx:propose table at absolute stack index `table` into `intent`
// (`intent.strategy` is left as the caller set it). Returns "" when the proposal is
// valid, else the refusal message (and `intent` is partly filled: discard it).
std::string read_proposal(lua_State* L, int table, const ProposalScope& scope, Intent& intent);

}  // namespace propbot::scripting
