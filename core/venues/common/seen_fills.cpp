#include "core/venues/common/seen_fills.hpp"

#include <algorithm>

namespace propbot::venues {

SeenFills::SeenFills(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}

std::string SeenFills::key(std::string_view symbol, std::string_view trade_id) {
  std::string out;
  out.reserve(symbol.size() + 1 + trade_id.size());
  out.append(symbol);
  out.push_back('\x1f');  // unit separator: in neither a symbol nor a trade id
  out.append(trade_id);
  return out;
}

bool SeenFills::insert(std::string_view symbol, std::string_view trade_id) {
  if (trade_id.empty()) return true;
  std::string k = key(symbol, trade_id);
  if (keys_.count(k) != 0) return false;
  keys_.insert(k);
  order_.push_back(std::move(k));
  while (order_.size() > capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

bool SeenFills::contains(std::string_view symbol, std::string_view trade_id) const {
  return !trade_id.empty() && keys_.count(key(symbol, trade_id)) != 0;
}

}  // namespace propbot::venues
