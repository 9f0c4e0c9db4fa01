// OrderLog: a simulated venue's back-office record of EVERY order it accepted — resting,
// filled, canceled and expired ones alike — so an outside test can count what reached
// the venue (GET /admin/orders, docs/API.md "Venue simulator admin API"). An order the
// venue refused at placement was never accepted and is not recorded.
//
// Bounded: at most `capacity` records (SimVenueConfig::max_order_log_records, default
// kDefaultOrderLogCapacity = 10,000); beyond it the oldest record is dropped and
// counted in dropped(). A record is one fixed-size struct with no heap storage
// (AcceptedOrder, 128 bytes), so the log holds at most ~1.3 MB at the default cap; API
// keys and symbols are interned once per account / instrument. The index that finds a
// record again when its order fills or ends holds only orders not yet final (bounded by
// the venue's open orders).
//
// Guarantees: records stay in acceptance order; status and filled quantity follow the
// order's last event; a client order id longer than kMaxClientIdLength (36, Binance's
// limit; OKX allows 32) is truncated in the record only.
//
// Threads: none of its own — the frontend calls it under its mutex. No I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/venues/sim/engine/events.hpp"

namespace propbot::venues::sim {

inline constexpr std::size_t kDefaultOrderLogCapacity = 10'000;
inline constexpr std::size_t kMaxClientIdLength = 36;

struct AcceptedOrder {
  std::int64_t order_id = 0;      // the venue's numeric order id
  std::int64_t created_ms = 0;    // acceptance time, Unix ms
  Decimal quantity;               // base units (OKX: sz × ctVal)
  Decimal price;                  // zero for market orders
  Decimal filled_quantity;
  std::uint32_t api_key_index = 0;
  std::uint16_t symbol_index = 0;
  OrderSide side = OrderSide::buy;
  OrderType type = OrderType::limit;
  OrderStatus status = OrderStatus::new_order;
  bool reduce_only = false;
  std::uint8_t client_id_length = 0;
  std::array<char, kMaxClientIdLength> client_id{};
};

// One record as the admin API shows it (strings resolved).
struct AcceptedOrderView {
  std::string api_key;
  std::string symbol;  // canonical BASE-QUOTE
  std::string client_order_id;
  const AcceptedOrder* record = nullptr;
};

class OrderLog {
 public:
  // The API key an engine account trades with; nullopt for accounts nobody trades with
  // over the API (the market model's), whose orders are not recorded.
  using ApiKeyOf = std::function<std::optional<std::string>(const std::string& account)>;

  explicit OrderLog(std::size_t capacity = kDefaultOrderLogCapacity);

  // Records OrderAccepted events and applies fills, cancels and expiries to their records.
  void on_events(const std::vector<Event>& events, const ApiKeyOf& api_key_of);
  // An order the venue accepted outside the engine (OKX post-only cancelled on arrival):
  // recorded with its current (possibly final) state.
  void accepted(const std::string& api_key, const OrderState& order, UtcTime created);

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return records_.size(); }
  std::uint64_t dropped() const { return dropped_; }
  std::size_t tracked_open() const { return open_.size(); }
  // Every retained record, oldest first.
  void for_each(const std::function<void(const AcceptedOrderView&)>& visit) const;
  // The admin answer: {"orders": [{api_key, order_id, client_order_id, symbol, side,
  // type, qty, price, reduce_only, status, filled_qty, created_ms}], "capacity",
  // "dropped", "truncated"} — side/type/status by their stable names (buy, limit,
  // partially_filled, ...), quantities and prices as decimal strings in base units.
  nlohmann::json to_json() const;

 private:
  std::uint32_t intern_key(const std::string& api_key);
  std::uint16_t intern_symbol(const std::string& symbol);
  void update(const OrderState& order);

  std::size_t capacity_;
  std::deque<AcceptedOrder> records_;
  std::uint64_t first_sequence_ = 0;  // sequence number of records_.front()
  std::uint64_t dropped_ = 0;
  std::vector<std::string> api_keys_;  // one per account that traded
  std::map<std::string, std::uint32_t> api_key_index_;
  std::vector<std::string> symbols_;  // one per instrument
  std::map<std::string, std::uint16_t> symbol_index_;
  // (symbol index, order id) → sequence of orders not final yet.
  std::map<std::pair<std::uint16_t, std::int64_t>, std::uint64_t> open_;
};

}  // namespace propbot::venues::sim
