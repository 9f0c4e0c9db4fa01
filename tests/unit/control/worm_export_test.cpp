// export_worm and verify_worm_export against a real propbot.db (audit chain, incidents)
// and a journal database with the journal's order_events and fills columns: what goes
// in, that it verifies, and that each kind of tampering is caught at its line.
#include "core/control/worm_export.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <atomic>
#include <sstream>
#include <thread>
#include <vector>

#include "core/control/audit_log.hpp"
#include "core/control/canonical_json.hpp"
#include "core/control/incident_log.hpp"
#include "core/control/worm_verify.hpp"
#include "core/store/transaction.hpp"
#include "tests/unit/control/control_fixture.hpp"
#include "tests/unit/control/export_text.hpp"

namespace propbot::control {
namespace {

using test::join_lines;
using test::lines_of;
using test::read_text;
using test::write_text;

// What an attacker who knows the rule does after an edit: recomputes every chain_hash
// (and the trailer's last_chain_hash) from line `from` (0-based) on.
void rechain(std::vector<std::string>& lines, std::size_t from) {
  std::string prev = from == 0 ? std::string(kWormGenesisHash)
                               : nlohmann::json::parse(lines[from - 1])["chain_hash"].get<std::string>();
  for (std::size_t i = from; i < lines.size(); ++i) {
    nlohmann::json line = nlohmann::json::parse(lines[i]);
    if (line["section"] == "trailer") line["record"]["last_chain_hash"] = prev;
    line["chain_hash"] = *worm_chain_hash(prev, line["record"]);
    prev = line["chain_hash"];
    lines[i] = *canonical_json(line);
  }
}

// 2023-11-14T22:13:20Z, the SimClock's default start, in unix ms.
constexpr std::int64_t kStartMs = 1'700'000'000'000;

class WormExportTest : public test::ControlStoreTest {
 protected:
  void SetUp() override {
    test::ControlStoreTest::SetUp();
    AuditLog audit(db(), clock_);
    for (int i = 1; i <= 4; ++i) {
      ASSERT_TRUE(audit.append({"alice", "operator", "resume_requested", "control_state", {{"n", i}}}).ok());
      clock_.advance(std::chrono::seconds(10));
    }
    IncidentLog incidents(db(), clock_);
    ASSERT_TRUE(incidents.open({Severity::P1, IncidentCode::manual, "operator", "a note, \"quoted\"", "none"}).ok());

    Result<store::Database> journal = store::Database::open(temp_.file("journal.sqlite"));
    ASSERT_TRUE(journal.ok()) << journal.error().describe();
    journal_.emplace(std::move(*journal));
    exec_journal(
        "CREATE TABLE order_events (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, client_order_id TEXT NOT NULL,"
        " event TEXT NOT NULL, quantity TEXT NOT NULL, price TEXT);"
        "CREATE TABLE fills (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, trade_id TEXT NOT NULL,"
        " quantity TEXT NOT NULL, price TEXT NOT NULL, fee TEXT NOT NULL);");
    for (int i = 0; i < 3; ++i) {
      const std::string ts = std::to_string(kStartMs + i * 10'000);
      exec_journal("INSERT INTO order_events VALUES (" + std::to_string(2 * i + 1) + ", " + ts + ", 'c" +
                   std::to_string(i) + "', 'new', '0.010', '65000.10');");
      exec_journal("INSERT INTO order_events VALUES (" + std::to_string(2 * i + 2) + ", " + ts + ", 'c" +
                   std::to_string(i) + "', 'filled', '0.010', NULL);");
      exec_journal("INSERT INTO fills VALUES (" + std::to_string(i + 1) + ", " + ts + ", 't" + std::to_string(i) +
                   "', '0.010', '65000.10', '0.000000000000000001');");
    }
    options_.data_dir = temp_.path();
    options_.out_path = temp_.file("export.jsonl");
    options_.build = "propbot test";
    options_.created_at = clock_.utc();
  }

  void exec_journal(const std::string& sql) {
    Status done = journal_->exec(sql);
    ASSERT_TRUE(done.ok()) << sql << ": " << done.error().describe();
  }

  // The value of a call that must not fail (a failure is recorded, a default returned).
  template <typename Value>
  static Value value_or_fail(Result<Value> result) {
    EXPECT_TRUE(result.ok()) << result.error().describe();
    return result ? std::move(*result) : Value{};
  }

  WormExportSummary export_or_fail() { return value_or_fail(export_worm(options_)); }
  WormReport verify(const std::string& path) { return value_or_fail(verify_worm_export(path)); }

  // The export with `edit` applied to its lines, written next to it; returns the path.
  template <typename Edit>
  std::string tampered(Edit edit) {
    std::vector<std::string> lines = lines_of(read_text(options_.out_path));
    edit(lines);
    const std::string path = temp_.file("tampered.jsonl");
    write_text(path, join_lines(lines));
    return path;
  }

  // The 1-based number of the first line containing `needle` (0 if none).
  std::int64_t line_with(const std::string& needle) {
    const std::vector<std::string> lines = lines_of(read_text(options_.out_path));
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find(needle) != std::string::npos) return static_cast<std::int64_t>(i + 1);
    }
    return 0;
  }

