#include "core/venues/okx/order_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/venues/common/request_class.hpp"
#include "core/venues/okx/parse.hpp"
#include "core/venues/okx/symbols.hpp"

namespace propbot::venues::okx {

namespace {

using nlohmann::json;

VenueError parse_failure(const Error& error) {
  return VenueError{VenueErrc::rejected, "PARSE", error.message, 200, std::nullopt};
}

OrderState accepted_state(const OrderRequest& request, const OrderAck& ack, UtcTime now) {
  OrderState state;
  state.symbol = request.symbol;
  state.client_order_id = request.client_order_id;
  state.venue_order_id = ack.venue_order_id;
  state.side = request.side;
  state.type = request.type;
  state.time_in_force = request.time_in_force;
  state.price = request.price;
  state.quantity = request.quantity;
  state.status = OrderStatus::new_order;
  state.reduce_only = request.reduce_only;
  state.updated_at = now;
  return state;
}

}  // namespace

// orders-pending answers at most this many orders per request (its `limit` default).
constexpr std::size_t kOrdersPendingPage = 100;

VenueError local_error(const Error& error) {
  return VenueError{VenueErrc::rejected, "LOCAL", error.describe(), 0, std::nullopt};
}

OrderClient::OrderClient(boost::asio::io_context& io, RestClient& rest, const InstrumentTable& instruments,
                         Logger logger)
    : io_(io), rest_(rest), instruments_(instruments), logger_(std::move(logger)) {}

OrderClient::~OrderClient() { *alive_ = false; }

void OrderClient::later(std::function<void()> fn) {
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [alive, fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

const OkxInstrument* OrderClient::find(const std::string& symbol) const {
  auto inst_id = to_inst_id(symbol);
  if (!inst_id) return nullptr;
  auto it = instruments_.find(inst_id.value());
  return it == instruments_.end() ? nullptr : &it->second;
}

void OrderClient::place(const OrderRequest& request, VenueCallback<OrderState> done) {
  const OkxInstrument* instrument = find(request.symbol);
  if (instrument == nullptr) {
    later([done, symbol = request.symbol] {
      done(local_error(make_error(Errc::not_found, "symbol " + symbol + " is not an OKX swap we loaded")));
    });
    return;
  }
  auto body = order_body(request, *instrument, stp_mode_);
  if (!body) {
    later([done, error = body.error()] { done(local_error(error)); });
    return;
  }
  Endpoint endpoint = endpoints::kPlaceOrder;
  endpoint.priority = place_priority(request);
  rest_.send(endpoint, "", body->dump(), [this, request, done](VenueResult<json> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    auto acks = parse_acks(reply.value());
    if (!acks || acks->size() != 1) {
      done(parse_failure(acks ? make_error(Errc::parse_error, "order ack: expected one data item") : acks.error()));
      return;
    }
    const OrderAck& ack = acks->front();
    if (!ack.ok()) {
      done(ack_error(ack));
      return;
    }
    done(accepted_state(request, ack, rest_.venue_time()));
  });
}

void OrderClient::place_batch(const std::vector<OrderRequest>& requests,
                              VenueCallback<std::vector<VenueResult<OrderState>>> done) {
  struct Batch {
    std::vector<std::optional<VenueResult<OrderState>>> results;
    int pending_chunks = 0;
    VenueCallback<std::vector<VenueResult<OrderState>>> done;
    void finish() {
      std::vector<VenueResult<OrderState>> out;
      out.reserve(results.size());
      for (auto& result : results) out.push_back(std::move(*result));
      done(std::move(out));
    }
  };
  auto batch = std::make_shared<Batch>();
  batch->results.resize(requests.size());
  batch->done = std::move(done);

  // Valid requests, in order, grouped in chunks of ≤ 20; invalid ones answered locally.
  std::vector<std::vector<std::size_t>> chunks;
  std::vector<json> bodies(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const OkxInstrument* instrument = find(requests[i].symbol);
    if (instrument == nullptr) {
      batch->results[i] = local_error(make_error(Errc::not_found, "symbol " + requests[i].symbol + " is not loaded"));
      continue;
    }
    auto body = order_body(requests[i], *instrument, stp_mode_);
    if (!body) {
      batch->results[i] = local_error(body.error());
      continue;
    }
    bodies[i] = std::move(body.value());
    if (chunks.empty() || chunks.back().size() == kMaxBatchOrders) chunks.emplace_back();
    chunks.back().push_back(i);
  }
  if (chunks.empty()) {
    later([batch] { batch->finish(); });
    return;
  }
  batch->pending_chunks = static_cast<int>(chunks.size());
  for (auto& chunk : chunks) {
    json array = json::array();
    for (std::size_t index : chunk) array.push_back(std::move(bodies[index]));
    std::vector<OrderRequest> chunk_requests;
    for (std::size_t index : chunk) chunk_requests.push_back(requests[index]);
    Endpoint endpoint = endpoints::kBatchOrders;
    endpoint.priority = place_priority(chunk_requests);
    rest_.send(endpoint, "", array.dump(),
               [this, batch, chunk, chunk_requests = std::move(chunk_requests)](VenueResult<json> reply) {
                 auto fail_all = [&](const VenueError& error) {
                   for (std::size_t index : chunk) batch->results[index] = error;
                 };
                 if (!reply) {
                   fail_all(reply.error());
                 } else if (auto acks = parse_acks(reply.value()); !acks) {
                   fail_all(parse_failure(acks.error()));
                 } else {
                   // data[] is in request order (OKX); match by clOrdId when it is echoed.
                   for (std::size_t k = 0; k < chunk.size(); ++k) {
                     const OrderRequest& request = chunk_requests[k];
                     const OrderAck* ack = nullptr;
                     for (const auto& candidate : acks.value()) {
                       if (candidate.client_order_id == request.client_order_id) ack = &candidate;
                     }
                     if (ack == nullptr && k < acks->size()) ack = &(*acks)[k];
                     if (ack == nullptr) {
                       batch->results[chunk[k]] = parse_failure(make_error(Errc::parse_error, "batch: no item for " +
                                                                                                  request.client_order_id));
                     } else if (!ack->ok()) {
                       batch->results[chunk[k]] = ack_error(*ack);
                     } else {
                       batch->results[chunk[k]] = accepted_state(request, *ack, rest_.venue_time());
                     }
                   }
                 }
                 if (--batch->pending_chunks == 0) batch->finish();
               });
  }
}

void OrderClient::cancel(const std::string& symbol, const std::string& client_order_id,
                         VenueCallback<OrderState> done) {
  const OkxInstrument* instrument = find(symbol);
  if (instrument == nullptr) {
    later([done, symbol] { done(local_error(make_error(Errc::not_found, "symbol " + symbol + " is not loaded"))); });
    return;
  }
  json body = {{"instId", instrument->inst_id}, {"clOrdId", client_order_id}};
  rest_.send(endpoints::kCancelOrder, "", body.dump(),
             [this, symbol, client_order_id, done](VenueResult<json> reply) {
               if (!reply) {
                 done(reply.error());
                 return;
               }
               auto acks = parse_acks(reply.value());
               if (!acks || acks->empty()) {
                 done(parse_failure(acks ? make_error(Errc::parse_error, "cancel: data is empty") : acks.error()));
                 return;
               }
               if (!acks->front().ok()) {
                 done(ack_error(acks->front()));
                 return;
               }
               OrderState fallback;
               fallback.symbol = symbol;
               fallback.client_order_id = client_order_id;
               fallback.venue_order_id = acks->front().venue_order_id;
               fallback.status = OrderStatus::canceled;
               fallback.updated_at = rest_.venue_time();
               // The ack only says "accepted": read the order's real state.
               query_order(symbol, client_order_id, [done, fallback](VenueResult<OrderState> state) {
                 if (state) {
                   done(std::move(state));
                 } else {
                   done(fallback);
                 }
               });
             });
}

void OrderClient::cancel_all(const std::string& symbol, VenueCallback<int> done) {
  const OkxInstrument* instrument = find(symbol);
  if (instrument == nullptr) {
    later([done, symbol] { done(local_error(make_error(Errc::not_found, "symbol " + symbol + " is not loaded"))); });
    return;
  }
  const std::string inst_id = instrument->inst_id;
  const std::string query = query_string({{"instType", "SWAP"}, {"instId", inst_id}});
  // The listing is part of the cancel: it goes with the cancel's priority.
  Endpoint listing = endpoints::kOrdersPending;
  listing.priority = RequestPriority::cancel;
  rest_.send(listing, query, "", [this, symbol, inst_id, done](VenueResult<json> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    const nlohmann::json& body = reply.value();
    auto data = body.find("data");
    if (data == body.end() || !data->is_array()) {
      done(parse_failure(make_error(Errc::parse_error, "orders-pending: data missing")));
      return;
    }
    std::vector<std::string> order_ids;
    for (const auto& item : *data) {
      auto id = item.find("ordId");
      if (id != item.end() && id->is_string()) order_ids.push_back(id->get<std::string>());
    }
    if (order_ids.empty()) {
      done(0);
      return;
    }
    struct State {
      int pending = 0;
      int canceled = 0;
      std::optional<VenueError> first_error;
      VenueCallback<int> done;
      bool full_page = false;  // orders-pending returns at most 100: there may be more
    };
    auto state = std::make_shared<State>();
    state->done = done;
    state->full_page = order_ids.size() >= kOrdersPendingPage;
    state->pending = static_cast<int>((order_ids.size() + kMaxBatchOrders - 1) / kMaxBatchOrders);
    for (std::size_t start = 0; start < order_ids.size(); start += kMaxBatchOrders) {
      json array = json::array();
      for (std::size_t i = start; i < std::min(order_ids.size(), start + kMaxBatchOrders); ++i) {
        array.push_back({{"instId", inst_id}, {"ordId", order_ids[i]}});
      }
      rest_.send(endpoints::kCancelBatch, "", array.dump(), [this, symbol, state](VenueResult<json> chunk) {
        if (!chunk) {
          if (!state->first_error) state->first_error = chunk.error();
        } else if (auto acks = parse_acks(chunk.value()); acks) {
          for (const auto& ack : acks.value()) {
            if (ack.ok()) {
              ++state->canceled;
            } else {
              logger_.warn("okx_cancel_all_item_failed", {{"ord_id", ack.venue_order_id}, {"code", ack.code},
                                                          {"message", ack.message}});
              if (!state->first_error) state->first_error = ack_error(ack);
            }
          }
        } else if (!state->first_error) {
          state->first_error = parse_failure(acks.error());
        }
        if (--state->pending == 0) {
          if (state->canceled == 0 && state->first_error) {
            state->done(*state->first_error);
          } else {
            if (state->full_page && state->canceled > 0) {
              // A full page: list and cancel the next one, adding up the counts.
              const int so_far = state->canceled;
              cancel_all(symbol, [so_far, done = state->done](VenueResult<int> rest) {
                done(rest ? VenueResult<int>(so_far + rest.value()) : VenueResult<int>(so_far));
              });
              return;
            }
            state->done(state->canceled);
          }
        }
      });
    }
  });
}

void OrderClient::arm_dead_man(std::chrono::milliseconds timeout, VenueCallback<std::chrono::milliseconds> done) {
  const int seconds = cancel_all_after_seconds(timeout);
  const json body = {{"timeOut", std::to_string(seconds)}};
  rest_.send(endpoints::kCancelAllAfter, "", body.dump(), [seconds, done](VenueResult<json> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    // {"code":"0","data":[{"triggerTime":"…","tag":"","ts":"…"}]}: armed (or disarmed).
    auto data = reply.value().find("data");
    if (data == reply.value().end() || !data->is_array() || data->empty()) {
      done(parse_failure(make_error(Errc::parse_error, "cancel-all-after: data missing")));
      return;
    }
    done(std::chrono::milliseconds(std::int64_t{seconds} * 1000));
  });
}

void OrderClient::query_order(const std::string& symbol, const std::string& client_order_id,
                              VenueCallback<OrderState> done) {
  const OkxInstrument* instrument = find(symbol);
  if (instrument == nullptr) {
    later([done, symbol] { done(local_error(make_error(Errc::not_found, "symbol " + symbol + " is not loaded"))); });
    return;
  }
  const std::string query = query_string({{"instId", instrument->inst_id}, {"clOrdId", client_order_id}});
  rest_.send(endpoints::kQueryOrder, query, "", [this, client_order_id, done](VenueResult<json> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    auto orders = parse_orders(reply.value(), instruments_);
    if (!orders) {
      done(parse_failure(orders.error()));
      return;
    }
    if (orders->empty()) {
      done(VenueError{VenueErrc::unknown_order, "51603", "Order does not exist: " + client_order_id, 200,
                      std::nullopt});
      return;
    }
    done(std::move(orders->front().order));
  });
}

void OrderClient::open_orders(const std::optional<std::string>& symbol, VenueCallback<std::vector<OrderState>> done) {
  std::vector<std::pair<std::string, std::string>> params{{"instType", "SWAP"}};
  if (symbol) {
    const OkxInstrument* instrument = find(*symbol);
    if (instrument == nullptr) {
      later([done, symbol] { done(local_error(make_error(Errc::not_found, "symbol " + *symbol + " is not loaded"))); });
      return;
    }
    params.emplace_back("instId", instrument->inst_id);
  }
  rest_.send(endpoints::kOrdersPending, query_string(params), "", [this, done](VenueResult<json> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    auto orders = parse_orders(reply.value(), instruments_);
    if (!orders) {
      done(parse_failure(orders.error()));
      return;
    }
    std::vector<OrderState> out;
    for (auto& update : orders.value()) out.push_back(std::move(update.order));
    done(std::move(out));
  });
}

void OrderClient::positions(VenueCallback<std::vector<Position>> done) {
  rest_.send(endpoints::kPositions, query_string({{"instType", "SWAP"}}), "", [this, done](VenueResult<json> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    auto positions = parse_positions(reply.value(), instruments_);
    if (!positions) {
      done(parse_failure(positions.error()));
      return;
    }
    done(std::move(positions.value()));
  });
}

void OrderClient::balances(VenueCallback<std::vector<Balance>> done) {
  rest_.send(endpoints::kBalance, "", "", [done](VenueResult<json> reply) {
    if (!reply) {
      done(reply.error());
      return;
    }
    auto balances = parse_balances(reply.value());
    if (!balances) {
      done(parse_failure(balances.error()));
      return;
    }
    done(std::move(balances.value()));
  });
}

}  // namespace propbot::venues::okx
