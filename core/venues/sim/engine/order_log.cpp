#include "core/venues/sim/engine/order_log.hpp"

#include <algorithm>
#include <charconv>
#include <type_traits>
#include <variant>

namespace propbot::venues::sim {

static_assert(sizeof(AcceptedOrder) <= 128, "AcceptedOrder is the bounded log's unit: keep it small");

namespace {

std::int64_t numeric_id(const std::string& text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

OrderLog::OrderLog(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::uint32_t OrderLog::intern_key(const std::string& api_key) {
  auto [it, added] = api_key_index_.emplace(api_key, static_cast<std::uint32_t>(api_keys_.size()));
  if (added) api_keys_.push_back(api_key);
  return it->second;
}

std::uint16_t OrderLog::intern_symbol(const std::string& symbol) {
  auto [it, added] = symbol_index_.emplace(symbol, static_cast<std::uint16_t>(symbols_.size()));
  if (added) symbols_.push_back(symbol);
  return it->second;
}

void OrderLog::accepted(const std::string& api_key, const OrderState& order, UtcTime created) {
  AcceptedOrder record;
  record.order_id = numeric_id(order.venue_order_id);
  record.created_ms = to_unix_ms(created);
  record.quantity = order.quantity;
  record.price = order.price.value_or(Decimal{});
  record.filled_quantity = order.filled_quantity;
  record.api_key_index = intern_key(api_key);
  record.symbol_index = intern_symbol(order.symbol);
  record.side = order.side;
  record.type = order.type;
  record.status = order.status == OrderStatus::pending_new ? OrderStatus::new_order : order.status;
  record.reduce_only = order.reduce_only;
  const std::size_t length = std::min(order.client_order_id.size(), kMaxClientIdLength);
  std::copy_n(order.client_order_id.data(), length, record.client_id.data());
  record.client_id_length = static_cast<std::uint8_t>(length);

  const std::uint64_t sequence = first_sequence_ + records_.size();
  records_.push_back(record);
  if (!is_final(record.status)) open_[{record.symbol_index, record.order_id}] = sequence;
  while (records_.size() > capacity_) {
    records_.pop_front();
    ++first_sequence_;
    ++dropped_;
  }
}

void OrderLog::update(const OrderState& order) {
  auto symbol = symbol_index_.find(order.symbol);
  if (symbol == symbol_index_.end()) return;
  auto it = open_.find({symbol->second, numeric_id(order.venue_order_id)});
  if (it == open_.end()) return;
  if (it->second >= first_sequence_) {
    AcceptedOrder& record = records_[static_cast<std::size_t>(it->second - first_sequence_)];
    record.status = order.status;
    record.filled_quantity = order.filled_quantity;
    record.quantity = order.quantity;
  }
  if (is_final(order.status)) open_.erase(it);
}

void OrderLog::on_events(const std::vector<Event>& events, const ApiKeyOf& api_key_of) {
  for (const Event& event : events) {
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, OrderAccepted>) {
            if (auto key = api_key_of(e.account)) accepted(*key, e.order, e.order.updated_at);
          } else if constexpr (std::is_same_v<T, OrderFilled> || std::is_same_v<T, OrderCanceled> ||
                               std::is_same_v<T, OrderExpired>) {
            update(e.order);
          }
        },
        event);
  }
}

void OrderLog::for_each(const std::function<void(const AcceptedOrderView&)>& visit) const {
  for (const AcceptedOrder& record : records_) {
    visit(AcceptedOrderView{api_keys_[record.api_key_index], symbols_[record.symbol_index],
                            std::string(record.client_id.data(), record.client_id_length), &record});
  }
}

nlohmann::json OrderLog::to_json() const {
  nlohmann::json orders = nlohmann::json::array();
  for_each([&](const AcceptedOrderView& view) {
    const AcceptedOrder& r = *view.record;
    orders.push_back(nlohmann::json{{"api_key", view.api_key},
                                    {"order_id", std::to_string(r.order_id)},
                                    {"client_order_id", view.client_order_id},
                                    {"symbol", view.symbol},
                                    {"side", std::string(propbot::to_string(r.side))},
                                    {"type", std::string(to_string(r.type))},
                                    {"qty", r.quantity.to_string()},
                                    {"price", r.price.to_string()},
                                    {"reduce_only", r.reduce_only},
                                    {"status", std::string(to_string(r.status))},
                                    {"filled_qty", r.filled_quantity.to_string()},
                                    {"created_ms", r.created_ms}});
  });
  return nlohmann::json{{"orders", std::move(orders)},
                        {"capacity", capacity_},
                        {"dropped", dropped_},
                        {"truncated", dropped_ > 0}};
}

}  // namespace propbot::venues::sim