  std::optional<store::Database> journal_;
  WormExportOptions options_;
};

TEST_F(WormExportTest, ExportsEverySectionAndVerifiesOffline) {
  const WormExportSummary summary = export_or_fail();
  EXPECT_EQ(summary.counts.describe(), "audit 4, incidents 1, orders 6, fills 3, ledger_entries 0");

  const std::vector<std::string> lines = lines_of(read_text(options_.out_path));
  ASSERT_EQ(lines.size(), 1u + 14u + 1u);
  const nlohmann::json header = nlohmann::json::parse(lines.front());
  EXPECT_EQ(header["section"], "header");
  EXPECT_EQ(header["record"]["format"], "propbot-worm/1");
  EXPECT_EQ(header["record"]["build"], "propbot test");
  EXPECT_TRUE(header["record"]["sections"]["ledger_entries"].is_null()) << "absent table, named as absent";
  EXPECT_EQ(nlohmann::json::parse(lines.back())["section"], "trailer");

  const WormReport report = verify(options_.out_path);
  EXPECT_TRUE(report.ok) << "line " << report.bad_line << ": " << report.reason;
  EXPECT_EQ(report.counts.describe(), summary.counts.describe());
  EXPECT_EQ(report.last_chain_hash, summary.last_chain_hash);
  EXPECT_EQ(nlohmann::json::parse(lines.back())["chain_hash"], summary.last_chain_hash);
  EXPECT_EQ(*detect_export_format(options_.out_path), ExportFormat::worm);
}

TEST_F(WormExportTest, AuditRecordsCarryTheirOwnChainAndMoneyStaysText) {
  export_or_fail();
  const std::vector<std::string> lines = lines_of(read_text(options_.out_path));
  const nlohmann::json audit = nlohmann::json::parse(lines[1])["record"];
  EXPECT_EQ(audit["id"], 1);
  EXPECT_EQ(audit["prev_hash"], std::string(kGenesisHash));
  EXPECT_EQ(audit["details"], (nlohmann::json{{"n", 1}}));
  const AuditLog log(db(), clock_);
  EXPECT_EQ(nlohmann::json::parse(lines[4])["record"]["cumulative_hash"], log.head()->cumulative_hash);

  const std::int64_t fill_line = line_with("\"trade_id\":\"t0\"");
  ASSERT_GT(fill_line, 0);
  const nlohmann::json fill = nlohmann::json::parse(lines[fill_line - 1])["record"];
  EXPECT_EQ(fill["price"], "65000.10") << "the stored text, trailing zero kept";
  EXPECT_EQ(fill["fee"], "0.000000000000000001") << "beyond a double's precision";
  EXPECT_EQ(fill["ts_ms"], kStartMs) << "INTEGER columns stay integers";
  const std::int64_t order_line = line_with("\"event\":\"filled\"");
  ASSERT_GT(order_line, 0);
  EXPECT_TRUE(nlohmann::json::parse(lines[order_line - 1])["record"]["price"].is_null());
  const nlohmann::json incident = nlohmann::json::parse(lines[5])["record"];
  EXPECT_EQ(incident["summary"], "a note, \"quoted\"");
  EXPECT_EQ(incident["code"], "manual") << "every column, also those added by later migrations";
}

TEST_F(WormExportTest, AFillPriceChangedByOneByteFailsAtItsLine) {
  export_or_fail();
  const std::int64_t fill_line = line_with("\"trade_id\":\"t1\"");
  ASSERT_GT(fill_line, 0);
  const WormReport report = verify(tampered([&](std::vector<std::string>& lines) {
    std::string& line = lines[fill_line - 1];
    line.replace(line.find("65000.10"), 8, "65000.11");
  }));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, fill_line);
  EXPECT_NE(report.reason.find("chain_hash does not match"), std::string::npos) << report.reason;
}

