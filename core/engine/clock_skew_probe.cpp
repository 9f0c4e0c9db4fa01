#include "core/engine/clock_skew_probe.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace propbot::engine {

namespace {

std::vector<std::string> ids_of(const std::vector<venues::Venue*>& venues) {
  std::vector<std::string> ids;
  for (const auto* venue : venues) {
    if (venue == nullptr) throw std::invalid_argument("ClockSkewProbe: null venue");
    ids.push_back(venue->id());
  }
  return ids;
}

double to_ms(Nanos duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

}  // namespace

ClockSkewProbe::ClockSkewProbe(Clock& clock, std::vector<venues::Venue*> venues, ClockSkewProbeOptions options,
                               Logger logger, OnMeasured on_measured)
    : clock_(clock),
      options_(options),
      logger_(std::move(logger)),
      on_measured_(std::move(on_measured)),
      table_(ids_of(venues)) {
  if (options_.interval <= Nanos{0}) throw std::invalid_argument("ClockSkewProbe: interval must be > 0");
  for (auto* venue : venues) slots_.push_back(Slot{venue, venue->id()});
}

ClockSkewProbe::~ClockSkewProbe() { stop(); }

void ClockSkewProbe::start() {
  if (running_) return;
  running_ = true;
  round();
}

void ClockSkewProbe::stop() {
  if (!running_) return;
  running_ = false;
  clock_.cancel(timer_);
  ++generation_;
  for (auto& slot : slots_) slot.in_flight = false;
}

std::size_t ClockSkewProbe::in_flight() const {
  return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.in_flight; }));
}

void ClockSkewProbe::round() {
  // Schedule the next round first: an answer given inside server_time() may run
  // anything, including stop().
  timer_ = clock_.call_after(options_.interval, [this] { round(); });
  for (std::size_t i = 0; i < slots_.size() && running_; ++i) probe(i);
}

void ClockSkewProbe::probe(std::size_t index) {
  Slot& slot = slots_[index];
  if (slot.in_flight) {
    logger_.debug("clock_skew_probe_still_waiting", {{"venue", slot.id}});
    return;
  }
  slot.in_flight = true;
  slot.sent = clock_.now();
  slot.local_at_sent = clock_.utc();
  std::weak_ptr<bool> alive = alive_;
  const std::uint64_t generation = generation_;
  slot.venue->server_time([this, alive, generation, index](venues::VenueResult<UtcTime> answer) {
    if (alive.expired() || generation != generation_) return;  // gone, or asked before a stop()
    on_answer(index, answer);
  });
}

void ClockSkewProbe::on_answer(std::size_t index, const venues::VenueResult<UtcTime>& answer) {
  Slot& slot = slots_[index];
  slot.in_flight = false;
  if (!answer) {
    logger_.warn("clock_skew_probe_failed", {{"venue", slot.id}, {"error", answer.error().describe()}});
    return;
  }
  const MonoTime answered = clock_.now();
  const Nanos round_trip = answered - slot.sent;
  if (options_.max_round_trip > Nanos{0} && round_trip > options_.max_round_trip) {
    logger_.warn("clock_skew_probe_too_slow", {{"venue", slot.id}, {"round_trip_ms", to_ms(round_trip)}});
    return;
  }
  const double skew = risk::measured_skew_ms(slot.sent, answered, slot.local_at_sent, answer.value());
  table_.record(slot.id, skew, clock_.utc());
  if (on_measured_) on_measured_(slot.id, skew);
}

}  // namespace propbot::engine
