// Backup and restore end to end (issue 14 item 5, SPEC S-9.5): the paper daemon trades a
// manual pair (its journal gets orders and fills); `propbot backup` copies the ledger
// while the daemon runs; `propbot restore` and a second daemon are refused on the running
// daemon's directory (its lock); after a stop the backup is restored into a fresh data
// directory, and a daemon started there shows the positions it showed at backup time.
// A forced restore sets the journal, its -wal/-shm and the outbox aside, never deletes.
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/desk_api.hpp"
#include "tests/e2e/outside_venue_sim.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

CommandRun propbot(std::vector<std::string> args) {
  args.insert(args.begin(), PROPBOT_BINARY);
  return run_to_exit(std::move(args), 30s);
}

// The PnL figures a restart must rebuild exactly from the journal (nothing that moves with
// marks, and not slippage: the decision prices of live trades are not journaled).
json ledger_figures(const json& pnl) {
  return json{{"realized_total_usdt", pnl["realized_total_usdt"]},
              {"fees_paid_usdt", pnl["fees_paid_usdt"]},
              {"pnl_from_rebate", pnl["attribution"]["pnl_from_rebate"]},
              {"pnl_from_funding", pnl["attribution"]["pnl_from_funding"]},
              {"fills", pnl["tca"]["samples"]["fills"]}};
}

// The positions view without what moves with the market (marks and what follows from them).
json without_marks(json positions) {
  for (auto& position : positions["positions"]) {
    for (auto& leg : position["legs"]) {
      leg.erase("mark_price");
      leg.erase("unrealized_pnl_usdt");
    }
  }
  for (auto& row : positions["exposure"]) row.erase("notional_usdt");
  return positions;
}

class BackupRestoreE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    // The shipped bundle with its strategies off: the manual pair is the only trade.
    config_ = copy_shipped_bundle(bundle_.path());
    disable_strategies(config_);
  }
  void start_daemon(const std::string& data_dir) {
    ASSERT_NO_FATAL_FAILURE(start_paper_daemon(daemon_, data_dir, config_, port_));
    creds_ = read_dev_credentials(PROPBOT_BINARY, data_dir);
  }
  void stop_daemon() {
    daemon_->send_signal(SIGTERM);
    ASSERT_EQ(daemon_->wait_exit(20s).value_or(-1), 0) << daemon_->stderr_text();
  }
  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body, nullptr, 10s);
  }
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready, std::chrono::seconds limit) {
    return poll_api(port_, creds_, path, ready, limit, 200ms);
  }
  void wait_for_books() { wait_for_valid_books(port_, creds_, "BTC-USDT", 2, 20s); }
  // A hedged manual pair; answers the positions view once both legs show.
  json trade_a_pair() {
    wait_for("/api/ui/execution", [](const json& b) { return b["recon"]["state"] == "clean"; }, 20s);
    wait_for_books();
    two_man_resume(port_, creds_, "backup e2e");
    const json pair = {{"symbol", "BTC-USDT"}, {"long_venue", "BINANCE"}, {"short_venue", "OKX"}, {"notional_usdt", 1000}};
    auto [executed, trade] = call("operator1", "POST", "/api/arb/execute", pair);
    EXPECT_EQ(executed, 200) << trade.dump();
    const json trade_id = trade["trade_parent_id"];
    wait_for("/api/ui/execution", [&](const json& b) {
      for (const auto& t : b["trades"]) {
        if (t["trade_parent_id"] == trade_id && t["state"] == "hedged") return true;
      }
      return false;
    }, 20s);
    return wait_for("/api/ui/positions", [](const json& b) { return b["exposure"].size() == 2; }, 20s);
  }

  TempDir bundle_;
  TempDir data_;
  TempDir restored_;
  TempDir outputs_;
  std::string config_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::uint16_t port_ = 0;
  DevCredentials creds_;
};

