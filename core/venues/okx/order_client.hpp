// OKX v5 order entry and account queries over REST (protocols.md B2, B4): place,
// place_batch, cancel, cancel_all, query_order, open_orders, positions, balances.
// Every call converts base ↔ contracts with the instrument table (messages.hpp), goes
// through RestClient (rate tracker first) and completes exactly once, later.
//
// Semantics the executor relies on:
//  - place: POST trade/order. Success = the venue ACCEPTED the order (OrderState
//    new_order with ordId); fills and the final state come from the orders channel or
//    query_order. A post_only order that would take is accepted too, then canceled
//    with cancelSource "31" (see parse.hpp / adapter.hpp).
//  - place_batch: batch-orders in chunks of ≤ 20, one result per request in request
//    order, each from its data[].sCode. A request refused locally (grid, clOrdId)
//    gets its own error and the rest still go. A chunk that fails as a whole
//    (transport, 50011, 5XX) gives that error to every request of the chunk.
//  - cancel: POST cancel-order by clOrdId. sCode 0 only means the cancel was accepted,
//    so the order is then queried and the queried state returned (it may show filled:
//    a fill raced the cancel). If that query fails, a canceled state built from the
//    ack is returned.
//  - cancel_all: OKX has no cancel-all for swaps in one call. It fetches
//    orders-pending for the symbol (one page = up to 100 orders) and cancels them
//    with cancel-batch-orders in chunks of 20; when the page was full and something
//    was cancelled it lists again and repeats. The count is the number of items
//    acknowledged with sCode 0. It fails only when the first listing fails or when
//    nothing could be cancelled while something was pending (a later page's failure
//    keeps the count so far). Rate cost: 1 listing + ceil(n / 20) batches per page.
//  - arm_dead_man: POST trade/cancel-all-after {"timeOut": seconds} for the whole
//    account (cancel_all_after_seconds: 0 disarms, else 10..120); answers the armed
//    timeout (whole seconds) — rate class `cancel`.
//  - Every order carries stpMode = the configured mode (set_stp_mode).
//  - Errors keep okx::map_error's VenueErrc; a transport failure is network (UNKNOWN).
//  - Rate classes (RateGovernor): cancel and cancel_all (its listings included) are
//    `cancel`, a reduce-only place (a chunk of only reduce-only orders) is `close`,
//    other places `place`, the rest `query` (the state read after a cancel ack too:
//    refused, it falls back to the ack).
//
// Threads: engine thread. The table must outlive the client.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/logging.hpp"
#include "core/venues/okx/messages.hpp"
#include "core/venues/okx/rest_client.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::okx {

class OrderClient {
 public:
  OrderClient(boost::asio::io_context& io, RestClient& rest, const InstrumentTable& instruments, Logger logger);
  ~OrderClient();

  void place(const OrderRequest& request, VenueCallback<OrderState> done);
  void place_batch(const std::vector<OrderRequest>& requests, VenueCallback<std::vector<VenueResult<OrderState>>> done);
  void cancel(const std::string& symbol, const std::string& client_order_id, VenueCallback<OrderState> done);
  void cancel_all(const std::string& symbol, VenueCallback<int> done);
  void query_order(const std::string& symbol, const std::string& client_order_id, VenueCallback<OrderState> done);
  void open_orders(const std::optional<std::string>& symbol, VenueCallback<std::vector<OrderState>> done);
  void positions(VenueCallback<std::vector<Position>> done);
  void balances(VenueCallback<std::vector<Balance>> done);
  void arm_dead_man(std::chrono::milliseconds timeout, VenueCallback<std::chrono::milliseconds> done);
  // One of kOkxStpModes (the caller validated it; an unknown one refuses every order).
  void set_stp_mode(std::string mode) { stp_mode_ = std::move(mode); }

  // instId of a canonical symbol that the venue listed; nullptr otherwise.
  const OkxInstrument* find(const std::string& symbol) const;

 private:
  // Runs `fn` later on the io_context (callbacks never run inside the call).
  void later(std::function<void()> fn);

  boost::asio::io_context& io_;
  RestClient& rest_;
  const InstrumentTable& instruments_;
  Logger logger_;
  std::string stp_mode_{kOkxDefaultStpMode};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// A VenueError for a request refused locally (nothing sent).
VenueError local_error(const Error& error);

}  // namespace propbot::venues::okx