TEST_F(WormExportTest, ADeletedLineFailsAtTheLineThatFollowedIt) {
  export_or_fail();
  const WormReport report = verify(tampered([](std::vector<std::string>& lines) { lines.erase(lines.begin() + 7); }));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, 8);
}

TEST_F(WormExportTest, ReorderedLinesFail) {
  export_or_fail();
  const WormReport report =
      verify(tampered([](std::vector<std::string>& lines) { std::swap(lines[8], lines[9]); }));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, 9);
}

TEST_F(WormExportTest, ATruncatedTrailerFails) {
  export_or_fail();
  const WormReport dropped = verify(tampered([](std::vector<std::string>& lines) { lines.pop_back(); }));
  EXPECT_FALSE(dropped.ok);
  EXPECT_EQ(dropped.bad_line, 16);
  EXPECT_NE(dropped.reason.find("truncated"), std::string::npos) << dropped.reason;

  const WormReport cut = verify(tampered([](std::vector<std::string>& lines) { lines.back().resize(40); }));
  EXPECT_FALSE(cut.ok);
  EXPECT_EQ(cut.bad_line, 16);
}

TEST_F(WormExportTest, ATrailerRewrittenWithItsHashStillDisagreesWithTheFile) {
  export_or_fail();
  const WormReport report = verify(tampered([](std::vector<std::string>& lines) {
    lines.erase(lines.begin() + 14);  // the last fill
    // The attacker rehashes the trailer on the new last line, keeping its counts.
    nlohmann::json trailer = nlohmann::json::parse(lines.back());
    const std::string prev = nlohmann::json::parse(lines[lines.size() - 2])["chain_hash"];
    trailer["record"]["last_chain_hash"] = prev;
    trailer["chain_hash"] = *worm_chain_hash(prev, trailer["record"]);
    lines.back() = *canonical_json(trailer);
  }));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, 15);
  EXPECT_NE(report.reason.find("trailer does not match"), std::string::npos) << report.reason;
}

TEST_F(WormExportTest, AnAuditEntryEditedAndRechainedStillBreaksTheAuditChain) {
  export_or_fail();
  // Edit audit entry 2 and recompute every WORM chain hash from there on: only the audit
  // chain's own cumulative_hash (not recomputed) gives it away.
  const WormReport report = verify(tampered([](std::vector<std::string>& lines) {
    nlohmann::json audit = nlohmann::json::parse(lines[2]);
    audit["record"]["actor"] = "mallory";
    lines[2] = *canonical_json(audit);
    rechain(lines, 2);
  }));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, 3);
  EXPECT_NE(report.reason.find("audit chain broken at id 2"), std::string::npos) << report.reason;
}

