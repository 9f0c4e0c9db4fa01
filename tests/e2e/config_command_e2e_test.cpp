// `propbot config validate` run as the real binary on a copy of the shipped bundle and
// on a broken copy.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/bundle/bundle.hpp"
#include "tests/e2e/daemon_process.hpp"

namespace propbot::bundle {
namespace {

using propbot::testing::DaemonProcess;
using propbot::testing::TempDir;

using ProcessRun = propbot::testing::CommandRun;

ProcessRun run_propbot(std::vector<std::string> args) {
  args.insert(args.begin(), PROPBOT_BINARY);
  return propbot::testing::run_to_exit(std::move(args), std::chrono::seconds(60));
}

class ConfigCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Bundle> read = read_bundle(PROPBOT_SOURCE_DIR);
    ASSERT_TRUE(read.ok()) << read.error().describe();
    shipped_ = *read;
  }
  Bundle shipped_;
  TempDir dir_;
};

TEST_F(ConfigCommandTest, GoodBundleExitsZeroWithItsHash) {
  ASSERT_TRUE(shipped_.write_to(dir_.path()).ok());
  const ProcessRun run = run_propbot({"config", "validate", dir_.path()});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out, "bundle OK: " + std::to_string(shipped_.size()) + " files, hash " + shipped_.hash() + "\n");
}

TEST_F(ConfigCommandTest, BrokenBundlePrintsFileLineAndExitsOne) {
  Result<Bundle> broken = shipped_.with_overrides(
      {{"strategies/cross_exchange_arb.lua", "local M = {name = 'cross_exchange_arb'}\nfunction M.on_book(\nreturn M\n"}});
  ASSERT_TRUE(broken.ok());
  ASSERT_TRUE(broken->write_to(dir_.path()).ok());
  const ProcessRun run = run_propbot({"config", "validate", dir_.path(), "--profile", "paper"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(run.out.rfind("strategies/cross_exchange_arb.lua:3: ", 0), 0u) << run.out;
}

TEST_F(ConfigCommandTest, UsageErrorsExitTwoNamingTheFlag) {
  ProcessRun run = run_propbot({"config", "validate", dir_.path(), "--profile", "demo"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--profile"), std::string::npos) << run.err;
  run = run_propbot({"config", "validate", dir_.path(), "--color"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--color"), std::string::npos) << run.err;
  run = run_propbot({"config", "validate"});
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
}  // namespace propbot::bundle
