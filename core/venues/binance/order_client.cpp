#include "core/venues/binance/order_client.hpp"

#include <memory>

#include "core/common/json_util.hpp"
#include "core/venues/binance/errors.hpp"
#include "core/venues/binance/parse.hpp"
#include "core/venues/binance/symbols.hpp"
#include "core/venues/common/request_class.hpp"

namespace propbot::venues::binance {

namespace {

VenueError local_error(std::string message) {
  return VenueError{VenueErrc::rejected, "LOCAL", std::move(message), 0, std::nullopt};
}

VenueError parse_failure(const Error& error) {
  // A 2XX whose body we cannot read: the venue acted, we do not know how → unknown.
  return VenueError{VenueErrc::network, "UNREADABLE_REPLY", error.message, 200, std::nullopt};
}

// Completes an OrderState callback from a reply body.
VenueCallback<std::string> order_reply(VenueCallback<OrderState> done) {
  return [done = std::move(done)](VenueResult<std::string> reply) {
    if (!reply) return done(reply.error());
    auto order = parse_order_text(reply.value());
    if (!order) return done(parse_failure(order.error()));
    done(std::move(order.value()));
  };
}

}  // namespace

OrderClient::OrderClient(RestClient& rest) : rest_(rest) {}

void OrderClient::set_instruments(const std::vector<BinanceInstrument>& instruments) {
  instruments_.clear();
  for (const auto& instrument : instruments) instruments_.emplace(instrument.symbol, instrument);
}

const BinanceInstrument* OrderClient::find(const std::string& symbol) const {
  auto it = instruments_.find(symbol);
  return it == instruments_.end() ? nullptr : &it->second;
}

template <typename T>
void OrderClient::refuse(VenueCallback<T> done, std::string message) {
  rest_.call_after(std::chrono::milliseconds(0), [done = std::move(done), message = std::move(message)] {
    done(local_error(message));
  });
}

void OrderClient::place(const OrderRequest& request, VenueCallback<OrderState> done) {
  const BinanceInstrument* instrument = find(request.symbol);
  if (instrument == nullptr) return refuse(std::move(done), "unknown or not loaded symbol " + request.symbol);
  auto params = order_params(request, *instrument, stp_mode_);
  if (!params) return refuse(std::move(done), params.error().message);
  Endpoint endpoint = endpoints::kNewOrder;
  endpoint.priority = place_priority(request);
  rest_.send(endpoint, std::move(params.value()), order_reply(std::move(done)));
}

void OrderClient::place_batch(const std::vector<OrderRequest>& requests,
                              VenueCallback<std::vector<VenueResult<OrderState>>> done) {
  struct State {
    std::vector<std::optional<VenueResult<OrderState>>> results;
    std::size_t outstanding = 0;
    VenueCallback<std::vector<VenueResult<OrderState>>> done;
    void finish_one() {
      if (--outstanding != 0) return;
      std::vector<VenueResult<OrderState>> out;
      out.reserve(results.size());
      for (auto& r : results) out.push_back(std::move(*r));
      done(std::move(out));
    }
  };
  auto state = std::make_shared<State>();
  state->results.resize(requests.size());
  state->done = std::move(done);

  // Validate every request locally; the valid ones go in chunks of 5.
  std::vector<std::pair<std::size_t, std::string>> valid;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const BinanceInstrument* instrument = find(requests[i].symbol);
    if (instrument == nullptr) {
      state->results[i] = VenueResult<OrderState>(local_error("unknown or not loaded symbol " + requests[i].symbol));
      continue;
    }
    auto json = batch_order_json(requests[i], *instrument, stp_mode_);
    if (!json) {
      state->results[i] = VenueResult<OrderState>(local_error(json.error().message));
      continue;
    }
    valid.emplace_back(i, std::move(json.value()));
  }
  const std::size_t chunks = (valid.size() + kBatchLimit - 1) / kBatchLimit;
  state->outstanding = chunks + 1;  // +1: released below, so an empty batch completes too
  for (std::size_t c = 0; c < chunks; ++c) {
    std::vector<std::size_t> indexes;
    std::vector<OrderRequest> chunk_requests;
    std::string list = "[";
    for (std::size_t k = c * kBatchLimit; k < std::min(valid.size(), (c + 1) * kBatchLimit); ++k) {
      if (list.size() > 1) list += ',';
      list += valid[k].second;
      indexes.push_back(valid[k].first);
      chunk_requests.push_back(requests[valid[k].first]);
    }
    list += ']';
    Endpoint endpoint = endpoints::kBatchOrders;
    endpoint.priority = place_priority(chunk_requests);
    rest_.send(endpoint, {{"batchOrders", std::move(list)}},
               [state, indexes](VenueResult<std::string> reply) {
                 auto fail_all = [&](const VenueError& error) {
                   for (auto i : indexes) state->results[i] = VenueResult<OrderState>(error);
                 };
                 if (!reply) {
                   fail_all(reply.error());
                 } else if (auto document = parse_json(reply.value());
                            !document || !document->is_array() || document->size() != indexes.size()) {
                   fail_all(VenueError{VenueErrc::network, "UNREADABLE_REPLY",
                                       "batchOrders reply is not an array of " + std::to_string(indexes.size()),
                                       200, std::nullopt});
                 } else {
                   for (std::size_t k = 0; k < indexes.size(); ++k) {
                     const auto& item = (*document)[k];
                     if (item.is_object() && item.contains("code") && !item.contains("orderId")) {
                       state->results[indexes[k]] = VenueResult<OrderState>(map_error(400, item.dump()));
                       continue;
                     }
                     auto order = parse_order(item);
                     state->results[indexes[k]] = order ? VenueResult<OrderState>(std::move(order.value()))
                                                        : VenueResult<OrderState>(parse_failure(order.error()));
                   }
                 }
                 state->finish_one();
               });
  }
  rest_.call_after(std::chrono::milliseconds(0), [state] { state->finish_one(); });
}

