// FakeVenue: a SimulatedVenue that records what the host asks of it (ticks, funding
// settlements and their schedule, accounts, faults, forced marks) and serves one REST route, so host tests
// need no protocol frontend. Thread-safe: the host calls it from its tick thread and the
// admin server thread, the test reads it from the test thread.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/venues/sim/simulated_venue.hpp"

namespace propbot::venues::sim::testing {

class FakeVenue final : public SimulatedVenue {
 public:
  FakeVenue(std::string protocol, SimVenueConfig config) : protocol_(std::move(protocol)), config_(std::move(config)) {}

  std::string_view protocol() const override { return protocol_; }

  Status install(net::Router& router, net::HttpServer&) override {
    router.add("GET", "/ping", [this](const net::HttpRequest&) {
      return net::HttpResponse::json(200, nlohmann::json{{"venue", protocol_}});
    });
    return {};
  }

  void on_market_tick(const std::vector<MarketTick>& ticks) override {
    std::lock_guard lock(mutex_);
    ticks_.push_back(ticks);
  }

  void settle_funding() override {
    std::lock_guard lock(mutex_);
    ++settlements_;
  }

  void set_funding_schedule(UtcTime next, std::chrono::milliseconds interval) override {
    std::lock_guard lock(mutex_);
    schedules_.push_back({next, interval, settlements_});
  }

  Status create_account(const SimAccountSpec& spec) override {
    std::lock_guard lock(mutex_);
    if (accounts_.count(spec.api_key) != 0) return make_error(Errc::already_exists, "duplicate api key");
    accounts_[spec.api_key] = spec;
    return {};
  }

  FaultPlan faults() const override {
    std::lock_guard lock(mutex_);
    return faults_;
  }
  void set_faults(const FaultPlan& plan) override {
    std::lock_guard lock(mutex_);
    faults_ = plan;
  }

  void force_mark(const std::string& symbol, Decimal mark) override {
    std::lock_guard lock(mutex_);
    marks_.emplace_back(symbol, mark);
  }

  nlohmann::json describe() const override {
    std::lock_guard lock(mutex_);
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& [key, spec] : accounts_) keys.push_back(key);
    return {{"accounts", keys}, {"instruments", config_.instruments.size()}};
  }

  // Test-side readers.
  std::vector<std::vector<MarketTick>> ticks() const {
    std::lock_guard lock(mutex_);
    return ticks_;
  }
  int settlements() const {
    std::lock_guard lock(mutex_);
    return settlements_;
  }
  std::map<std::string, SimAccountSpec> accounts() const {
    std::lock_guard lock(mutex_);
    return accounts_;
  }
  std::vector<std::pair<std::string, Decimal>> marks() const {
    std::lock_guard lock(mutex_);
    return marks_;
  }
  const SimVenueConfig& config() const { return config_; }
  // Every set_funding_schedule call, with the number of settlements done before it.
  struct Schedule {
    UtcTime next{};
    std::chrono::milliseconds interval{};
    int settlements_before = 0;
  };
  std::vector<Schedule> schedules() const {
    std::lock_guard lock(mutex_);
    return schedules_;
  }

 private:
  std::string protocol_;
  SimVenueConfig config_;
  mutable std::mutex mutex_;
  std::vector<std::vector<MarketTick>> ticks_;
  int settlements_ = 0;
  std::map<std::string, SimAccountSpec> accounts_;
  FaultPlan faults_;
  std::vector<std::pair<std::string, Decimal>> marks_;
  std::vector<Schedule> schedules_;
};

}  // namespace propbot::venues::sim::testing
