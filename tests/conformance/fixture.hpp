// VenueConformance: the parameterised fixture every conformance test file shares —
// one adapter + simulator harness per test (harness.hpp), plus the small helpers the
// cases use (a resting order, fault edits).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/conformance/harness.hpp"

namespace propbot::venues::conformance {

inline Decimal D(const char* text) { return Decimal::parse(text).value(); }

class VenueConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    harness_ = make_harness(GetParam());
    ASSERT_NE(harness_, nullptr) << "unknown venue " << GetParam();
    ASSERT_TRUE(harness_->start()) << GetParam() << ": adapter did not come up (private stream, book, instruments)";
  }
  void TearDown() override { harness_.reset(); }

  VenueHarness& h() { return *harness_; }
  Recorder& rec() { return harness_->recorder(); }

  // Rests a buy well below the market (2% under mid): never fills.
  void rest(const std::string& id) {
    auto placed = h().place_and_wait(limit_order(id, OrderSide::buy, "49000.0"));
    ASSERT_TRUE(placed.ok()) << placed.error().describe();
    ASSERT_EQ(placed.value().status, OrderStatus::new_order);
  }
  void set_faults(const std::function<void(sim::FaultPlan&)>& edit) {
    sim::FaultPlan plan = h().sim().faults();
    edit(plan);
    h().sim().set_faults(plan);
  }

  std::unique_ptr<VenueHarness> harness_;
};

}  // namespace propbot::venues::conformance
