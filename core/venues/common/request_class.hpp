// The rate class (RequestPriority, rate_limit_tracker.hpp) of order entry, decided the
// same way by every adapter: a reduce-only order is a `close` (it reduces risk, so it
// gets more headroom than a place), any other order a `place`; a batch is a `close`
// only when every order in it is reduce-only. Cancels are `cancel`, everything else
// `query` — those are fixed by each adapter's endpoint table.
//
// Threads: pure functions.
#pragma once

#include <algorithm>
#include <vector>

#include "core/venues/common/rate_limit_tracker.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::venues {

inline RequestPriority place_priority(const OrderRequest& request) {
  return request.reduce_only ? RequestPriority::close : RequestPriority::place;
}

inline RequestPriority place_priority(const std::vector<OrderRequest>& batch) {
  const bool all_reduce_only =
      !batch.empty() && std::all_of(batch.begin(), batch.end(), [](const OrderRequest& r) { return r.reduce_only; });
  return all_reduce_only ? RequestPriority::close : RequestPriority::place;
}

}  // namespace propbot::venues