void OrderClient::cancel(const std::string& symbol, const std::string& client_order_id,
                         VenueCallback<OrderState> done) {
  const BinanceInstrument* instrument = find(symbol);
  if (instrument == nullptr) return refuse(std::move(done), "unknown or not loaded symbol " + symbol);
  rest_.send(endpoints::kCancelOrder, {{"symbol", instrument->venue_symbol}, {"origClientOrderId", client_order_id}},
             order_reply(std::move(done)));
}

void OrderClient::query_order(const std::string& symbol, const std::string& client_order_id,
                              VenueCallback<OrderState> done) {
  const BinanceInstrument* instrument = find(symbol);
  if (instrument == nullptr) return refuse(std::move(done), "unknown or not loaded symbol " + symbol);
  rest_.send(endpoints::kQueryOrder, {{"symbol", instrument->venue_symbol}, {"origClientOrderId", client_order_id}},
             order_reply(std::move(done)));
}

void OrderClient::query_order_by_id(const std::string& symbol, const std::string& venue_order_id,
                                    VenueCallback<OrderState> done) {
  const BinanceInstrument* instrument = find(symbol);
  if (instrument == nullptr) return refuse(std::move(done), "unknown or not loaded symbol " + symbol);
  rest_.send(endpoints::kQueryOrder, {{"symbol", instrument->venue_symbol}, {"orderId", venue_order_id}},
             order_reply(std::move(done)));
}

void OrderClient::cancel_all(const std::string& symbol, VenueCallback<int> done) {
  const BinanceInstrument* instrument = find(symbol);
  if (instrument == nullptr) return refuse(std::move(done), "unknown or not loaded symbol " + symbol);
  const std::string venue_symbol = instrument->venue_symbol;
  // The listing is part of the cancel: it goes with the cancel's priority.
  list_open_orders(symbol, RequestPriority::cancel,
                   [this, venue_symbol, done = std::move(done)](VenueResult<std::vector<OrderState>> open) {
    const int count = open ? static_cast<int>(open.value().size()) : 0;
    // The cancel goes out even when the count query failed: reducing risk comes first.
    rest_.send(endpoints::kCancelAll, {{"symbol", venue_symbol}},
               [count, done](VenueResult<std::string> reply) {
                 if (!reply) return done(reply.error());
                 done(count);
               });
  });
}

