// PaperTwins: the dry-run double of every venue the desk trades on (SPEC S-1.2
// dry_run_mode, S-8.7), one PaperBroker twin per configured venue, with the venue's id,
// instruments and fee tier. The Engine feeds them the books it receives from the real
// venues and starts them; the executor sends every order of a simulated trade to the
// twin of its venue (exec::TwinVenues). Built in the composition root next to the
// VenueSet, always — dry_run_mode is switched at run time, so the twins are ready
// whatever the flag said at start.
//
// Guarantees: a twin has no network path (nothing it is given reaches a venue); a venue
// without a twin is never answered by another venue's twin. Bound: one twin per venue.
//
// Thread: built on the owning thread before the engine starts; afterwards the engine's.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/config/config.hpp"
#include "core/exec/execution_ports.hpp"
#include "core/venues/paper/paper_broker.hpp"

namespace propbot::app {

// The paper broker's options for `venue`: its configured maker and taker fees.
venues::paper::PaperBrokerOptions paper_options_of(const config::VenueConfig& venue);

class PaperTwins final : public exec::TwinVenues {
 public:
  // One twin per venue in `venues`, in that order; fees from the venue's configuration
  // (`config.venues`, matched by id; defaults when absent).
  PaperTwins(const config::Config& config, const std::vector<venues::Venue*>& venues, Clock& clock);

  venues::Venue* twin(std::string_view venue) const override;
  std::vector<venues::Venue*> all() const override;
  void on_book(const md::OrderBook& book) override;
  bool working() const override;  // a twin has a resting paper order

 private:
  std::vector<std::unique_ptr<venues::paper::PaperBroker>> twins_;
};

}  // namespace propbot::app
