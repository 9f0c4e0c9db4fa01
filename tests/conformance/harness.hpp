// VenueHarness: one real venue adapter (Binance or OKX) wired to the real simulator
// frontend of the same protocol, in-process over loopback, for the venue conformance
// suite (SPEC S-2.3). It owns the HTTP server, the SimulatedVenue, a funded account, the
// adapter and the io_context the adapter runs on; the test thread pumps that
// io_context while it waits, so every adapter callback runs on the test thread.
//
// Waits are on conditions with a timeout (default 5 s), never fixed sleeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/venues/sim/simulated_venue.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::conformance {

using namespace std::chrono_literals;

inline constexpr const char* kSymbol = "BTC-USDT";
inline constexpr double kMid = 50000.0;
inline constexpr std::chrono::milliseconds kTimeout = 5000ms;

// Records everything the private stream and the market-data stream deliver.
class Recorder : public MarketDataListener, public PrivateListener {
 public:
  void on_book(const md::OrderBook&) override { ++books; }
  void on_order_update(const OrderState& order) override { orders.push_back(order); }
  void on_fill(const Fill& fill) override { fills.push_back(fill); }
  void on_position(const Position& position) override { positions.push_back(position); }
  void on_balance(const Balance& balance) override { balances.push_back(balance); }
  void on_private_stream(bool connected) override {
    private_connected = connected;
    ++(connected ? private_ups : private_downs);
  }
  void on_funding(const FundingInfo& info) override { funding.push_back(info); }
  void on_book_state(const std::string& symbol, bool valid, const std::string& reason) override {
    book_states.push_back({symbol, valid, reason});
  }

  struct BookStateChange {
    std::string symbol;
    bool valid = false;
    std::string reason;
  };

  std::vector<Fill> fills_for(const std::string& client_order_id) const;
  Decimal filled_quantity(const std::string& client_order_id) const;
  const OrderState* last_update(const std::string& client_order_id) const;

  int books = 0;
  bool private_connected = false;
  int private_ups = 0;    // on_private_stream(true) calls so far
  int private_downs = 0;  // on_private_stream(false) calls so far
  std::vector<OrderState> orders;
  std::vector<Fill> fills;
  std::vector<Position> positions;
  std::vector<Balance> balances;
  std::vector<FundingInfo> funding;
  std::vector<BookStateChange> book_states;
};

class VenueHarness {
 public:
  virtual ~VenueHarness() = default;

  virtual std::string name() const = 0;
  // A venue code the frontend maps to insufficient_margin ("-2019" / "51008").
  virtual std::string insufficient_margin_code() const = 0;
  // Starts the adapter's streams and waits until the private stream is up, a book
  // arrived and the instrument is listed. False on timeout.
  virtual bool start() = 0;

  virtual Venue& venue() = 0;
  virtual sim::SimulatedVenue& sim() = 0;
  virtual Recorder& recorder() = 0;
  // A second, unstarted adapter on the same io_context, simulator and account, signing
  // with `secret` instead of the account's (bad-signature cases).
  virtual std::unique_ptr<Venue> make_adapter_with_secret(const std::string& secret) = 0;
  // The adapter's measured offset venue time − local time (ms).
  virtual std::int64_t clock_offset_ms() const = 0;

  // Pumps the adapter's io_context until `done` or the timeout; when tick_every is set,
  // moves the simulated market (same mid) that often meanwhile.
  virtual bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = kTimeout,
                         std::optional<std::chrono::milliseconds> tick_every = std::nullopt) = 0;
  // One market step around `mid` for BTC-USDT.
  virtual void tick(double mid = kMid) = 0;

  // Blocking helpers: call, then pump until the callback ran (timeout → network error
  // with venue_code "TIMEOUT" and a test failure).
  VenueResult<OrderState> place_and_wait(const OrderRequest& request);
  VenueResult<OrderState> cancel_and_wait(const std::string& client_order_id);
  VenueResult<int> cancel_all_and_wait();
  VenueResult<OrderState> query_and_wait(const std::string& client_order_id);
  VenueResult<std::vector<OrderState>> open_orders_and_wait();
  VenueResult<std::vector<Position>> positions_and_wait();
  VenueResult<std::vector<Balance>> balances_and_wait();
  // Server-side request counter from describe()["counters"]["requests"].
  std::uint64_t server_requests() const;

  // What the adapter handed its RawMessageTap (run --capture), oldest first; the first
  // kMaxRawMessages only.
  struct RawMessage {
    RawChannel channel = RawChannel::market_ws;
    std::string text;
  };
  static constexpr std::size_t kMaxRawMessages = 20'000;
  std::vector<RawMessage> raw_messages;
  RawMessageTap raw_tap() {
    return [this](RawChannel channel, std::string_view text) {
      if (raw_messages.size() < kMaxRawMessages) raw_messages.push_back({channel, std::string(text)});
    };
  }

 protected:
  template <typename T>
  VenueResult<T> wait_for(const std::function<void(VenueCallback<T>)>& call);
};

// "binance" or "okx"; nullptr for an unknown name.
std::unique_ptr<VenueHarness> make_harness(const std::string& name);

// A limit order on BTC-USDT valid on both venues (0.01 BTC: a multiple of every lot size).
OrderRequest limit_order(const std::string& client_order_id, OrderSide side, const char* price,
                         TimeInForce tif = TimeInForce::gtc, const char* quantity = "0.01");
OrderRequest market_order(const std::string& client_order_id, OrderSide side, const char* quantity = "0.01");

}  // namespace propbot::venues::conformance
