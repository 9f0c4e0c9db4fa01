#include "core/venues/sim/host/venue_sim_host.hpp"

#include <exception>
#include <set>

#include "core/net/router.hpp"
#include "core/venues/sim/host/admin_routes.hpp"
#include "core/venues/sim/host/instruments.hpp"

namespace propbot::venues::sim {
namespace {

std::string url_host(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

// Distinct, reproducible seeds per venue: two venues are two exchanges.
std::uint64_t venue_seed(std::uint64_t seed, std::size_t index) {
  return seed * 6364136223846793005ULL + 1442695040888963407ULL * (index + 1);
}

}  // namespace

VenueSimHost::VenueSimHost(VenueSimHostOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  if (options_.symbols.empty()) options_.symbols = default_symbols();
}

VenueSimHost::~VenueSimHost() { stop(); }

void VenueSimHost::log(std::string_view line) const {
  if (options_.log) options_.log(line);
}

std::string VenueSimHost::url_for(std::uint16_t port) const {
  return std::string(options_.tls ? "https://" : "http://") + url_host(options_.bind) + ":" + std::to_string(port);
}

Status VenueSimHost::start() {
  if (started_) return make_error(Errc::conflict, "venue simulator host already started");
  started_ = true;
  if (options_.funding_interval.count() <= 0) {
    return make_error(Errc::invalid_argument, "funding_interval: must be > 0");
  }
  if (const std::string problem = options_.market.validate(); !problem.empty()) {
    return make_error(Errc::invalid_argument, "market." + problem);
  }
  std::set<std::string> names;
  for (const auto& spec : options_.venues) {
    if (spec.name.empty()) return make_error(Errc::invalid_argument, "venue name is empty");
    if (!names.insert(spec.name).second) {
      return make_error(Errc::invalid_argument, "venue '" + spec.name + "' is listed twice");
    }
    if (!spec.factory) return make_error(Errc::invalid_argument, spec.name + ": no factory");
  }

  std::vector<std::string> venue_names(names.begin(), names.end());
  if (venue_names.empty()) venue_names.push_back("none");  // the market model needs one venue
  try {
    market_ = std::make_unique<MarketModel>(options_.market, options_.seed, venue_names, options_.symbols);
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument, std::string("market: ") + e.what());
  }

  net::HttpServerOptions server_options;
  server_options.bind = options_.bind;
  server_options.tls = options_.tls;
  const auto error_log = [this](std::string_view line) { log(line); };

  for (std::size_t i = 0; i < options_.venues.size(); ++i) {
    const HostedVenueSpec& spec = options_.venues[i];
    auto hosted = std::make_unique<HostedVenue>();
    hosted->name = spec.name;
    SimVenueConfig config;
    config.name = spec.name;
    config.seed = venue_seed(options_.seed, i);
    config.max_order_log_records = options_.max_order_log_records;
    for (const auto& symbol : options_.symbols) {
      // The rules follow the venue's protocol; a venue is named after its protocol.
      config.instruments.push_back(instrument_rules(spec.name, symbol.symbol));
    }
    try {
      hosted->venue = spec.factory(config, clock_);
    } catch (const std::exception& e) {
      stop();
      return make_error(Errc::unavailable, spec.name + ": cannot build the venue: " + e.what());
    }
    if (!hosted->venue) {
      stop();
      return make_error(Errc::unavailable, spec.name + ": the factory built no venue");
    }
    auto router = std::make_shared<net::Router>(error_log);
    server_options.port = spec.port;
    hosted->server = std::make_unique<net::HttpServer>(server_options, router);
    if (Status installed = hosted->venue->install(*router, *hosted->server); !installed) {
      stop();
      return make_error(installed.error().code, spec.name + ": " + installed.error().message);
    }
    if (Status listening = hosted->server->start(); !listening) {
      stop();
      return make_error(listening.error().code, spec.name + ": " + listening.error().message);
    }
    hosted->url = url_for(hosted->server->port());
    venues_.push_back(std::move(hosted));
  }

  auto admin_router = std::make_shared<net::Router>(error_log);
  add_admin_routes(*admin_router, *this);
  server_options.port = options_.admin_port;
  admin_server_ = std::make_unique<net::HttpServer>(server_options, admin_router);
  if (Status listening = admin_server_->start(); !listening) {
    stop();
    return make_error(listening.error().code, "admin: " + listening.error().message);
  }
  admin_url_ = url_for(admin_server_->port());

