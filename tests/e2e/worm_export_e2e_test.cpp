// `propbot export` and `propbot audit verify --file` run as the real binary (SPEC S-5.4,
// issue 14 item 7): a data directory written by the real stores (the audit chain and the
// incidents in propbot.db, order events and fills through JournalStore in
// journal.sqlite) is exported, verifies OK, and every kind of tampering makes verify
// fail naming the line; and an export taken next to a running paper daemon verifies.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/control/audit_log.hpp"
#include "core/control/incident_log.hpp"
#include "core/exec/journal_store.hpp"
#include "core/store/data_dir.hpp"
#include "tests/e2e/daemon_process.hpp"

namespace propbot {
namespace {

using namespace std::chrono_literals;
using testing::CommandRun;
using testing::DaemonProcess;
using testing::TempDir;

CommandRun run_propbot(std::vector<std::string> args) {
  args.insert(args.begin(), PROPBOT_BINARY);
  return testing::run_to_exit(std::move(args), 60s);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string& line : lines) out << line << "\n";
}

exec::OrderEntry order_event(std::uint64_t seq, std::string client_order_id, exec::OrderEvent event) {
  exec::OrderEntry entry;
  entry.seq = seq;
  entry.ts_ms = 1'700'000'000'000 + static_cast<std::int64_t>(seq) * 1000;
  entry.venue = "BINANCE";
  entry.client_order_id = std::move(client_order_id);
  entry.event = event;
  entry.intent_id = 1;
  entry.position_id = 1;
  entry.strategy = "operator";
  entry.symbol = "BTC-USDT";
  entry.quantity = *Decimal::parse("0.010");
  entry.price = *Decimal::parse("65000.10");
  if (event == exec::OrderEvent::filled) {
    entry.filled_quantity = entry.quantity;
    entry.average_price = *entry.price;
  }
  return entry;
}

exec::FillEntry fill(std::uint64_t seq, std::string trade_id, std::string price) {
  exec::FillEntry entry;
  entry.seq = seq;
  entry.ts_ms = 1'700'000'000'000 + static_cast<std::int64_t>(seq) * 1000;
  entry.venue = "BINANCE";
  entry.symbol = "BTC-USDT";
  entry.trade_id = std::move(trade_id);
  entry.client_order_id = "c1";
  entry.intent_id = 1;
  entry.position_id = 1;
  entry.strategy = "operator";
  entry.quantity = *Decimal::parse("0.005");
  entry.price = *Decimal::parse(price);
  entry.fee = *Decimal::parse("0.0325005");
  entry.fee_asset = "USDT";
  return entry;
}

class WormExportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<store::Database> database = store::open_store(data_.path(), "2023-11-14T22:13:20.000Z");
    ASSERT_TRUE(database.ok()) << database.error().describe();
    control::AuditLog audit(*database, clock_);
    for (const char* actor : {"alice", "bob"}) {
      ASSERT_TRUE(audit.append({actor, "operator", "resume_requested", "control_state", {{"by", actor}}}).ok());
    }
    control::IncidentLog incidents(*database, clock_);
    ASSERT_TRUE(incidents.open({Severity::P2, IncidentCode::manual, "operator", "checked the books", "none"}).ok());

