// Binance USD-M futures depth parsers (protocols.md A7, A2): the `depthUpdate` diff
// event (raw stream or combined-stream wrapper `{"stream":..,"data":{..}}`) and the
// REST snapshot `GET /fapi/v1/depth`. Prices and quantities arrive as decimal strings
// and leave as integer ticks and lots of the instrument (LevelGrid).
//
// Guarantees: hot-path safe — parsing writes into caller-owned structs whose vectors
// are cleared, not freed, so once they have grown to the venue's message size a parse
// does not allocate (error messages aside). Keys may come in any order; unknown keys
// are skipped; a duplicated field is an error. Views (stream, symbol) point into the
// parsed text, which the caller must keep alive while it reads them. Errors are
// Errc::parse_error with a message naming the field ("depthUpdate: field 'pu'
// missing"); a price off the tick grid or a quantity off the lot grid is an error,
// never rounded. Never throws (beyond std::bad_alloc while vectors grow). Uses
// JsonScanner, LevelGrid, BookLevel.
//
// Thread: pure functions; the engine thread owns the output structs.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/md/level_grid.hpp"
#include "core/md/order_book.hpp"

namespace propbot::md {

struct BinanceDepthUpdate {
  std::string_view stream;  // combined-stream name ("btcusdt@depth@100ms"); empty on a raw stream
  std::string_view symbol;  // s
  std::int64_t event_time_ms = 0;        // E
  std::int64_t transaction_time_ms = 0;  // T
  std::int64_t first_id = 0;             // U
  std::int64_t final_id = 0;             // u
  std::int64_t prev_final_id = 0;        // pu
  std::vector<BookLevel> bids;           // b, absolute quantities; 0 removes
  std::vector<BookLevel> asks;           // a

  // Empties the struct, keeping the vectors' capacity.
  void clear();
};

struct BinanceDepthSnapshot {
  std::int64_t last_update_id = 0;       // lastUpdateId
  std::int64_t event_time_ms = 0;        // E (0 when absent)
  std::int64_t transaction_time_ms = 0;  // T (0 when absent)
  std::vector<BookLevel> bids;
  std::vector<BookLevel> asks;

  void clear();
};

// A `depthUpdate` event, bare or inside the combined-stream wrapper. Requires e
// ("depthUpdate"), E, T, s, U, u, pu, b, a and U <= u.
Status parse_binance_depth_update(std::string_view text, const LevelGrid& grid, BinanceDepthUpdate& out);

// The REST depth snapshot. Requires lastUpdateId, bids, asks; E and T are optional.
Status parse_binance_depth_snapshot(std::string_view text, const LevelGrid& grid, BinanceDepthSnapshot& out);

}  // namespace propbot::md
