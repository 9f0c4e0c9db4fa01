// Bounded memory (issue 11, item 0): an idle paper daemon — its embedded Binance and
// OKX simulators ticking, the adapters syncing books, the strategies and policies
// running — and a bare `propbot venue-sim` must not grow. Before the fix the daemon grew
// ~0.77 MB/s (the simulator kept every cancelled liquidity order) and venue-sim ~0.15 MB/s.
//
// Both run side by side for PROPBOT_SOAK_SECONDS (default 90; run longer by hand). RSS
// is sampled every 5 s; after a 30 s warm-up it must stay within kMaxGrowthKib of the
// first warm sample. The samples are printed either way.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/e2e/daemon_process.hpp"

namespace propbot::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxGrowthKib = 5 * 1024;
constexpr auto kWarmUp = 30s;
constexpr auto kSampleEvery = 5s;

std::size_t rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

std::chrono::seconds soak_time() {
  const char* text = std::getenv("PROPBOT_SOAK_SECONDS");
  const long seconds = text != nullptr && *text != '\0' ? std::atol(text) : 90;
  return std::chrono::seconds(std::max<long>(seconds, 45));
}

struct Series {
  std::string name;
  std::vector<std::size_t> samples;  // KiB, from the first sample after the warm-up

  std::size_t growth() const {
    std::size_t peak = 0;
    for (std::size_t s : samples) peak = std::max(peak, s);
    return samples.empty() ? 0 : peak - std::min(peak, samples.front());
  }
  void print() const {
    std::string line = "[          ] " + name + " RSS after warm-up (KiB, every 5 s):";
    for (std::size_t s : samples) line += " " + std::to_string(s);
    std::cout << line << "; growth " << growth() << " KiB\n";
  }
};

TEST(SoakE2E, AnIdlePaperDaemonAndTheVenueSimulatorKeepTheirMemoryFlat) {
  TempDir data;
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data.path()});
  ASSERT_TRUE(daemon.start());
  ASSERT_TRUE(daemon.wait_for_listening(20s).has_value()) << daemon.stderr_text();
  DaemonProcess simulator({PROPBOT_BINARY, "venue-sim"});
  ASSERT_TRUE(simulator.start());

  const auto total = soak_time();
  std::this_thread::sleep_for(kWarmUp);
  Series paper{"paper daemon", {}}, sim{"venue-sim", {}};
  const auto until = std::chrono::steady_clock::now() + (total - kWarmUp);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(daemon.running()) << daemon.stderr_text();
    ASSERT_TRUE(simulator.running()) << simulator.stderr_text();
    paper.samples.push_back(rss_kib(daemon.pid()));
    sim.samples.push_back(rss_kib(simulator.pid()));
    std::this_thread::sleep_for(kSampleEvery);
  }
  paper.print();
  sim.print();
  EXPECT_LT(paper.growth(), kMaxGrowthKib);
  EXPECT_LT(sim.growth(), kMaxGrowthKib);

  daemon.send_signal(SIGTERM);
  simulator.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(15s).value_or(-1), 0);
  EXPECT_EQ(simulator.wait_exit(15s).value_or(-1), 0);
}

}  // namespace
}  // namespace propbot::testing