    auto journal = exec::JournalStore::open_writer(data_.path() + "/" + std::string(exec::kJournalDatabaseFileName),
                                                   store::Synchronous::full);
    ASSERT_TRUE(journal.ok()) << journal.error().describe();
    const std::vector<exec::OutboxRecord> records = {
        order_event(1, "c1", exec::OrderEvent::intent), order_event(2, "c1", exec::OrderEvent::sent),
        fill(3, "t-1", "65000.10"), fill(4, "t-2", "65000.20"), order_event(5, "c1", exec::OrderEvent::filled)};
    Status written = (*journal)->write_group(records);
    ASSERT_TRUE(written.ok()) << written.error().describe();
    file_ = out_.path() + "/worm.jsonl";
  }

  CommandRun export_to(const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"export", "--data-dir", data_.path(), "--out", file};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_propbot(args);
  }

  // verify of the export with `edit` applied to its lines.
  template <typename Edit>
  CommandRun verify_tampered(Edit edit) {
    std::vector<std::string> lines = lines_of(testing::read_text_file(file_));
    edit(lines);
    const std::string tampered = out_.path() + "/tampered.jsonl";
    write_lines(tampered, lines);
    return run_propbot({"audit", "verify", "--file", tampered});
  }

  std::size_t index_of(const std::string& needle) {
    const std::vector<std::string> lines = lines_of(testing::read_text_file(file_));
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find(needle) != std::string::npos) return i;
    }
    ADD_FAILURE() << needle << " not in the export";
    return 0;
  }

  TempDir data_;
  TempDir out_;
  SimClock clock_;
  std::string file_;
};

TEST_F(WormExportCliTest, ExportsAndVerifiesOffline) {
  const CommandRun exported = export_to(file_);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::vector<std::string> lines = lines_of(testing::read_text_file(file_));
  ASSERT_EQ(lines.size(), 1u + 2u + 1u + 3u + 2u + 1u);
  const std::string last_hash = nlohmann::json::parse(lines.back())["chain_hash"];
  const std::string summary = "8 records (audit 2, incidents 1, orders 3, fills 2, ledger_entries 0)";
  EXPECT_EQ(exported.out, "worm export: " + summary + " written to " + file_ + ", last chain hash " + last_hash + "\n");

  const CommandRun verified = run_propbot({"audit", "verify", "--file", file_});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(verified.out, "OK: " + summary + ", last chain hash " + last_hash + "\n");
  EXPECT_NE(lines[index_of("\"trade_id\":\"t-1\"")].find("\"price\":\"65000.1\""), std::string::npos)
      << "the journal's normalized decimal text, unchanged";
}

TEST_F(WormExportCliTest, TamperingFailsNamingTheLine) {
  ASSERT_EQ(export_to(file_).exit_code, 0);
  const std::size_t fill_at = index_of("\"trade_id\":\"t-2\"");

  CommandRun run = verify_tampered([&](std::vector<std::string>& lines) {
    const auto at = lines[fill_at].find("65000.2");
    lines[fill_at][at + 6] = '3';  // one byte of the price
  });
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out.rfind("BROKEN at line " + std::to_string(fill_at + 1) + ": chain_hash does not match", 0), 0u)
      << run.out;

  run = verify_tampered([&](std::vector<std::string>& lines) { lines.erase(lines.begin() + fill_at); });
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out.rfind("BROKEN at line " + std::to_string(fill_at + 1) + ": ", 0), 0u) << run.out;

  run = verify_tampered([&](std::vector<std::string>& lines) { std::swap(lines[fill_at - 1], lines[fill_at]); });
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out.rfind("BROKEN at line " + std::to_string(fill_at) + ": ", 0), 0u) << run.out;

  run = verify_tampered([](std::vector<std::string>& lines) { lines.pop_back(); });
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("truncated"), std::string::npos) << run.out;
}

TEST_F(WormExportCliTest, NeverOverwritesWithoutForceAndWritesCsvs) {
  ASSERT_EQ(export_to(file_).exit_code, 0);
  const std::string first = testing::read_text_file(file_);
  const CommandRun refused = export_to(file_);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_EQ(testing::read_text_file(file_), first);

  const std::string csv_dir = out_.path() + "/csv";
  const CommandRun forced = export_to(file_, {"--force", "--csv-dir", csv_dir});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.out.find("csv: " + csv_dir + "/fills.csv\n"), std::string::npos) << forced.out;
  const std::vector<std::string> fills = lines_of(testing::read_text_file(csv_dir + "/fills.csv"));
  ASSERT_EQ(fills.size(), 3u);
  EXPECT_EQ(fills[0].rfind("line,seq,ts_ms,venue,symbol,trade_id,", 0), 0u) << fills[0];
  EXPECT_NE(fills[0].find(",price,fee,fee_asset,maker,simulated,chain_hash\r"), std::string::npos) << fills[0];
  EXPECT_NE(fills[2].find(",65000.2,0.0325005,USDT,"), std::string::npos) << fills[2];
  EXPECT_EQ(run_propbot({"audit", "verify", "--file", file_}).exit_code, 0);
}

