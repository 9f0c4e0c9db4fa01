// CashLedger: each venue account's cash and net positions as the desk's records say they
// must be (SPEC S-9.1) — computed from every real fill in the journal and the ledger's
// cash entries (ledger_entry.hpp), never from what a venue reports. The recon daemon
// holds the venues' own figures against it.
//
// Per venue and symbol it keeps the account's net quantity and cost basis the way the
// venue books them (the cost of what is open; a reduction releases its share of the
// cost, rounded to 1e-8; a flip opens the rest at the fill's price), so the realised PnL
// it derives is the venue's. Per venue (USDT):
//
//   wallet = opening + realised − fees + funding + adjustments
//
// Two quantities per (venue, symbol):
// - journal_position: Σ every real fill the journal holds — the account's net position;
// - desk_position: Σ the fills the desk caused (its orders' and the flatten's). A fill
//   under nobody's order (placed at the venue by someone else with the desk's keys) moves
//   the first but not the second: the recon reports the difference as a position diff.
// Cash counts every real fill (the venue's wallet does). Simulated (dry-run) fills and
// fees in another asset than USDT never touch the USDT cash (other assets are kept
// apart, per venue).
//
// Invariants (check_invariants): per (venue, symbol), the cash the fills moved equals
// realised − sign(position)·cost (every rounding of a release lands in both); per venue,
// the wallet equals the sum of its parts. A violation is a bug or a corrupted journal:
// the caller raises P0 ledger_invariant_violated.
//
// Bounds: one row per (venue, symbol) ever traded (the allowlisted universe), one per
// venue; entries are folded in, not kept.
//
// Thread: the engine's driving thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/exec/journal.hpp"
#include "core/ledger/ledger_entry.hpp"
#include "core/ledger/venue_symbol_map.hpp"

namespace propbot::ledger {

inline constexpr std::string_view kCashAsset = "USDT";

// The account's net holding on one (venue, symbol), as the venue books it.
struct NetHolding {
  Decimal journal_position;  // Σ every real fill: + long, − short
  Decimal desk_position;     // Σ the fills the desk caused
  Decimal cost;              // Σ qty × price of what is open (≥ 0)
  Decimal realized;          // realised PnL of the fills (venue's method)
  Decimal cash_flow;         // Σ sells' qty × price − Σ buys' (the invariant's other side)
  Decimal fees;              // USDT fees of fills on it (+ paid, − rebate)
  std::uint64_t fills = 0;
  std::uint64_t foreign_fills = 0;  // real fills under nobody's order
  std::int64_t last_fill_ms = 0;
};

struct VenueCash {
  bool has_opening = false;
  Decimal opening;
  std::int64_t opening_ts_ms = 0;
  Decimal realized;
  Decimal fees;       // + paid, − rebates
  Decimal funding;    // + received
  Decimal adjustments;
  std::map<std::string, Decimal, std::less<>> fees_other_assets;
  // opening + realized − fees + funding + adjustments
  Result<Decimal> wallet() const;
  // realized − fees + funding + adjustments: what moved the wallet since the opening.
  Result<Decimal> flows() const;
};

// True for a real fill no order of the desk explains: not simulated, no intent, not the
// flatten's.
bool is_foreign_fill(const exec::FillEntry& fill);

class CashLedger {
 public:
  // Real fills move cash and positions; a simulated one is ignored (ok). Errors: an
  // arithmetic overflow (the fill is then not applied).
  Status on_fill(const exec::FillEntry& fill);
  // An opening balance sets the venue's opening (a later one for the same venue is an
  // already_exists error: an account opens once); funding and adjustments add.
  Status on_entry(const LedgerEntry& entry);

  const VenueCash* cash(std::string_view venue) const;
  const NetHolding* holding(std::string_view venue, std::string_view symbol) const;
  Decimal journal_position(std::string_view venue, std::string_view symbol) const;
  Decimal desk_position(std::string_view venue, std::string_view symbol) const;
  // Every (venue, symbol) with a holding, ordered.
  template <typename Fn>
  void for_each_holding(Fn&& fn) const {
    holdings_.for_each([&](const std::string& venue, const std::string& symbol, const NetHolding& h) { fn(venue, symbol, h); });
  }
  const std::map<std::string, VenueCash, std::less<>>& venues() const { return cash_; }

  // "" when every invariant holds, else what broke (venue, symbol, both sides).
  std::string check_invariants() const;
  std::string check_invariants(std::string_view venue, std::string_view symbol) const;

 private:
  VenueSymbolMap<NetHolding> holdings_;
  std::map<std::string, VenueCash, std::less<>> cash_;
};

}  // namespace propbot::ledger
