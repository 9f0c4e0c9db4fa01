// The OKX books channel's price levels as the simulator publishes them: the exact
// strings sent (the checksum is computed over those strings, B6), the JSON level arrays
// ["px","sz","0","orders"], the CRC32 checksum of the top 25 levels, and the diff of
// two published sides.
//
// Guarantees: pure functions, no I/O; the checksum is md::okx_book_checksum over the
// same strings the client receives, so a correct client always agrees with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace propbot::venues::sim::okx_frontend {

// The deepest a book is kept, published or answered (books?sz= is clamped to it).
constexpr std::size_t kMaxBookLevels = 400;

// A price level as published on the books channel (exact strings).
struct WireLevel {
  std::string px;
  std::string sz;
};

// The first `limit` levels as ["px","sz","0","1"] arrays.
nlohmann::json levels_json(const std::vector<WireLevel>& levels, std::size_t limit = kMaxBookLevels);
// OKX's CRC32 checksum over the top 25 levels of each side (signed, as sent).
std::int32_t checksum_of(const std::vector<WireLevel>& bids, const std::vector<WireLevel>& asks);
// Levels changed between two best-first sides: new or resized levels with their new
// size, removed levels with size "0".
nlohmann::json diff_side(const std::vector<WireLevel>& before, const std::vector<WireLevel>& after);

}  // namespace propbot::venues::sim::okx_frontend
