// The recon daemon's vocabulary (SPEC S-9.2): what a difference between the desk's
// records and a venue's is called, and the daemon's state. Stable names: the API
// (`GET /api/ui/recon/status`) prints them and tests outside the repository read them.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace propbot::ledger {

// What differs: a position (net quantity on a venue and symbol, or the desk's
// neutrality across venues), an order (open at the venue but not in the journal, or
// resting in the journal but gone at the venue), the balance (wallet), a fill's fee, or
// a funding payment (booked by the venue but wrong, or expected and never paid).
enum class ReconDiffKind { position, order, balance, fee, funding };
inline constexpr std::array<ReconDiffKind, 5> kAllReconDiffKinds = {
    ReconDiffKind::position, ReconDiffKind::order, ReconDiffKind::balance, ReconDiffKind::fee, ReconDiffKind::funding};
constexpr std::string_view to_string(ReconDiffKind kind) {
  switch (kind) {
    case ReconDiffKind::position: return "position";
    case ReconDiffKind::order: return "order";
    case ReconDiffKind::balance: return "balance";
    case ReconDiffKind::fee: return "fee";
    case ReconDiffKind::funding: return "funding";
  }
  return "position";
}

// PENDING until the first complete pass, then OK or MISMATCH (a confirmed difference).
enum class ReconState { pending, ok, mismatch };
inline constexpr std::array<ReconState, 3> kAllReconStates = {ReconState::pending, ReconState::ok, ReconState::mismatch};
constexpr std::string_view to_string(ReconState state) {
  switch (state) {
    case ReconState::pending: return "PENDING";
    case ReconState::ok: return "OK";
    case ReconState::mismatch: return "MISMATCH";
  }
  return "PENDING";
}

// The venue name a desk-wide difference (neutrality across venues) carries.
inline constexpr std::string_view kDeskVenue = "*";

struct ReconDiff {
  std::string venue;        // venue id, or kDeskVenue
  std::string symbol;       // canonical symbol; empty for a balance
  ReconDiffKind kind = ReconDiffKind::position;
  std::string ours;         // the desk's figure, as text ("none" when it has nothing)
  std::string venue_value;  // the venue's figure, as text ("none" when it has nothing)
  std::string item;         // what it is about within (venue, symbol, kind): a client order
                            // id, a trade id, a funding time, "unhedged"; may be empty
  std::string detail;       // one sentence for the operator

  // (venue, symbol, kind, item): the same difference seen again has the same key.
  std::string key() const { return venue + "|" + symbol + "|" + std::string(to_string(kind)) + "|" + item; }
  bool same_values(const ReconDiff& other) const { return ours == other.ours && venue_value == other.venue_value; }
};

}  // namespace propbot::ledger
