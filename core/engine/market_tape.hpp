// MarketTape: the engine's bounded recording of the book and funding events it received,
// for shadow validation (issue 15): validate and apply replay the last minutes of real
// market data through a changed strategy (core/shadow/shadow_replay.hpp).
//
// What is kept: each book update as the book was after it (its top `depth` levels a side,
// in ticks and lots, with its sequence), each funding update (rate, mark, index, next
// funding time), and the monotonic time the engine received it. Instruments (venue,
// symbol, tick, lot) are kept once in a table, not per event; the UTC time of an event is
// derived from one (monotonic, UTC) pair taken when a view is made. Invalid books are not
// recorded (the strategies are not given them either).
//
// Bounds (the config's `validation.*`, restart-only): events older than `window` are
// dropped, and at most `max_events` events are kept (the oldest whole blocks go first, so
// between max_events − 2 × block_events and max_events stay once it is full).
// Memory: each event is one TapeEvent record (sizeof(TapeEvent), 88 bytes) plus 16 bytes
// per book level kept (at most 2 × depth), so the events hold at most
//   max_events × (88 + 32 × depth) bytes
// plus the open block's reserved storage, block_events × (88 + 32 × depth) — 100,000
// events at depth 10: 40.8 MB + 0.4 MB at most; 5 minutes of the paper profile (~11,700
// books and ~17,600 funding updates; a funding update keeps no levels) about 6.3 MB
// (docs/PERFORMANCE.md). Steady state allocates nothing per event: events are written
// into one open block whose storage is reused; a block is sealed (copied once into an
// immutable shared block) when it is full or older than `seal_after` at a view().
//
// Sharing: view() answers an immutable MarketTapeView (shared sealed blocks; rebuilt only
// when a block was sealed or dropped) that the engine publishes with each snapshot, so a
// validation on another thread reads it without stalling the engine. A view lags the
// engine by at most `seal_after` plus one snapshot interval.
//
// Thread: MarketTape belongs to the engine's driving thread; a MarketTapeView is
// immutable and may be read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/decimal.hpp"
#include "core/md/instrument.hpp"
#include "core/md/order_book.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::engine {

enum class TapeEventKind : std::uint8_t { book, funding };

// One recorded event. A book's levels are block.levels[first_level, first_level + bids)
// (best first) then the asks' [first_level + bids, first_level + bids + asks).
struct TapeEvent {
  MonoTime at{};                 // when the engine received it
  std::uint64_t sequence = 0;    // book: the book's sequence
  std::uint32_t instrument = 0;  // index into the view's instruments
  std::uint32_t first_level = 0;
  std::uint8_t bids = 0;
  std::uint8_t asks = 0;
  TapeEventKind kind = TapeEventKind::book;
  // funding
  Decimal funding_rate;
  Decimal mark_price;
  Decimal index_price;
  std::int64_t next_funding_ms = 0;  // 0: unknown
};

// Sealed events, oldest first; immutable once shared.
struct TapeBlock {
  std::vector<TapeEvent> events;
  std::vector<md::BookLevel> levels;
};

// What a validation replays: the sealed blocks of the window, oldest first.
struct MarketTapeView {
  std::vector<std::shared_ptr<const TapeBlock>> blocks;
  std::shared_ptr<const std::vector<md::InstrumentSpec>> instruments;
  MonoTime from{};      // events before it are outside the window (skipped by for_each)
  MonoTime ref_mono{};  // ref_mono and ref_utc were read together: utc(t) = ref_utc + (t - ref_mono)
  UtcTime ref_utc{};
  int window_s = 0;
  int depth = 0;

  UtcTime utc_of(MonoTime at) const { return ref_utc + (at - ref_mono); }
  // The events inside the window, oldest first.
  void for_each(const std::function<void(const TapeEvent&, const TapeBlock&)>& visit) const;
  std::size_t events() const;  // inside the window
  bool empty() const { return events() == 0; }
};

class MarketTape {
 public:
  struct Options {
    Nanos window{std::chrono::seconds(300)};  // 0: the tape is off (records nothing)
    std::size_t max_events = 100'000;
    int depth = 10;
    std::size_t block_events = 1024;  // at most max_events / 4
    Nanos seal_after{std::chrono::seconds(1)};
  };

  explicit MarketTape(Options options);

  bool enabled() const { return options_.window.count() > 0; }
  void on_book(const md::OrderBook& book, MonoTime at);
  void on_funding(const std::string& venue, const venues::FundingInfo& info, MonoTime at);
  // Seals the open block when it is older than seal_after, drops what fell out of the
  // bounds, and answers the view (the same pointer while nothing changed). Null when off.
  std::shared_ptr<const MarketTapeView> view(MonoTime now, UtcTime utc_now);

  std::size_t events() const { return sealed_events_ + open_.events.size(); }
  // Bytes held by events and levels (sealed and open), for the bound above.
  std::size_t bytes() const;
  const Options& options() const { return options_; }

 private:
  std::uint32_t instrument_of(const std::string& venue, const std::string& symbol, const md::InstrumentSpec* spec);
  // Makes room (seals a full open block) and starts the next event's record.
  TapeEvent next_event(MonoTime at, TapeEventKind kind, std::uint32_t instrument);
  void seal();
  void drop(MonoTime now);

  Options options_;
  std::shared_ptr<const std::vector<md::InstrumentSpec>> instruments_;
  TapeBlock open_;  // its storage is reused after each seal
  std::deque<std::shared_ptr<const TapeBlock>> sealed_;
  std::size_t sealed_events_ = 0;
  std::size_t sealed_levels_ = 0;
  bool changed_ = true;
  std::shared_ptr<const MarketTapeView> view_;
};

// The tape's options from the config's validation.* keys.
MarketTape::Options tape_options(int window_s, int max_events, int depth);

}  // namespace propbot::engine