  // The venues quote from the first moment, not one tick later.
  publish_current();
  {
    std::lock_guard lock(health_mutex_);
    next_funding_ = clock_.now() + options_.funding_interval;
  }
  publish_funding_schedule();
  {
    std::lock_guard lock(tick_mutex_);
    stopping_ = false;
  }
  tick_thread_ = std::thread([this] { run_ticks(); });
  log("venue_sim: started, admin on " + admin_url_);
  return {};
}

void VenueSimHost::stop() {
  {
    std::lock_guard lock(tick_mutex_);
    stopping_ = true;
  }
  tick_wakeup_.notify_all();
  if (tick_thread_.joinable()) tick_thread_.join();
  if (admin_server_) admin_server_->stop();
  for (auto& hosted : venues_) {
    if (hosted->server) hosted->server->stop();
  }
}

std::uint16_t VenueSimHost::admin_port() const { return admin_server_ ? admin_server_->port() : 0; }

std::vector<std::string> VenueSimHost::venue_names() const {
  std::vector<std::string> names;
  for (const auto& hosted : venues_) names.push_back(hosted->name);
  return names;
}

HostedVenue* VenueSimHost::venue(const std::string& name) {
  for (auto& hosted : venues_) {
    if (hosted->name == name) return hosted.get();
  }
  return nullptr;
}

void VenueSimHost::record_error(const std::string& what) {
  {
    std::lock_guard lock(health_mutex_);
    ++health_.tick_errors;
    health_.last_error = what;
  }
  log("venue_sim: " + what);
}

void VenueSimHost::tick_once() {
  std::lock_guard step_lock(tick_step_mutex_);
  const auto ticks = market_->step();
  for (auto& hosted : venues_) {
    const auto it = ticks.find(hosted->name);
    if (it == ticks.end()) continue;
    try {
      std::lock_guard lock(hosted->call_mutex);
      hosted->venue->on_market_tick(it->second);
    } catch (const std::exception& e) {
      record_error(hosted->name + ": on_market_tick failed: " + e.what());
    }
  }
  std::lock_guard lock(health_mutex_);
  ++health_.ticks;
}

void VenueSimHost::publish_current() {
  // Under the step lock: a tick step must not slip between reading and publishing, or
  // a venue would get these (older) quotes after the newer ones.
  std::lock_guard step_lock(tick_step_mutex_);
  const auto ticks = market_->current();
  for (auto& hosted : venues_) {
    const auto it = ticks.find(hosted->name);
    if (it == ticks.end()) continue;
    try {
      std::lock_guard lock(hosted->call_mutex);
      hosted->venue->on_market_tick(it->second);
    } catch (const std::exception& e) {
      record_error(hosted->name + ": on_market_tick failed: " + e.what());
    }
  }
}

void VenueSimHost::settle_funding() {
  for (auto& hosted : venues_) {
    try {
      std::lock_guard lock(hosted->call_mutex);
      hosted->venue->settle_funding();
    } catch (const std::exception& e) {
      record_error(hosted->name + ": settle_funding failed: " + e.what());
    }
  }
  std::lock_guard lock(health_mutex_);
  ++health_.funding_settlements;
}

void VenueSimHost::publish_funding_schedule() {
  UtcTime next{};
  {
    std::lock_guard lock(health_mutex_);
    next = clock_.utc() + (next_funding_ - clock_.now());
  }
  // Whole milliseconds: the venues print epoch ms, and two reads must agree.
  next = std::chrono::floor<std::chrono::milliseconds>(next);
  for (auto& hosted : venues_) {
    try {
      std::lock_guard lock(hosted->call_mutex);
      hosted->venue->set_funding_schedule(next, options_.funding_interval);
    } catch (const std::exception& e) {
      record_error(hosted->name + ": set_funding_schedule failed: " + e.what());
    }
  }
}

HostHealth VenueSimHost::health() const {
  std::lock_guard lock(health_mutex_);
  HostHealth health = health_;
  const auto left = next_funding_ - clock_.now();
  health.next_funding_in = std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(left));
  return health;
}

void VenueSimHost::run_ticks() {
  std::unique_lock lock(tick_mutex_);
  while (!stopping_) {
    // tick_ms is read every time: PUT /admin/market changes the pace at once.
    const auto period = std::chrono::milliseconds(market_->params().tick_ms);
    if (tick_wakeup_.wait_for(lock, period, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      tick_once();
      bool funding_due = false;
      {
        std::lock_guard health_lock(health_mutex_);
        if (clock_.now() >= next_funding_) {
          funding_due = true;
          next_funding_ += options_.funding_interval;
          // After a long stall, do not settle a backlog in a burst.
          if (next_funding_ <= clock_.now()) next_funding_ = clock_.now() + options_.funding_interval;
        }
      }
      if (funding_due) {
        settle_funding();
        // After the payments: a client that sees the new time finds them recorded.
        publish_funding_schedule();
      }
    } catch (const std::exception& e) {
      record_error(std::string("tick failed: ") + e.what());
    }
    lock.lock();
  }
}

}  // namespace propbot::venues::sim
