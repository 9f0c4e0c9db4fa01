// ShutdownWatchdog: a shutdown that finishes disarms it; one that hangs is ended at the
// deadline naming its stage; a second stop signal ends it at once.
#include "core/app/shutdown_watchdog.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace propbot::app {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// SIGUSR2 stands in for SIGTERM: blocked in this thread (and so in the watchdog's,
// which inherits the mask), as the daemon blocks its stop signals everywhere.
class ShutdownWatchdogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGUSR2);
    ::pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
  }
  void TearDown() override { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

  sigset_t signals_{};
  sigset_t previous_{};
  std::mutex mutex_;
  std::string forced_;
  std::atomic<int> calls_{0};

  std::function<void(const std::string&)> record() {
    return [this](const std::string& why) {
      std::lock_guard lock(mutex_);
      forced_ = why;
      ++calls_;
    };
  }
};

TEST_F(ShutdownWatchdogTest, AShutdownThatFinishesInTimeIsLeftAlone) {
  {
    ShutdownWatchdog watchdog(signals_, 2000ms, record());
    watchdog.stage("stopping the engine");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ShutdownWatchdogTest, AHangingStageIsNamedAndEndedAtTheDeadline) {
  const auto started = std::chrono::steady_clock::now();
  {
    ShutdownWatchdog watchdog(signals_, 200ms, record());
    watchdog.stage("stopping the engine");
    while (calls_.load() == 0 && std::chrono::steady_clock::now() - started < 5s) std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_EQ(forced_, "shutdown did not finish within 200 ms (still stopping the engine); exiting without waiting for it");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(ShutdownWatchdogTest, ASecondStopSignalEndsItAtOnce) {
  const auto started = std::chrono::steady_clock::now();
  {
    ShutdownWatchdog watchdog(signals_, 30s, record());
    watchdog.stage("stopping the API server");
    ::kill(::getpid(), SIGUSR2);
    while (calls_.load() == 0 && std::chrono::steady_clock::now() - started < 5s) std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_THAT(forced_, HasSubstr("a second stop signal arrived (still stopping the API server)"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

}  // namespace
}  // namespace propbot::app
