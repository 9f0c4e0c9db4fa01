#include "core/venues/sim/fault_gate.hpp"

#include "core/venues/sim/fault_fields.hpp"

#include <algorithm>

namespace propbot::venues::sim {

bool FaultGate::set(const FaultPlan& plan) {
  const bool restart = rules_.every_plan_restarts_counts;
  if (restart || plan.rate_limit_429_count != plan_.rate_limit_429_count) storm_seen_ = 0;
  if (restart || plan.reject_nth_order != plan_.reject_nth_order) orders_left_ = plan.reject_nth_order;
  plan_ = plan;
  const bool close_websockets = plan_.disconnect_websockets || plan_.websockets_down;
  plan_.disconnect_websockets = false;
  return close_websockets;
}

nlohmann::json FaultGate::describe() const { return fault_plan_json(plan_, /*with_one_shot=*/false); }

std::chrono::milliseconds FaultGate::added_latency() const {
  return std::chrono::milliseconds(std::clamp(plan_.added_latency_ms, 0, kMaxAddedLatencyMs));
}

Admission FaultGate::admit(Nanos now) {
  auto banned = [&] {
    ++banned_;
    return Admission{Admission::Kind::banned, 0, *ban_until_ - now};
  };
  if (ban_until_) {
    if (now < *ban_until_) return banned();
    if (rules_.forget_ended_ban) ban_until_.reset();
  }
  if (plan_.rate_limit_429_count <= 0) return Admission{};
  --plan_.rate_limit_429_count;
  ++storm_seen_;
  if (plan_.ban_after_429s > 0) {
    const bool ban_now = rules_.ban_follows_last_429 ? storm_seen_ > plan_.ban_after_429s
                                                     : storm_seen_ >= plan_.ban_after_429s;
    if (ban_now) {
      ban_until_ = now + std::chrono::seconds(plan_.ban_s);
      if (rules_.ban_follows_last_429) {
        plan_.rate_limit_429_count = 0;  // the ban ends the storm
      } else {
        storm_seen_ = 0;  // the storm resumes after the ban, counted afresh
      }
      return banned();
    }
  }
  ++throttled_;
  return Admission{Admission::Kind::throttled, plan_.retry_after_s, {}};
}

WriteRefusal FaultGate::refuse_writes() const {
  if (plan_.maintenance) return WriteRefusal::maintenance;
  if (plan_.read_only) return WriteRefusal::read_only;
  return WriteRefusal::none;
}

bool FaultGate::take_order_rejection() {
  if (orders_left_ > 0 && --orders_left_ == 0) {
    plan_.reject_nth_order = 0;
    return true;
  }
  return false;
}

std::optional<double> FaultGate::partial_fill_ratio() const {
  const double ratio = plan_.partial_fill_ratio;
  if (ratio > 0 && ratio < 1) return ratio;
  return std::nullopt;
}

bool FaultGate::take_funding_skip() {
  if (plan_.skip_funding <= 0) return false;
  --plan_.skip_funding;
  ++skipped_fundings_;
  return true;
}

bool FaultGate::take_disconnect() {
  if (!plan_.disconnect_websockets) return false;
  plan_.disconnect_websockets = false;
  return true;
}

bool FaultGate::drop_diff(std::uint64_t nth) {
  const int every = plan_.drop_every_nth_diff;
  if (every <= 0 || nth % static_cast<std::uint64_t>(every) != 0) return false;
  ++dropped_diffs_;
  return true;
}

bool FaultGate::take_corrupt_snapshot() {
  if (!plan_.corrupt_next_snapshot) return false;
  plan_.corrupt_next_snapshot = false;
  return true;
}

}  // namespace propbot::venues::sim