TEST_F(WormExportTest, LedgerEntriesAreExportedByColumnNameWhenTheTableExists) {
  exec_journal(
      "CREATE TABLE ledger_entries (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, kind TEXT NOT NULL,"
      " amount TEXT NOT NULL, note TEXT);"
      "INSERT INTO ledger_entries VALUES (1, 1700000000000, 'opening_balance', '10000.00', NULL);"
      "INSERT INTO ledger_entries VALUES (2, 1700000005000, 'funding', '-0.125', 'BTCUSDT');");
  const WormExportSummary summary = export_or_fail();
  EXPECT_EQ(summary.counts.at(WormSection::ledger_entries), 2);
  const std::vector<std::string> lines = lines_of(read_text(options_.out_path));
  const nlohmann::json header = nlohmann::json::parse(lines.front())["record"];
  EXPECT_EQ(header["sections"]["ledger_entries"]["source"], "journal.sqlite:ledger_entries");
  EXPECT_EQ(header["sections"]["ledger_entries"]["time_column"], "ts_ms");
  const nlohmann::json funding = nlohmann::json::parse(lines[lines.size() - 2]);
  EXPECT_EQ(funding["section"], "ledger_entries");
  EXPECT_EQ(funding["record"], (nlohmann::json{{"id", 2}, {"ts_ms", 1700000005000}, {"kind", "funding"},
                                               {"amount", "-0.125"}, {"note", "BTCUSDT"}}));
  EXPECT_TRUE(verify(options_.out_path).ok);
}

TEST_F(WormExportTest, ATimeRangeSelectsRecordsAndItsAuditRunStillVerifies) {
  options_.from = clock_.utc() - std::chrono::seconds(35);  // after audit 1 (at -40 s)
  options_.to = UtcTime{std::chrono::milliseconds(kStartMs + 20'000)};
  const WormExportSummary summary = export_or_fail();
  // Audit entries are at +0, +10, +20, +30 s, the incident at +40 s, orders and fills at
  // +0, +10, +20 s: [+5 s, +20 s) holds audit id 2 and the records at +10 s.
  EXPECT_EQ(summary.counts.describe(), "audit 1, incidents 0, orders 2, fills 1, ledger_entries 0");
  const WormReport report = verify(options_.out_path);
  EXPECT_TRUE(report.ok) << "line " << report.bad_line << ": " << report.reason;

  // Without "from" in the header the audit section must start at the genesis.
  const WormReport forged = verify(tampered([](std::vector<std::string>& lines) {
    nlohmann::json header = nlohmann::json::parse(lines[0]);
    header["record"]["from"] = nullptr;
    lines[0] = *canonical_json(header);
    rechain(lines, 0);
  }));
  EXPECT_FALSE(forged.ok);
  EXPECT_EQ(forged.bad_line, 2);
}

TEST_F(WormExportTest, NeverOverwritesWithoutForce) {
  write_text(options_.out_path, "precious\n");
  Result<WormExportSummary> refused = export_worm(options_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::already_exists);
  EXPECT_EQ(read_text(options_.out_path), "precious\n");
  EXPECT_FALSE(std::filesystem::exists(options_.out_path + ".partial"));

  options_.force = true;
  export_or_fail();
  EXPECT_TRUE(verify(options_.out_path).ok);
}

TEST_F(WormExportTest, WritesOneCsvPerSectionWithTheChainHashLast) {
  options_.csv_dir = temp_.file("csv");
  const WormExportSummary summary = export_or_fail();
  ASSERT_EQ(summary.csv_files.size(), 4u) << "no ledger_entries.csv: the table is absent";
  const std::vector<std::string> rows = lines_of(read_text(temp_.file("csv/fills.csv")));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], "line,seq,ts_ms,trade_id,quantity,price,fee,chain_hash\r");
  const std::int64_t fill_line = line_with("\"trade_id\":\"t0\"");
  const std::string chain_hash =
      nlohmann::json::parse(lines_of(read_text(options_.out_path))[fill_line - 1])["chain_hash"];
  EXPECT_EQ(rows[1], std::to_string(fill_line) + ",1," + std::to_string(kStartMs) +
                         ",t0,0.010,65000.10,0.000000000000000001," + chain_hash + "\r");
  const std::string incidents = read_text(temp_.file("csv/incidents.csv"));
  EXPECT_NE(incidents.find("\"a note, \"\"quoted\"\"\""), std::string::npos) << incidents;
  const std::string audit = read_text(temp_.file("csv/audit.csv"));
  EXPECT_EQ(audit.rfind("line,id,ts_utc,actor,role,action,target,details,prev_hash,cumulative_hash,chain_hash\r\n", 0),
            0u);

  Result<WormExportSummary> again = export_worm(options_);
  ASSERT_FALSE(again.ok()) << "the CSVs are write-once too";
  EXPECT_EQ(again.error().code, Errc::already_exists);
}