TEST_F(WormExportCliTest, TimeRangeAndUsageErrors) {
  const CommandRun ranged = export_to(file_, {"--from", "2023-11-14T22:13:22Z", "--to", "2023-11-14T22:13:24Z"});
  ASSERT_EQ(ranged.exit_code, 0) << ranged.err;
  // Audit and incident at :20 (before the range), events at :21 .. :25, one a second.
  EXPECT_NE(ranged.out.find("(audit 0, incidents 0, orders 1, fills 1, ledger_entries 0)"), std::string::npos)
      << ranged.out;
  EXPECT_EQ(run_propbot({"audit", "verify", "--file", file_}).exit_code, 0);

  struct Case {
    std::vector<std::string> args;
    std::string expected_in_stderr;
  };
  const std::vector<Case> cases = {
      {{"export", "--out", out_.path() + "/a.jsonl"}, "--data-dir"},
      {{"export", "--data-dir", data_.path()}, "--out"},
      {{"export", "--data-dir", data_.path(), "--out", out_.path() + "/b.jsonl", "--from", "yesterday"}, "--from"},
      {{"export", "--data-dir", data_.path(), "--out", out_.path() + "/c.jsonl", "--from", "2024-01-02T00:00:00Z",
        "--to", "2024-01-01T00:00:00Z"},
       "--from must be before --to"},
      {{"export", "--data-dir", out_.path(), "--out", out_.path() + "/d.jsonl"}, "propbot.db"},
      {{"export", "--data-dir", data_.path(), "--out", out_.path() + "/e.jsonl", "--bogus"}, "--bogus"},
  };
  for (const Case& c : cases) {
    const CommandRun run = run_propbot(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args.back() << "\n" << run.err;
    EXPECT_NE(run.err.find(c.expected_in_stderr), std::string::npos) << run.err;
  }
}

TEST_F(WormExportCliTest, TheAuditOnlyExportStillVerifies) {
  const std::string audit_file = out_.path() + "/audit.jsonl";
  ASSERT_EQ(run_propbot({"audit", "export", "--data-dir", data_.path(), "--out", audit_file}).exit_code, 0);
  const CommandRun verified = run_propbot({"audit", "verify", "--file", audit_file});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(verified.out, "audit chain OK: 2 entries\n");
}

// The export reads a running daemon's databases (its own read transaction per database).
TEST(WormExportDaemonTest, ExportsNextToARunningPaperDaemon) {
  TempDir data;
  TempDir out;
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data.path()});
  ASSERT_TRUE(daemon.start());
  ASSERT_TRUE(daemon.wait_for_listening(30s).has_value()) << daemon.stderr_text();

  const std::string file = out.path() + "/live.jsonl";
  const CommandRun exported =
      run_propbot({"export", "--data-dir", data.path(), "--out", file, "--csv-dir", out.path() + "/csv"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const CommandRun verified = run_propbot({"audit", "verify", "--file", file});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(verified.out.rfind("OK: ", 0), 0u) << verified.out;
  const nlohmann::json header = nlohmann::json::parse(lines_of(testing::read_text_file(file)).front());
  EXPECT_EQ(header["record"]["sections"]["fills"]["source"], "journal.sqlite:fills")
      << "the daemon's journal was read: " << header.dump();

  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(30s), 0) << daemon.stderr_text();
}

}  // namespace
}  // namespace propbot
