// BookBoard: the engine's own copy of every venue book, together with what the feeds
// said about it — invalid since when and why (gap, checksum, crossed, disconnect),
// how often it was invalidated, and the latest mark price and funding.
//
// Guarantees: a book a feed declared invalid reads as invalid (`find()` returns it with
// valid() == false) until the feed delivers a fresh valid book, so strategies, which
// skip invalid books, never act on a book the adapter has given up on. Books are keyed
// by (venue id, symbol); a feed's first book creates its entry.
//
// Thread: the engine thread only. No allocation per update once an entry exists
// (copy-assignment reuses the level vectors).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/snapshot.hpp"
#include "core/common/clock.hpp"
#include "core/md/order_book.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::engine {

inline constexpr std::string_view kAwaitingFirstBook = "awaiting_first_book";

class BookBoard {
 public:
  // A book known before its feed starts (every configured instrument a venue lists);
  // it reads invalid with reason kAwaitingFirstBook until the feed's first book.
  void add(md::OrderBook book);

  // Replaces the entry's copy with `update` (creating it on first sight).
  const md::OrderBook& on_book(const md::OrderBook& update);
  // A feed's verdict on a book; unknown books (no book seen yet) are ignored.
  void on_book_state(std::string_view venue, std::string_view symbol, bool valid, std::string_view reason,
                     UtcTime now);
  void on_funding(std::string_view venue, const venues::FundingInfo& info);

  const md::OrderBook* find(std::string_view venue, std::string_view symbol) const;
  // The latest funding the feed reported for that book; nullptr when none yet.
  const venues::FundingInfo* funding(std::string_view venue, std::string_view symbol) const;
  // Why the feed declared that book invalid ("gap", "crossed", …); empty while valid or
  // unknown. Points into the board: valid until the next call that changes the entry.
  std::string_view invalid_reason(std::string_view venue, std::string_view symbol) const;
  // One view per book, in first-seen order; ages against `now`.
  std::vector<BookView> views(MonoTime now) const;

 private:
  struct Entry {
    explicit Entry(md::OrderBook book) : book(std::move(book)) {}
    md::OrderBook book;
    std::uint64_t updates = 0;
    std::string invalid_reason;  // empty while valid
    UtcTime invalid_since{};
    std::uint64_t invalidations = 0;
    std::optional<venues::FundingInfo> funding;
  };
  Entry* entry(std::string_view venue, std::string_view symbol);
  const Entry* entry(std::string_view venue, std::string_view symbol) const;

  std::vector<Entry> entries_;
};

}  // namespace propbot::engine
