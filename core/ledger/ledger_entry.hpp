// LedgerEntry: a movement of a venue account's cash that is not a fill — the opening
// balance the ledger starts counting from, a funding payment as the venue booked it,
// an operator's adjustment (SPEC S-9.1). Fills are the journal's; these complete the
// cash side so that, per venue and asset,
//
//   wallet = opening + Σ realised PnL of fills − Σ fees + Σ funding + Σ adjustments.
//
// An entry is keyed by (venue, kind, ref): the venue's own id for a funding payment
// (Binance tranId, OKX billId), "opening" for the opening balance, an operator-chosen id
// for an adjustment. Amounts are exact Decimals as the venue printed them (+ = credit).
//
// LedgerEntries is where they are kept: SqliteLedgerEntries (the table ledger_entries
// in journal.sqlite, beside the fills, so one backup holds the whole ledger) or
// MemoryLedgerEntries (tests, runs without a journal).
//
// Thread: the engine's driving thread.
#pragma once

#include <array>
#include <set>
#include <tuple>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"

namespace propbot::ledger {

enum class LedgerEntryKind { opening_balance, funding, adjustment };

inline constexpr std::array<LedgerEntryKind, 3> kAllLedgerEntryKinds = {
    LedgerEntryKind::opening_balance, LedgerEntryKind::funding, LedgerEntryKind::adjustment};

constexpr std::string_view to_string(LedgerEntryKind kind) {
  switch (kind) {
    case LedgerEntryKind::opening_balance: return "opening_balance";
    case LedgerEntryKind::funding: return "funding";
    case LedgerEntryKind::adjustment: return "adjustment";
  }
  return "adjustment";
}
Result<LedgerEntryKind> parse_ledger_entry_kind(std::string_view text);

struct LedgerEntry {
  std::uint64_t id = 0;       // assigned by the store (0 on input)
  std::int64_t ts_ms = 0;     // when the venue booked it (opening: when it was read)
  std::string venue;
  LedgerEntryKind kind = LedgerEntryKind::funding;
  std::string asset;          // e.g. USDT
  std::string symbol;         // canonical BASE-QUOTE for funding; empty otherwise
  std::string ref;            // with venue and kind, the key
  Decimal amount;             // + credit, − debit (opening: the wallet)
  std::string strategy;       // funding: the strategy it is attributed to (the largest holder
                              // there when booked; empty: unattributed); else empty
  std::string note;           // free text for people (never parsed)
};

// Where entries are kept. append() is idempotent on the key: an entry already kept is
// `false` (not an error) and changes nothing.
class LedgerEntries {
 public:
  virtual ~LedgerEntries() = default;
  virtual Result<bool> append(LedgerEntry& entry) = 0;
  // Every entry, in id order.
  virtual Result<std::vector<LedgerEntry>> all() const = 0;
};

// In memory; bounded by `max_entries` (append beyond it is an overflow error).
class MemoryLedgerEntries final : public LedgerEntries {
 public:
  explicit MemoryLedgerEntries(std::size_t max_entries = 1'000'000) : max_entries_(max_entries) {}
  Result<bool> append(LedgerEntry& entry) override;
  Result<std::vector<LedgerEntry>> all() const override { return entries_; }

 private:
  std::size_t max_entries_;
  std::vector<LedgerEntry> entries_;
  std::set<std::tuple<std::string, LedgerEntryKind, std::string>> keys_;
};

}  // namespace propbot::ledger
