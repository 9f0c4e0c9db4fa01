// Binance USDⓈ-M order entry and account queries (protocols.md A2, A6) over the
// RestClient: the order half of venues::Venue.
//
//   place        POST   /fapi/v1/order (newOrderRespType=RESULT) → the parsed OrderState
//   place_batch  POST   /fapi/v1/batchOrders in chunks of 5; results in request order,
//                       per-order venue errors mapped one by one; a request refused
//                       locally (off grid, bad id) fails alone, the others still go
//   cancel       DELETE /fapi/v1/order?origClientOrderId=
//   query_order  GET    /fapi/v1/order?origClientOrderId= (query_order_by_id: ?orderId=)
// Rate classes (RateGovernor): cancel and cancel_all (its listing included) are
// `cancel`, a reduce-only place (a batch of only reduce-only orders) is `close`, other
// places `place`, everything else `query`.
//
//   cancel_all   GET /fapi/v1/openOrders then DELETE /fapi/v1/allOpenOrders: Binance's
//                answer carries no count, so the count is the open orders seen just
//                before (an order placed between the two calls is cancelled but not counted)
//   open_orders  GET    /fapi/v1/openOrders (weight 1 with a symbol, 40 without)
//   positions    GET    /fapi/v2/positionRisk
//   balances     GET    /fapi/v2/balance
//   server_time  GET    /fapi/v1/time (also refreshes the clock offset)
//   arm_dead_man POST   /fapi/v1/countdownCancelAll (symbol, countdownTime ms; 0 disarms),
//                rate class `cancel`; answers the countdownTime the venue echoed
// Every order carries selfTradePreventionMode = the configured mode (set_stp_mode).
//
// Errors: values refused locally (off the step/tick grid, invalid client id, unknown
// symbol, instruments not loaded) → VenueErrc::rejected with venue_code "LOCAL" and
// nothing sent; otherwise the RestClient's mapping. Hazards (venue.hpp): a `network`
// error from place/cancel means the outcome is UNKNOWN — query_order(client id) before
// anything depends on it; duplicate_client_id (-4116) means the order exists — query it.
//
// Threads: engine thread; callbacks run later on it. Uses RestClient, messages, parse.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/venues/binance/messages.hpp"
#include "core/venues/binance/rest_client.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::binance {

class OrderClient {
 public:
  explicit OrderClient(RestClient& rest);

  // Replaces the instrument rules (after exchangeInfo).
  void set_instruments(const std::vector<BinanceInstrument>& instruments);

  void place(const OrderRequest& request, VenueCallback<OrderState> done);
  void place_batch(const std::vector<OrderRequest>& requests, VenueCallback<std::vector<VenueResult<OrderState>>> done);
  void cancel(const std::string& symbol, const std::string& client_order_id, VenueCallback<OrderState> done);
  void cancel_all(const std::string& symbol, VenueCallback<int> done);
  void query_order(const std::string& symbol, const std::string& client_order_id, VenueCallback<OrderState> done);
  // GET /fapi/v1/order?orderId= (recovery: the client id of a trade's order).
  void query_order_by_id(const std::string& symbol, const std::string& venue_order_id, VenueCallback<OrderState> done);
  void open_orders(const std::optional<std::string>& symbol, VenueCallback<std::vector<OrderState>> done);
  void positions(VenueCallback<std::vector<Position>> done);
  void balances(VenueCallback<std::vector<Balance>> done);
  void server_time(VenueCallback<UtcTime> done);
  void arm_dead_man(const std::string& symbol, std::chrono::milliseconds timeout,
                    VenueCallback<std::chrono::milliseconds> done);
  // One of kBinanceStpModes (the caller validated it; an unknown one refuses every order).
  void set_stp_mode(std::string mode) { stp_mode_ = std::move(mode); }

  static constexpr std::size_t kBatchLimit = 5;

 private:
  const BinanceInstrument* find(const std::string& symbol) const;
  void list_open_orders(const std::optional<std::string>& symbol, RequestPriority priority,
                        VenueCallback<std::vector<OrderState>> done);
  // Completes `done` later (never inside the caller's call) with a local refusal.
  template <typename T>
  void refuse(VenueCallback<T> done, std::string message);

  RestClient& rest_;
  std::map<std::string, BinanceInstrument> instruments_;
  std::string stp_mode_{kBinanceDefaultStpMode};
};

}  // namespace propbot::venues::binance
