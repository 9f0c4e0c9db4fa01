// `propbot audit verify|export` run as the real binary against a real data directory.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/control/audit_log.hpp"
#include "core/store/data_dir.hpp"
#include "tests/e2e/daemon_process.hpp"

namespace propbot::control {
namespace {

using propbot::testing::DaemonProcess;
using propbot::testing::TempDir;

using ProcessRun = propbot::testing::CommandRun;

ProcessRun run_propbot(std::vector<std::string> args) {
  args.insert(args.begin(), PROPBOT_BINARY);
  return propbot::testing::run_to_exit(std::move(args), std::chrono::seconds(30));
}

class AuditCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<store::Database> database = store::open_store(data_dir_.path(), "2023-11-14T22:13:20.000Z");
    ASSERT_TRUE(database.ok()) << database.error().describe();
    AuditLog log(*database, clock_);
    for (const char* actor : {"alice", "bob", "alice"}) {
      ASSERT_TRUE(log.append({actor, "operator", "resume_requested", "control_state", {{"by", actor}}}).ok());
    }
  }

  Status exec(const std::string& sql) {
    Result<store::Database> database = store::Database::open(data_dir_.path() + "/propbot.db");
    if (!database) return database.error();
    return database->exec(sql);
  }

  TempDir data_dir_;
  TempDir out_dir_;
  SimClock clock_;
};

TEST_F(AuditCommandTest, VerifyReportsAnIntactChain) {
  const ProcessRun run = run_propbot({"audit", "verify", "--data-dir", data_dir_.path()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "audit chain OK: 3 entries\n");
}

TEST_F(AuditCommandTest, VerifyReportsTheEditedRowAndExitsOne) {
  ASSERT_TRUE(exec("DROP TRIGGER audit_log_refuse_update; UPDATE audit_log SET actor = 'mallory' WHERE id = 2").ok());
  const ProcessRun run = run_propbot({"audit", "verify", "--data-dir", data_dir_.path()});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(run.out.rfind("audit chain BROKEN at id 2: ", 0), 0u) << run.out;
}

TEST_F(AuditCommandTest, ExportThenVerifyTheFileStandalone) {
  const std::string file = out_dir_.path() + "/audit.jsonl";
  const ProcessRun exported = run_propbot({"audit", "export", "--data-dir", data_dir_.path(), "--out", file});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out, "audit export: 3 entries written to " + file + "\n");

  ProcessRun verified = run_propbot({"audit", "verify", "--file", file});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(verified.out, "audit chain OK: 3 entries\n");
  verified = run_propbot({"audit", "verify", file});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;

  std::stringstream text;
  text << std::ifstream(file).rdbuf();
  std::string edited = text.str();
  const auto at = edited.find("\"bob\"");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 5, "\"eve\"");
  const std::string edited_file = out_dir_.path() + "/edited.jsonl";
  std::ofstream(edited_file) << edited;
  const ProcessRun broken = run_propbot({"audit", "verify", "--file", edited_file});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_EQ(broken.out.rfind("audit chain BROKEN at id 2: ", 0), 0u) << broken.out;

  const ProcessRun again = run_propbot({"audit", "export", "--data-dir", data_dir_.path(), "--out", file});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--out"), std::string::npos) << again.err;
}

TEST_F(AuditCommandTest, UsageErrorsExitTwoAndNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string expected_in_stderr;
  };
  const std::vector<Case> cases = {
      {{"audit"}, "verify or export"},
      {{"audit", "rewrite"}, "rewrite"},
      {{"audit", "verify"}, "--data-dir"},
      {{"audit", "verify", "--data-dir"}, "missing value after --data-dir"},
      {{"audit", "verify", "--bogus", "x"}, "--bogus"},
      {{"audit", "verify", "--data-dir", "/nonexistent/propbot"}, "--data-dir"},
      {{"audit", "verify", "--data-dir", data_dir_.path(), "--file", "x.jsonl"}, "not both"},
      {{"audit", "export", "--data-dir", data_dir_.path()}, "--out"},
      {{"audit", "verify", "--data-dir", out_dir_.path()}, "--data-dir"},
  };
  for (const Case& c : cases) {
    const ProcessRun run = run_propbot(c.args);
    std::string joined;
    for (const auto& arg : c.args) joined += arg + " ";
    EXPECT_EQ(run.exit_code, 2) << joined << run.err;
    EXPECT_NE(run.err.find(c.expected_in_stderr), std::string::npos) << joined << "\n" << run.err;
  }
}

}  // namespace
}  // namespace propbot::control
