// RandomWalkVenue: a minimal in-process simulated venue for the paper profile of the
// walking skeleton. Every tick it rebuilds an L2 book per symbol around the mid that
// RandomWalkMarket quotes for it and publishes the book. It has no order entry: the
// protocol-speaking simulator with a matching engine (venues issue) replaces it behind
// the same Venue interface.
//
// Thread: engine thread only; its timer runs on the Clock it is given.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/venues/sim/random_walk_market.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::sim {

struct RandomWalkVenueParams {
  Nanos tick{std::chrono::milliseconds(100)};
  double spread_bps = 1.0;  // quoted spread around the venue mid
  int depth_levels = 20;
};

class RandomWalkVenue final : public MarketDataVenue {
 public:
  RandomWalkVenue(std::string id, std::vector<md::InstrumentSpec> instruments,
                  std::shared_ptr<RandomWalkMarket> market, Clock& clock,
                  RandomWalkVenueParams params);
  ~RandomWalkVenue() override;

  const std::string& id() const override { return id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override { return instruments_; }
  void start(MarketDataListener& listener) override;
  void stop() override;

  // Builds and publishes one round of books (also what each timer tick does).
  void publish_once();

 private:
  void schedule_next();
  void rebuild(md::OrderBook& book);

  std::string id_;
  std::vector<md::InstrumentSpec> instruments_;
  std::shared_ptr<RandomWalkMarket> market_;
  Clock& clock_;
  RandomWalkVenueParams params_;
  std::vector<md::OrderBook> books_;
  std::vector<md::BookLevel> bid_scratch_;
  std::vector<md::BookLevel> ask_scratch_;
  MarketDataListener* listener_ = nullptr;
  Clock::TimerId timer_ = 0;
  MonoTime started_at_{};
  std::uint64_t sequence_ = 0;
};

}  // namespace propbot::venues::sim
