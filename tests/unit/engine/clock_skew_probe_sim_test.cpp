// ClockSkewProbe against both real adapters talking to their real simulator frontends
// (the conformance harness, tests/conformance/harness.hpp): with the simulator's
// clock_skew_ms fault at 3000 the probe measures about +3000 ms, without it about 0.
// The probe's timers sit on an io_context nobody runs: start() asks at once, and only
// that first round is needed here; the harness pumps the adapter's io_context.
#include <chrono>
#include <cmath>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/engine/clock_skew_probe.hpp"
#include "tests/conformance/fixture.hpp"

namespace propbot::venues::conformance {
namespace {

class ClockSkewProbeSimTest : public VenueConformance {
 protected:
  // One probe round against the harness's adapter; the skew it measured, if any.
  std::optional<double> measure() {
    boost::asio::io_context idle;
    RealClock clock(idle);
    LogOptions log_options;
    log_options.level = "error";
    engine::ClockSkewProbe probe(clock, {&h().venue()}, engine::ClockSkewProbeOptions{},
                                 Logger::from_options(log_options));
    probe.start();
    const std::string id = h().venue().id();
    EXPECT_TRUE(h().run_until([&] { return probe.table().skew_ms(id).has_value(); })) << "no answer from " << id;
    return probe.table().skew_ms(id);
  }
};

TEST_P(ClockSkewProbeSimTest, MeasuresTheSimulatorsClockSkew) {
  const auto baseline = measure();
  ASSERT_TRUE(baseline);
  EXPECT_LT(std::abs(*baseline), 250.0) << "skew without the fault";

  set_faults([](sim::FaultPlan& plan) { plan.clock_skew_ms = 3000; });
  const auto skewed = measure();
  ASSERT_TRUE(skewed);
  EXPECT_NEAR(*skewed, 3000.0, 250.0);

  set_faults([](sim::FaultPlan& plan) { plan.clock_skew_ms = -3000; });
  const auto behind = measure();
  ASSERT_TRUE(behind);
  EXPECT_NEAR(*behind, -3000.0, 250.0);
}

INSTANTIATE_TEST_SUITE_P(BothVenues, ClockSkewProbeSimTest, ::testing::Values("binance", "okx"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace propbot::venues::conformance
