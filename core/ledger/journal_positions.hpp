// JournalPositions: the desk's PositionBook as the executor and the engine use it — built
// from the journal at start (positions derived from fills, never from a cache), told of
// a position the rebuild did not see when its first fill comes back from a venue's
// history, and answering the executor's questions (exec::PositionLookup): the position a
// close reduces, the one a flatten order closes, the pairs a crash left unhedged.
//
// Thread: the engine's driving thread; the journal must outlive it.
#pragma once

#include <memory>

#include "core/common/result.hpp"
#include "core/exec/execution_ports.hpp"
#include "core/exec/journal.hpp"
#include "core/ledger/position_book.hpp"

namespace propbot::ledger {

class JournalPositions final : public exec::PositionLookup {
 public:
  // The book rebuilt from the journal's fills and the order events of the positions they
  // (and the unfinished orders) belong to. Errors: the rebuild's (a fill that breaks an
  // invariant, naming its journal seq).
  // `observer`: PositionBook::rebuild's, for every fill replayed.
  static Result<std::unique_ptr<JournalPositions>> rebuild(const exec::Journal& journal,
                                                           const PositionBook::FillObserver& observer = nullptr);
  // An empty book (the rebuild failed: the caller raised it).
  explicit JournalPositions(const exec::Journal& journal) : journal_(journal) {}

  PositionBook& book() { return book_; }
  const PositionBook& book() const { return book_; }

  // A fill of a position the book has not seen (its first fill recovered from a venue's
  // history after a crash): the position is declared from the journal's planned legs
  // first, then the fill applies. Errors: the book's.
  Status on_fill(const exec::FillEntry& fill);

  std::optional<exec::ClosablePosition> closable(std::string_view strategy, std::string_view symbol,
                                                 std::string_view venue_a, std::string_view venue_b) const override;
  std::uint64_t holder(std::string_view venue, std::string_view symbol, bool simulated) const override;
  std::vector<std::uint64_t> unhedged() const override;
  double venue_notional_usdt(std::string_view venue) const override;
  std::optional<Decimal> strategy_holding(std::string_view strategy, std::string_view venue,
                                          std::string_view symbol) const override;

 private:
  const exec::Journal& journal_;
  PositionBook book_;
};

}  // namespace propbot::ledger
