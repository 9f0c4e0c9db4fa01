#include "core/venues/sim/okx/book_levels.hpp"

#include <map>
#include <set>

#include "core/md/okx_book_sync.hpp"
#include "core/md/okx_books.hpp"

namespace propbot::venues::sim::okx_frontend {

using nlohmann::json;

json levels_json(const std::vector<WireLevel>& levels, std::size_t limit) {
  json out = json::array();
  for (std::size_t i = 0; i < levels.size() && i < limit; ++i) {
    out.push_back(json::array({levels[i].px, levels[i].sz, "0", "1"}));
  }
  return out;
}

std::int32_t checksum_of(const std::vector<WireLevel>& bids, const std::vector<WireLevel>& asks) {
  std::vector<md::OkxBookLevel> raw_bids, raw_asks;
  const auto convert = [](const std::vector<WireLevel>& in, std::vector<md::OkxBookLevel>& out) {
    for (std::size_t i = 0; i < in.size() && i < 25; ++i) {
      md::OkxBookLevel level;
      level.price_text.assign(in[i].px);
      level.size_text.assign(in[i].sz);
      out.push_back(level);
    }
  };
  convert(bids, raw_bids);
  convert(asks, raw_asks);
  return md::okx_book_checksum(raw_bids, raw_asks);
}

json diff_side(const std::vector<WireLevel>& before, const std::vector<WireLevel>& after) {
  std::map<std::string, std::string> old_sizes;
  for (const auto& level : before) old_sizes[level.px] = level.sz;
  json out = json::array();
  std::set<std::string> seen;
  for (const auto& level : after) {
    seen.insert(level.px);
    auto it = old_sizes.find(level.px);
    if (it == old_sizes.end() || it->second != level.sz) {
      out.push_back(json::array({level.px, level.sz, "0", "1"}));
    }
  }
  for (const auto& level : before) {
    if (!seen.count(level.px)) out.push_back(json::array({level.px, "0", "0", "0"}));
  }
  return out;
}

}  // namespace propbot::venues::sim::okx_frontend
