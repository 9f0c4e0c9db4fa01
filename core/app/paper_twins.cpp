#include "core/app/paper_twins.hpp"

namespace propbot::app {

venues::paper::PaperBrokerOptions paper_options_of(const config::VenueConfig& venue) {
  venues::paper::PaperBrokerOptions options;
  // The venue's configured fees (validated finite and non-negative by the schema).
  if (auto rate = Decimal::from_double(venue.maker_fee_bps / 1e4, 8)) options.maker_fee_rate = *rate;
  if (auto rate = Decimal::from_double(venue.taker_fee_bps / 1e4, 8)) options.taker_fee_rate = *rate;
  return options;
}

PaperTwins::PaperTwins(const config::Config& config, const std::vector<venues::Venue*>& venues, Clock& clock) {
  for (const venues::Venue* venue : venues) {
    venues::paper::PaperBrokerOptions options;
    for (const auto& configured : config.venues) {
      if (configured.id == venue->id()) options = paper_options_of(configured);
    }
    twins_.push_back(std::make_unique<venues::paper::PaperBroker>(venue->id(), venue->instruments(), clock, options));
  }
}

venues::Venue* PaperTwins::twin(std::string_view venue) const {
  for (const auto& each : twins_) {
    if (each->id() == venue) return each.get();
  }
  return nullptr;
}

std::vector<venues::Venue*> PaperTwins::all() const {
  std::vector<venues::Venue*> out;
  for (const auto& each : twins_) out.push_back(each.get());
  return out;
}

void PaperTwins::on_book(const md::OrderBook& book) {
  for (const auto& each : twins_) {
    if (each->id() == book.spec().venue) {
      each->feed(book);
      return;
    }
  }
}

bool PaperTwins::working() const {
  for (const auto& each : twins_) {
    if (each->has_open_orders()) return true;
  }
  return false;
}

}  // namespace propbot::app
