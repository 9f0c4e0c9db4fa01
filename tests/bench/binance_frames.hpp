// BinanceFrames: pre-generated Binance USD-M `depthUpdate` frames in the venue's real
// format for the benchmarks — a 1000-level snapshot around 97 000.0 (tick 0.1) and
// kFrames diffs of 10 levels each (5 bids + 5 asks within 20 USDT of the top, one in
// ten a removal), chained by U/u/pu so BinanceBookSync applies every one.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/md/md_test_support.hpp"

namespace propbot::bench {

struct BinanceFrames {
  static constexpr std::size_t kFrames = 1024;
  static constexpr std::int64_t kFirstEventId = 1'000'001;

  std::string snapshot;
  std::vector<std::string> frames;

  static std::string price_text(std::int64_t ticks) {  // tick 0.1, Binance pads to 2 decimals
    return std::to_string(ticks / 10) + "." + std::to_string(ticks % 10) + "0";
  }

  BinanceFrames() {
    namespace mdt = propbot::md::testing;
    std::mt19937 rng(1);
    std::vector<mdt::TextLevel> bids, asks;
    for (int i = 0; i < 1000; ++i) {
      bids.push_back({price_text(970'000 - i), "1.000"});
      asks.push_back({price_text(970'001 + i), "1.000"});
    }
    snapshot = mdt::binance_snapshot_json(kFirstEventId, bids, asks);
    std::int64_t id = kFirstEventId - 1;
    for (std::size_t f = 0; f < kFrames; ++f) {
      std::vector<mdt::TextLevel> b, a;
      for (int i = 0; i < 5; ++i) {
        const auto qty = [&] { return rng() % 10 == 0 ? std::string("0") : std::to_string(rng() % 50) + ".125"; };
        b.push_back({price_text(970'000 - static_cast<std::int64_t>(rng() % 200)), qty()});
        a.push_back({price_text(970'001 + static_cast<std::int64_t>(rng() % 200)), qty()});
      }
      frames.push_back(mdt::binance_update_json(id + 1, id + 3, id, b, a));
      id += 3;
    }
  }

  static const BinanceFrames& get() {
    static const BinanceFrames frames;
    return frames;
  }
};

}  // namespace propbot::bench
