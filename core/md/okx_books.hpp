// OKX v5 `books` channel push parser (protocols.md B6; also books-l2-tbt and
// books50-l2-tbt, which share the shape): `{"arg":{"channel","instId"},"action":
// "snapshot"|"update","data":[{"asks","bids","ts","checksum","prevSeqId","seqId"}]}`.
//
// Units: prices become ticks of the instrument. Sizes on OKX derivatives are in
// contracts, and they become lots where LevelGrid's lot is the instrument's OKX
// `lotSz` in contracts (e.g. 0.01 for BTC-USDT-SWAP, 1 for many others). The base
// quantity of one lot is then lotSz × ctVal, which is what the book's
// InstrumentSpec::lot_size must hold (0.01 × 0.01 BTC = 0.0001 BTC for BTC-USDT-SWAP).
// Spot sizes are already in base units: use lotSz there.
//
// Guarantees: every level also keeps its price and size text exactly as received
// ("0.10" stays "0.10") in fixed inline storage, because the checksum must be computed
// over those strings; text longer than ShortText::capacity is a parse error. Parsing
// writes into a caller-owned message whose vectors are reused, so the steady state
// does not allocate. `data` must hold exactly one book; action, checksum, seqId and
// prevSeqId are required (books5 / bbo-tbt are not handled here). Errors are
// Errc::parse_error naming the field ("books: field 'seqId' missing"). Never throws
// (beyond std::bad_alloc while vectors grow). Views point into the parsed text.
//
// Thread: pure functions; the engine thread owns the output struct.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/md/level_grid.hpp"

namespace propbot::md {

// A short string held inline (no heap): a price or size exactly as the venue sent it.
struct ShortText {
  static constexpr std::size_t capacity = 23;

  std::array<char, capacity> chars{};
  std::uint8_t length = 0;

  std::string_view view() const { return {chars.data(), length}; }
  // False (and unchanged) when `text` is longer than capacity.
  bool assign(std::string_view text);
};

struct OkxBookLevel {
  std::int64_t price_ticks = 0;
  std::int64_t size_lots = 0;
  ShortText price_text;
  ShortText size_text;
};

enum class OkxBookAction { snapshot, update };

struct OkxBooksMessage {
  std::string_view channel;  // arg.channel, e.g. "books"
  std::string_view inst_id;  // arg.instId, e.g. "BTC-USDT-SWAP"
  OkxBookAction action = OkxBookAction::update;
  std::int64_t ts_ms = 0;          // data[0].ts (sent as a string)
  std::int32_t checksum = 0;       // data[0].checksum, signed CRC32
  std::int64_t prev_seq_id = 0;    // -1 on a snapshot
  std::int64_t seq_id = 0;
  std::vector<OkxBookLevel> bids;  // as sent: best first on a snapshot, any order on an update
  std::vector<OkxBookLevel> asks;

  void clear();
};

Status parse_okx_books(std::string_view text, const LevelGrid& grid, OkxBooksMessage& out);

}  // namespace propbot::md
