// VenueSimHost: runs the venue simulator — the SimulatedVenues (one per protocol
// frontend), one HTTP/WebSocket server per venue with the venue's routes, the admin
// server (admin_routes.hpp) and a tick thread that drives the MarketModel: every
// tick_ms it steps the market and hands each venue its MarketTicks, and every funding
// interval it asks every venue to settle funding, then tells every venue when the next
// settlement is (SimulatedVenue::set_funding_schedule), so what the venues advertise as
// the next funding time is when the host really settles.
//
// Guarantees
// - start() either brings everything up (venues built, routes installed, every server
//   listening) or stops what it started and returns the first error, naming the venue.
// - Every call the host makes into one venue (tick, funding, admin) is serialised by a
//   per-venue mutex, so a venue never sees two host calls at once (its own REST
//   handlers still run on its server thread: the venue guards its core itself).
// - The tick thread catches and counts every exception of a venue and keeps going;
//   the last error shows in `GET /admin/health`.
// Threads: construct, start(), stop() and the destructor from one owning thread (not
// from a handler). The accessors are safe from any thread after start().
// Uses: MarketModel, SimulatedVenue, net::HttpServer/Router, admin_routes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/net/http_server.hpp"
#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/venues/sim/host/market_model.hpp"
#include "core/venues/sim/simulated_venue.hpp"

namespace propbot::venues::sim {

using VenueFactory = std::function<std::unique_ptr<SimulatedVenue>(const SimVenueConfig&, const Clock&)>;

// One venue to host: its admin name (also its RandomWalkMarket venue id), the port of
// its server (0 = any free port) and how to build it.
struct HostedVenueSpec {
  std::string name;       // "binance", "okx"
  std::uint16_t port = 0;
  VenueFactory factory;
};

struct VenueSimHostOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t admin_port = 0;
  std::vector<HostedVenueSpec> venues;
  std::optional<net::HttpServerTls> tls;  // every listener (venues and admin) speaks TLS
  std::uint64_t seed = 1;
  std::vector<MarketSymbol> symbols;  // empty = default_symbols()
  MarketParams market;
  std::chrono::milliseconds funding_interval{std::chrono::hours(8)};
  // Every venue's back-office order log keeps at most this many accepted orders
  // (SimVenueConfig::max_order_log_records; 128 bytes each).
  std::size_t max_order_log_records = kDefaultOrderLogCapacity;
  // Host events (start, stop, tick errors); may be empty. Called on the tick thread too.
  std::function<void(std::string_view)> log;
};

// What the admin API and the CLI see of one hosted venue.
struct HostedVenue {
  std::string name;
  std::unique_ptr<SimulatedVenue> venue;
  std::unique_ptr<net::HttpServer> server;
  std::mutex call_mutex;  // serialises the host's calls into `venue`
  std::string url;        // "http://127.0.0.1:PORT" after start()
};

struct HostHealth {
  std::uint64_t ticks = 0;
  std::uint64_t tick_errors = 0;
  std::uint64_t funding_settlements = 0;
  std::string last_error;
  std::chrono::milliseconds next_funding_in{0};
};

class VenueSimHost {
 public:
  VenueSimHost(VenueSimHostOptions options, const Clock& clock);
  ~VenueSimHost();  // calls stop()
  VenueSimHost(const VenueSimHost&) = delete;
  VenueSimHost& operator=(const VenueSimHost&) = delete;

  // Builds the venues, installs their routes, starts every server and the tick thread.
  // Errors: invalid_argument (no factory, duplicate or empty venue name, bad market
  // params), unavailable (a factory returned null), the install() or server start()
  // error prefixed with the venue name (e.g. io_error "binance: 127.0.0.1:9101 ...").
  // Once only (conflict afterwards).
  Status start();
  // Stops the tick thread, then the admin server, then the venue servers. Idempotent.
  void stop();

  // Listener URLs after start(): "http://127.0.0.1:PORT" (https:// with TLS).
  std::string admin_url() const { return admin_url_; }
  std::uint16_t admin_port() const;
  std::vector<std::string> venue_names() const;
  // nullptr for an unknown name.
  HostedVenue* venue(const std::string& name);

  MarketModel& market() { return *market_; }
  // Runs one market step now and hands the ticks to every venue (the tick thread does
  // this every tick_ms; tests call it to be deterministic).
  void tick_once();
  // Hands every venue its current ticks without moving the market (after a jump).
  void publish_current();
  // Settles funding on every venue now (also done every funding interval).
  void settle_funding();
  HostHealth health() const;

 private:
  void run_ticks();
  void record_error(const std::string& what);
  // Hands every venue the timer's next settlement time (UTC) and the interval.
  void publish_funding_schedule();
  void log(std::string_view line) const;
  std::string url_for(std::uint16_t port) const;

  VenueSimHostOptions options_;
  const Clock& clock_;
  std::vector<std::unique_ptr<HostedVenue>> venues_;
  std::unique_ptr<MarketModel> market_;
  std::unique_ptr<net::HttpServer> admin_server_;
  std::string admin_url_;
  bool started_ = false;

  std::thread tick_thread_;
  std::mutex tick_mutex_;  // guards stopping_ for the condition variable
  std::condition_variable tick_wakeup_;
  bool stopping_ = false;

  std::mutex tick_step_mutex_;  // one market step at a time (tick thread vs tick_once)
  mutable std::mutex health_mutex_;
  HostHealth health_;
  MonoTime next_funding_{};
};

}  // namespace propbot::venues::sim
