// run_child(): the bounded child the daemon runs untrusted work in. Real processes
// (/bin/sh, /bin/cat) show each guarantee of child_process.hpp.
#include "core/common/child_process.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace propbot {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ChildLimits limits_of(int deadline_ms) {
  ChildLimits limits;
  limits.deadline = std::chrono::milliseconds(deadline_ms);
  return limits;
}

Result<ChildResult> shell(const std::string& script, ChildLimits limits = limits_of(5000), std::string input = {},
                          std::vector<std::string> env = {"PATH=/usr/bin:/bin"}) {
  return run_child("/bin/sh", {"-c", script}, env, input, limits);
}

TEST(ChildProcessTest, FeedsStdinAndCollectsStdout) {
  std::string input(300'000, 'x');  // larger than a pipe buffer: written while the child reads
  input += "end";
  auto ran = run_child("/bin/cat", {}, {}, input, limits_of(5000));
  ASSERT_TRUE(ran.ok()) << ran.error().describe();
  EXPECT_TRUE(ran->exited_ok());
  EXPECT_EQ(ran->out, input);
}

TEST(ChildProcessTest, KillsAChildThatRunsPastItsDeadlineAndReturnsInTime) {
  auto ran = shell("while :; do :; done", limits_of(300));
  ASSERT_TRUE(ran.ok());
  EXPECT_TRUE(ran->timed_out);
  EXPECT_EQ(ran->signal, SIGKILL);
  EXPECT_LT(ran->wall_ms, 3000);
  std::cout << "[          ] deadline 300 ms, returned after " << ran->wall_ms << " ms\n";
}

TEST(ChildProcessTest, AChildThatClosesItsOutputButLivesOnIsStillKilledAtTheDeadline) {
  auto ran = shell("exec >/dev/null 2>&1 </dev/null; sleep 30", limits_of(300));
  ASSERT_TRUE(ran.ok());
  EXPECT_TRUE(ran->timed_out);
  EXPECT_LT(ran->wall_ms, 3000);
}

TEST(ChildProcessTest, ACancelledRunEndsAtOnce) {
  std::atomic<bool> stopping{false};
  ChildLimits limits = limits_of(30'000);
  limits.cancel = &stopping;
  std::thread stopper([&stopping] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stopping.store(true);
  });
  auto ran = shell("sleep 30", limits);
  stopper.join();
  ASSERT_TRUE(ran.ok());
  EXPECT_TRUE(ran->cancelled);
  EXPECT_FALSE(ran->timed_out);
  EXPECT_LT(ran->wall_ms, 2000);
}

TEST(ChildProcessTest, ReportsTheSignalThatEndedACrashedChild) {
  auto ran = shell("kill -SEGV $$");
  ASSERT_TRUE(ran.ok());
  EXPECT_FALSE(ran->exited_ok());
  EXPECT_EQ(ran->signal, SIGSEGV);
  EXPECT_EQ(signal_name(ran->signal), "SIGSEGV");
}

TEST(ChildProcessTest, StopsAChildThatWritesWithoutEnd) {
  ChildLimits limits = limits_of(5000);
  limits.max_output_bytes = 100'000;
  auto ran = shell("while :; do echo yyyyyyyyyyyyyyyyyyyyyyyy; done", limits);
  ASSERT_TRUE(ran.ok());
  EXPECT_TRUE(ran->output_overflow);
  EXPECT_LE(ran->out.size(), 100'000u);
}

TEST(ChildProcessTest, AppliesTheCpuAndMemoryLimits) {
  ChildLimits limits = limits_of(10'000);
  limits.cpu_seconds = 1;
  auto spun = shell("while :; do :; done", limits);
  ASSERT_TRUE(spun.ok());
  EXPECT_FALSE(spun->timed_out);
  EXPECT_TRUE(spun->signal == SIGXCPU || spun->signal == SIGKILL) << signal_name(spun->signal);

  ChildLimits memory = limits_of(5000);
  memory.address_space_bytes = 64u << 20;
  auto limited = shell("ulimit -v", memory);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->out, std::to_string((64u << 20) / 1024) + "\n");
}

TEST(ChildProcessTest, TheChildGetsOnlyItsOwnEnvironmentDescriptorsAndACleanSignalMask) {
  ::setenv("PROPBOT_SECRETS_KEY", "must-not-reach-the-child", 1);
  // A descriptor without O_CLOEXEC, as a library or an older API might leave one: only
  // the child's own close_range keeps it from crossing exec.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 3);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigset_t previous;
  ::pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  auto ran = shell("env; echo fds; ls /proc/self/fd; grep SigBlk /proc/self/status");
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ::unsetenv("PROPBOT_SECRETS_KEY");
  ::close(leaky);
  ASSERT_TRUE(ran.ok());
  EXPECT_THAT(ran->out, Not(HasSubstr("PROPBOT_SECRETS_KEY")));
  EXPECT_THAT(ran->out, HasSubstr("PATH=/usr/bin:/bin"));
  // 0, 1, 2 and the descriptor ls opened to read the directory: nothing of ours.
  const std::string fds = ran->out.substr(ran->out.find("fds\n") + 4);
  EXPECT_EQ(fds.substr(0, fds.find("SigBlk")), "0\n1\n2\n3\n");
  EXPECT_THAT(ran->out, HasSubstr("SigBlk:\t0000000000000000"));
}

TEST(ChildProcessTest, AMissingProgramIsAnExitCodeNotAnError) {
  auto ran = run_child("/nonexistent/program", {}, {}, "", limits_of(2000));
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(ran->exit_code, 127);
}

TEST(ChildProcessTest, KnowsItsOwnExecutable) { EXPECT_THAT(current_executable(), HasSubstr("common_test")); }

}  // namespace
}  // namespace propbot
