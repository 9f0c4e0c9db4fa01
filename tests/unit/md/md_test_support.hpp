// Helpers for the market-data tests and benchmarks: fixture loading, message
// builders in the venues' real formats, and an independent reference for the OKX
// checksum (a std::map of std::strings and a bit-by-bit CRC-32) so that the
// production table-driven code is checked against something it does not share.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/md/instrument.hpp"
#include "core/md/level_grid.hpp"

namespace propbot::md::testing {

inline std::string read_fixture(const std::string& relative) {
#ifdef PROPBOT_SOURCE_DIR
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/tests/fixtures/venues/" + relative, std::ios::binary);
#else
  std::ifstream in("tests/fixtures/venues/" + relative, std::ios::binary);
#endif
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline Decimal dec(const char* text) { return Decimal::parse(text).value(); }

// BTCUSDT perpetual on Binance: tick 0.10, step 0.001.
inline LevelGrid binance_grid() { return LevelGrid::create(dec("0.1"), dec("0.001")).value(); }
inline InstrumentSpec binance_spec() { return {"BINANCE", "BTC-USDT", "PERP", 0.1, 0.001, 100.0}; }
// BTC-USDT-SWAP on OKX: tick 0.1, lotSz 0.01 contracts of ctVal 0.01 BTC → 0.0001 BTC per lot.
inline LevelGrid okx_grid() { return LevelGrid::create(dec("0.1"), dec("0.01")).value(); }
inline InstrumentSpec okx_spec() { return {"OKX", "BTC-USDT", "PERP", 0.1, 0.0001, 5.0}; }

using TextLevel = std::pair<std::string, std::string>;  // price, size as sent

inline std::string levels_json(const std::vector<TextLevel>& levels, bool okx) {
  std::string out = "[";
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (i > 0) out += ",";
    out += "[\"" + levels[i].first + "\",\"" + levels[i].second + "\"";
    if (okx) out += ",\"0\",\"1\"";
    out += "]";
  }
  return out + "]";
}

inline std::string binance_update_json(std::int64_t first_id, std::int64_t final_id, std::int64_t prev_final_id,
                                       const std::vector<TextLevel>& bids, const std::vector<TextLevel>& asks) {
  return "{\"e\":\"depthUpdate\",\"E\":1732000000123,\"T\":1732000000120,\"s\":\"BTCUSDT\",\"U\":" +
         std::to_string(first_id) + ",\"u\":" + std::to_string(final_id) + ",\"pu\":" + std::to_string(prev_final_id) +
         ",\"b\":" + levels_json(bids, false) + ",\"a\":" + levels_json(asks, false) + "}";
}

inline std::string binance_snapshot_json(std::int64_t last_update_id, const std::vector<TextLevel>& bids,
                                         const std::vector<TextLevel>& asks) {
  return "{\"lastUpdateId\":" + std::to_string(last_update_id) + ",\"E\":1732000000050,\"T\":1732000000045,\"bids\":" +
         levels_json(bids, false) + ",\"asks\":" + levels_json(asks, false) + "}";
}

inline std::string okx_books_json(bool snapshot, std::int64_t prev_seq_id, std::int64_t seq_id, std::int32_t checksum,
                                  const std::vector<TextLevel>& bids, const std::vector<TextLevel>& asks) {
  return std::string("{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT-SWAP\"},\"action\":\"") +
         (snapshot ? "snapshot" : "update") + "\",\"data\":[{\"asks\":" + levels_json(asks, true) +
         ",\"bids\":" + levels_json(bids, true) + ",\"ts\":\"1732000000100\",\"checksum\":" + std::to_string(checksum) +
         ",\"prevSeqId\":" + std::to_string(prev_seq_id) + ",\"seqId\":" + std::to_string(seq_id) + "}]}";
}

// Bit-at-a-time CRC-32 (IEEE), deliberately unlike the production tables.
inline std::uint32_t reference_crc32(const std::string& text) {
  std::uint32_t crc = 0xFFFFFFFFU;
  for (const unsigned char byte : text) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1U) != 0 ? (crc >> 1) ^ 0xEDB88320U : crc >> 1;
  }
  return ~crc;
}

// The OKX merge rule and checksum over strings, ordered by Decimal value.
class ReferenceOkxBook {
 public:
  void clear() {
    bids_.clear();
    asks_.clear();
  }
  void apply(const std::vector<TextLevel>& bids, const std::vector<TextLevel>& asks) {
    merge(bids_, bids);
    merge(asks_, asks);
  }
  std::string checksum_text() const {
    std::vector<const TextLevel*> bids;
    std::vector<const TextLevel*> asks;
    for (auto it = bids_.rbegin(); it != bids_.rend(); ++it) bids.push_back(&it->second);
    for (const auto& [price, level] : asks_) asks.push_back(&level);
    std::string text;
    const auto add = [&text](const TextLevel* level) {
      if (!text.empty()) text += ":";
      text += level->first + ":" + level->second;
    };
    for (std::size_t i = 0; i < 25; ++i) {
      if (i < bids.size()) add(bids[i]);
      if (i < asks.size()) add(asks[i]);
    }
    return text;
  }
  std::int32_t checksum() const { return static_cast<std::int32_t>(reference_crc32(checksum_text())); }
  std::size_t bid_count() const { return bids_.size(); }
  std::size_t ask_count() const { return asks_.size(); }

 private:
  static void merge(std::map<Decimal, TextLevel>& side, const std::vector<TextLevel>& levels) {
    for (const TextLevel& level : levels) {
      const Decimal price = dec(level.first.c_str());
      if (dec(level.second.c_str()).is_zero()) {
        side.erase(price);
      } else {
        side[price] = level;
      }
    }
  }
  std::map<Decimal, TextLevel> bids_;
  std::map<Decimal, TextLevel> asks_;
};

}  // namespace propbot::md::testing
