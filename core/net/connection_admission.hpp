// Admission: which connections the HTTP server serves, counted per client against the
// limits of HttpServerOptions (http_server.hpp, "Connection limits and fairness"), and
// the 503 too_many_connections answer a refused or overflow connection gets.
//
// Guarantees
// - admit() gives a regular slot while the server has fewer than max_connections regular
//   ones and the client fewer than max_connections_per_address; over either, an overflow
//   slot while the overflow pool has room overall and for this client; otherwise none.
//   A client is net::client_key() of its address (an IPv6 host counts by its /64).
// - A slot is released exactly once, when its ConnectionSlot is destroyed (from any
//   thread); the table holds only clients with a live connection, so it is bounded by
//   max_connections + overflow_connections.
// Threads: admit() on the listener, release from any thread (a mutex guards the counts).
// No Boost. Uses: http_server (options), http_types.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/net/http_server.hpp"
#include "core/net/http_types.hpp"

namespace propbot::net::detail {

// Which limit a connection is over (the 503 message names it).
enum class OverLimit { none, server, address };
enum class SlotKind { regular, overflow };

class Admission;

// One admitted connection's place in the counts: released when destroyed (from any
// thread). Move-only; an HttpSession hands it to the WebSocket session it upgrades to.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(std::shared_ptr<Admission> admission, std::string key, SlotKind kind, OverLimit over)
      : admission_(std::move(admission)), key_(std::move(key)), kind_(kind), over_(over) {}
  ~ConnectionSlot() { release(); }
  ConnectionSlot(ConnectionSlot&& other) noexcept { *this = std::move(other); }
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
      release();
      admission_ = std::move(other.admission_);
      key_ = std::move(other.key_);
      kind_ = other.kind_;
      over_ = other.over_;
    }
    return *this;
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

  SlotKind kind() const { return kind_; }
  OverLimit over() const { return over_; }  // for an overflow slot: the limit it is over

 private:
  void release();

  std::shared_ptr<Admission> admission_;  // empty once released or moved from
  std::string key_;
  SlotKind kind_ = SlotKind::regular;
  OverLimit over_ = OverLimit::none;
};

// Counts connections per address key and kind against the limits of HttpServerOptions.
// admit() runs on the listener; slots are released from any thread (a session can end
// on the owner's thread at stop), hence the mutex. The table holds only addresses with
// a live connection, so it is bounded by max_connections + overflow_connections.
class Admission : public std::enable_shared_from_this<Admission> {
 public:
  explicit Admission(const HttpServerOptions& options)
      : max_connections_(options.max_connections),
        max_per_address_(options.max_connections_per_address),
        max_overflow_(options.overflow_connections),
        max_overflow_per_address_(options.overflow_per_address) {}

  struct Decision {
    std::optional<ConnectionSlot> slot;  // empty: refuse now
    OverLimit over = OverLimit::none;
  };

  // A regular slot when under both limits; over one of them, an overflow slot while the
  // overflow pool has room overall and for this address; otherwise none.
  Decision admit(const std::string& key);
  void release(const std::string& key, SlotKind kind);

 private:
  struct Counts {
    std::size_t regular = 0;
    std::size_t overflow = 0;
  };

  const std::size_t max_connections_;
  const std::size_t max_per_address_;
  const std::size_t max_overflow_;
  const std::size_t max_overflow_per_address_;
  std::mutex mutex_;
  std::unordered_map<std::string, Counts> by_address_;
  std::size_t regular_ = 0;
  std::size_t overflow_ = 0;
};

// The 503 too_many_connections answer for `over`, with `Retry-After: 1`.
HttpResponse too_many_connections(const HttpServerOptions& options, OverLimit over);

// The wire form of a 503 `response` with `Connection: close`, for refusals that cannot
// afford a session (one non-blocking write, then close).
std::string canned_response(const HttpResponse& response);

}  // namespace propbot::net::detail