TEST_F(WormExportTest, TheOldAuditExportIsStillRecognisedAsOne) {
  const AuditLog log(db(), clock_);
  ASSERT_TRUE(log.export_jsonl(temp_.file("audit.jsonl")).ok());
  EXPECT_EQ(*detect_export_format(temp_.file("audit.jsonl")), ExportFormat::audit_chain);
}

// Each database is read in one read transaction: a writer that commits an order event
// and its fill together is never seen half way, although orders are read before fills.
TEST_F(WormExportTest, EachDatabaseIsOneSnapshotWhileAWriterCommits) {
  exec_journal("DELETE FROM fills; DELETE FROM order_events;");
  std::atomic<bool> stop = false;
  std::atomic<bool> writer_done = false;
  std::atomic<int> pairs = 0;
  // Writes pairs until stopped; false (and done) at the first failure.
  const auto write_pairs = [&]() -> bool {
    store::OpenOptions fast;
    fast.synchronous = store::Synchronous::off;  // durability is not what is tested here
    Result<store::Database> database = store::Database::open(temp_.file("journal.sqlite"), fast);
    if (!database) return false;
    for (int seq = 1; !stop; ++seq) {
      Result<store::Transaction> transaction = store::Transaction::begin(*database);
      if (!transaction) return false;
      const std::string n = std::to_string(seq);
      if (!database->exec("INSERT INTO order_events VALUES (" + n + ", 0, 'c', 'new', '1', '2');"
                          "INSERT INTO fills VALUES (" + n + ", 0, 't" + n + "', '1', '2', '0')")) {
        return false;
      }
      if (!transaction->commit()) return false;
      ++pairs;
    }
    return true;
  };
  bool writer_ok = false;
  std::thread writer([&] {
    writer_ok = write_pairs();
    writer_done = true;
  });
  while (pairs < 2000 && !writer_done) std::this_thread::yield();
  for (int i = 0; i < 5 && !HasFailure(); ++i) {
    options_.out_path = temp_.file("export-" + std::to_string(i) + ".jsonl");
    const WormExportSummary summary = export_or_fail();
    EXPECT_GT(summary.counts.at(WormSection::fills), 0);
    EXPECT_EQ(summary.counts.at(WormSection::orders), summary.counts.at(WormSection::fills))
        << "export " << i << " saw the journal at two moments";
  }
  stop = true;
  writer.join();
  EXPECT_TRUE(writer_ok) << "the writer failed";
  EXPECT_TRUE(verify(options_.out_path).ok);
}

TEST_F(WormExportTest, ExportsWithoutAJournal) {
  journal_.reset();
  std::filesystem::remove(temp_.file("journal.sqlite"));
  std::filesystem::remove(temp_.file("journal.sqlite-wal"));
  std::filesystem::remove(temp_.file("journal.sqlite-shm"));
  const WormExportSummary summary = export_or_fail();
  EXPECT_EQ(summary.counts.describe(), "audit 4, incidents 1, orders 0, fills 0, ledger_entries 0");
  EXPECT_TRUE(verify(options_.out_path).ok);
}

}  // namespace
}  // namespace propbot::control