TEST_F(BackupRestoreE2E, ABackupTakenWhileTheDaemonRunsRestoresItsPositionsInAFreshDirectory) {
  ASSERT_NO_FATAL_FAILURE(start_daemon(data_.path()));
  const json traded = trade_a_pair();
  ASSERT_FALSE(traded["positions"].empty()) << traded.dump();
  // The journal's writer commits its outbox a few ms after the fills: let it.
  std::this_thread::sleep_for(500ms);
  const json at_backup = without_marks(call("viewer1", "GET", "/api/ui/positions").second);
  ASSERT_EQ(at_backup["positions"].size(), 1u) << at_backup.dump();
  EXPECT_EQ(at_backup["positions"][0]["status"], "open") << at_backup.dump();
  ASSERT_EQ(at_backup["exposure"].size(), 2u) << at_backup.dump();
  const json pnl_at_backup = ledger_figures(
      wait_for("/api/ui/pnl", [](const json& b) { return b["tca"]["samples"]["fills"].get<int>() >= 2; }, 10s));
  EXPECT_GT(pnl_at_backup["fees_paid_usdt"].get<double>(), 0) << pnl_at_backup.dump();

  // Online, next to the running daemon.
  const std::string backup = outputs_.path() + "/ledger.sqlite";
  CommandRun taken = propbot({"backup", "--data-dir", data_.path(), "--out", backup});
  ASSERT_EQ(taken.exit_code, 0) << taken.out << taken.err;
  EXPECT_EQ(taken.out.rfind("backup written: " + backup + " (", 0), 0u) << taken.out;
  EXPECT_NE(taken.out.find(std::to_string(fs::file_size(backup)) + " bytes)"), std::string::npos) << taken.out;
  CommandRun again = propbot({"backup", "--data-dir", data_.path(), "--out", backup});
  EXPECT_EQ(again.exit_code, 2) << again.out;
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;

  // The running daemon's directory is off limits to a restore and to a second daemon.
  CommandRun refused = propbot({"restore", "--data-dir", data_.path(), "--from", backup, "--force"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.err.find("refusing: a propbot daemon is running on " + data_.path() + " (lock held); stop it first"),
            std::string::npos)
      << refused.err;
  CommandRun second = propbot({"run", "--profile", "paper", "--port", "0", "--data-dir", data_.path(), "--config", config_});
  EXPECT_EQ(second.exit_code, 1) << second.out;
  EXPECT_NE(second.err.find("another propbot is running on data dir '" + data_.path() + "'"), std::string::npos)
      << second.err;
  EXPECT_EQ(without_marks(call("viewer1", "GET", "/api/ui/positions").second), at_backup)
      << "the refusals changed nothing";
  ASSERT_NO_FATAL_FAILURE(stop_daemon());

  // Only a journal is restored: the daemon's other database is a SQLite file without its tables.
  CommandRun not_a_journal = propbot({"restore", "--data-dir", restored_.path(), "--from", data_.path() + "/propbot.db"});
  EXPECT_EQ(not_a_journal.exit_code, 1) << not_a_journal.out;
  EXPECT_NE(not_a_journal.err.find("it has no 'order_events' table"), std::string::npos) << not_a_journal.err;
  EXPECT_FALSE(fs::exists(restored_.path() + "/journal.sqlite"));

  // Into a fresh directory.
  const std::string journal = restored_.path() + "/journal.sqlite";
  CommandRun restored = propbot({"restore", "--data-dir", restored_.path(), "--from", backup});
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_EQ(restored.out, "restored " + journal + " from " + backup + "\n");
  struct stat info {};
  ASSERT_EQ(::stat(journal.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  ASSERT_NO_FATAL_FAILURE(start_daemon(restored_.path()));
  wait_for_books();
  const json rebuilt = wait_for("/api/ui/positions", [](const json& b) { return !b["positions"].empty(); }, 20s);
  EXPECT_EQ(without_marks(rebuilt), at_backup);
  // …and its PnL: the restored ledger rebuilds the same realised PnL, fees and fills.
  const json pnl_restored = ledger_figures(
      wait_for("/api/ui/pnl", [](const json& b) { return b["tca"]["samples"]["fills"].get<int>() >= 2; }, 10s));
  EXPECT_EQ(pnl_restored, pnl_at_backup);
  ASSERT_NO_FATAL_FAILURE(stop_daemon());

  // Over an existing journal only with --force, and what was there is set aside.
  CommandRun unforced = propbot({"restore", "--data-dir", restored_.path(), "--from", backup});
  EXPECT_EQ(unforced.exit_code, 2) << unforced.out;
  EXPECT_NE(unforced.err.find("--force"), std::string::npos) << unforced.err;
  ASSERT_TRUE(fs::exists(restored_.path() + "/journal-outbox")) << "the daemon's outbox directory";
  CommandRun forced = propbot({"restore", "--data-dir", restored_.path(), "--from", backup, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  std::vector<fs::path> asides;
  for (const auto& entry : fs::directory_iterator(restored_.path() + "/backups")) {
    if (entry.path().filename().string().rfind("pre_restore_", 0) == 0) asides.push_back(entry.path());
  }
  ASSERT_EQ(asides.size(), 1u);
  EXPECT_TRUE(fs::exists(asides[0] / "journal.sqlite"));
  EXPECT_TRUE(fs::exists(asides[0] / "journal-outbox")) << "the outbox would replay over the restored journal";
  EXPECT_FALSE(fs::exists(restored_.path() + "/journal-outbox"));
  EXPECT_TRUE(fs::exists(journal));
}

}  // namespace
}  // namespace propbot::testing