void OrderClient::arm_dead_man(const std::string& symbol, std::chrono::milliseconds timeout,
                               VenueCallback<std::chrono::milliseconds> done) {
  const BinanceInstrument* instrument = find(symbol);
  if (instrument == nullptr) return refuse(std::move(done), "unknown or not loaded symbol " + symbol);
  if (timeout.count() < 0) return refuse(std::move(done), "countdownTime must not be negative");
  rest_.send(endpoints::kCountdownCancelAll,
             {{"symbol", instrument->venue_symbol}, {"countdownTime", std::to_string(timeout.count())}},
             [done = std::move(done)](VenueResult<std::string> reply) {
               if (!reply) return done(reply.error());
               // {"symbol":"BTCUSDT","countdownTime":"100000"}: the armed countdown, echoed.
               auto document = parse_json(reply.value());
               const nlohmann::json* echoed = nullptr;
               if (document && document->is_object() && document->contains("countdownTime")) {
                 echoed = &(*document)["countdownTime"];
               }
               std::int64_t armed = -1;
               if (echoed != nullptr && echoed->is_string()) {
                 try {
                   armed = std::stoll(echoed->get<std::string>());
                 } catch (const std::exception&) {
                   armed = -1;
                 }
               } else if (echoed != nullptr && echoed->is_number_integer()) {
                 armed = echoed->get<std::int64_t>();
               }
               if (armed < 0) {
                 return done(VenueError{VenueErrc::network, "UNREADABLE_REPLY",
                                        "countdownCancelAll reply has no countdownTime: " + reply.value(), 200,
                                        std::nullopt});
               }
               done(std::chrono::milliseconds(armed));
             });
}

void OrderClient::open_orders(const std::optional<std::string>& symbol,
                              VenueCallback<std::vector<OrderState>> done) {
  list_open_orders(symbol, RequestPriority::query, std::move(done));
}

void OrderClient::list_open_orders(const std::optional<std::string>& symbol, RequestPriority priority,
                                   VenueCallback<std::vector<OrderState>> done) {
  std::vector<QueryParam> params;
  Endpoint endpoint = endpoints::kOpenOrders;
  endpoint.priority = priority;
  if (symbol) {
    const BinanceInstrument* instrument = find(*symbol);
    if (instrument == nullptr) return refuse(std::move(done), "unknown or not loaded symbol " + *symbol);
    params.push_back({"symbol", instrument->venue_symbol});
  } else {
    endpoint.weight = 40;
  }
  rest_.send(endpoint, std::move(params), [done = std::move(done)](VenueResult<std::string> reply) {
    if (!reply) return done(reply.error());
    auto orders = parse_orders_text(reply.value());
    if (!orders) return done(parse_failure(orders.error()));
    done(std::move(orders.value()));
  });
}

void OrderClient::positions(VenueCallback<std::vector<Position>> done) {
  rest_.send(endpoints::kPositionRisk, {}, [done = std::move(done)](VenueResult<std::string> reply) {
    if (!reply) return done(reply.error());
    auto positions = parse_position_risk_text(reply.value());
    if (!positions) return done(parse_failure(positions.error()));
    done(std::move(positions.value()));
  });
}

void OrderClient::balances(VenueCallback<std::vector<Balance>> done) {
  rest_.send(endpoints::kBalance, {}, [done = std::move(done)](VenueResult<std::string> reply) {
    if (!reply) return done(reply.error());
    auto balances = parse_balances_text(reply.value());
    if (!balances) return done(parse_failure(balances.error()));
    done(std::move(balances.value()));
  });
}

void OrderClient::server_time(VenueCallback<UtcTime> done) {
  rest_.sync_time([this, done = std::move(done)](VenueResult<std::int64_t> offset) {
    if (!offset) return done(offset.error());
    // sync_time stored the offset; the server's time now is our estimate of it.
    done(UtcTime{std::chrono::milliseconds(rest_.venue_time_ms())});
  });
}

}  // namespace propbot::venues::binance
