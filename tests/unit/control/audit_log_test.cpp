#include "core/control/audit_log.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "core/control/canonical_json.hpp"
#include "core/store/transaction.hpp"
#include "tests/unit/control/control_fixture.hpp"
#include "tests/unit/control/export_text.hpp"

namespace propbot::control {
namespace {

using test::join_lines;
using test::lines_of;
using test::read_text;
using test::write_text;

class AuditLogTest : public test::ControlStoreTest {
 protected:
  AuditRecord append_or_fail(const AuditEntry& entry) {
    Result<AuditRecord> record = log().append(entry);
    EXPECT_TRUE(record.ok()) << record.error().describe();
    clock_.advance(std::chrono::milliseconds(250));
    return record ? *record : AuditRecord{};
  }

  // Five entries by alternating operators.
  void append_five() {
    for (int i = 1; i <= 5; ++i) {
      append_or_fail({i % 2 == 1 ? "alice" : "bob", "operator", i == 5 ? "resume_confirmed" : "resume_requested",
                      "control_state", {{"n", i}, {"reason", "step " + std::to_string(i)}}});
    }
  }

  ChainReport verify_or_fail(const std::optional<ChainHead>& anchor = std::nullopt) {
    Result<ChainReport> report = log().verify(anchor);
    EXPECT_TRUE(report.ok()) << report.error().describe();
    return report ? *report : ChainReport{};
  }

  ChainReport verify_export_or_fail(const std::string& path) {
    Result<ChainReport> report = verify_exported(path);
    EXPECT_TRUE(report.ok()) << report.error().describe();
    return report ? *report : ChainReport{};
  }

  AuditLog& log() {
    if (!log_) log_.emplace(db(), clock_);
    return *log_;
  }

  std::optional<AuditLog> log_;
};

TEST_F(AuditLogTest, AppendChainsEntriesFromTheGenesisHash) {
  const AuditRecord first = append_or_fail({"alice", "operator", "resume_requested", "control_state", {{"why", "ok"}}});
  const AuditRecord second = append_or_fail({"system", "system", "hold_auto", "control_state", {}});
  const AuditRecord third = append_or_fail({"bob", "operator", "resume_confirmed", "", nlohmann::json()});
  EXPECT_EQ(first.id, 1);
  EXPECT_EQ(second.id, 2);
  EXPECT_EQ(third.id, 3);
  EXPECT_EQ(first.prev_hash, kGenesisHash);
  EXPECT_EQ(second.prev_hash, first.cumulative_hash);
  EXPECT_EQ(third.prev_hash, second.cumulative_hash);
  EXPECT_EQ(second.details_json, "{}");
  EXPECT_EQ(third.details_json, "{}");
  EXPECT_EQ(second.ts_utc, "2023-11-14T22:13:20.250Z");

  ChainReport report = verify_or_fail();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.entries, 3);
  EXPECT_EQ(report.head.id, 3);
  EXPECT_EQ(report.head.cumulative_hash, third.cumulative_hash);
  Result<ChainHead> head = log().head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->cumulative_hash, third.cumulative_hash);
}

TEST_F(AuditLogTest, HashIsSha256OfPrevHashAndTheCanonicalEntry) {
  const AuditRecord record =
      append_or_fail({"alice", "operator", "resume_requested", "control_state", {{"reason", "recon clean"}, {"approval_id", 1}}});
  Result<std::string> canonical = canonical_audit_entry(record);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(*canonical,
            R"({"action":"resume_requested","actor":"alice","details":{"approval_id":1,"reason":"recon clean"},)"
            R"("id":1,"role":"operator","target":"control_state","ts_utc":"2023-11-14T22:13:20.000Z"})");
  // Computed independently: hashlib.sha256(("0" * 64 + canonical).encode()).hexdigest()
  EXPECT_EQ(record.cumulative_hash, "b11397d302025eda43ade0dbfc1697564219cee412b6be84e0ae9ec76158b5fb");
}

TEST_F(AuditLogTest, TriggersRefuseUpdateAndDelete) {
  append_five();
  Status update = db().exec("UPDATE audit_log SET actor = 'mallory' WHERE id = 2");
  ASSERT_FALSE(update.ok());
  EXPECT_NE(update.error().message.find("append-only"), std::string::npos) << update.error().message;
  Status remove = db().exec("DELETE FROM audit_log WHERE id = 2");
  ASSERT_FALSE(remove.ok());
  EXPECT_NE(remove.error().message.find("append-only"), std::string::npos) << remove.error().message;
  EXPECT_TRUE(verify_or_fail().ok);
}

TEST_F(AuditLogTest, VerifyReportsAMiddleRowEditedBehindTheTriggersBack) {
  append_five();
  // What an attacker with the file does: drop the trigger, edit, put the trigger back.
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DROP TRIGGER audit_log_refuse_update"));
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("UPDATE audit_log SET actor = 'mallory' WHERE id = 3"));
  ChainReport report = verify_or_fail();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_id, 3);
  EXPECT_NE(report.reason.find("entry edited"), std::string::npos) << report.reason;
}

TEST_F(AuditLogTest, VerifyReportsEditedDetails) {
  append_five();
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DROP TRIGGER audit_log_refuse_update"));
  ASSERT_NO_FATAL_FAILURE(
      exec_or_fail(R"(UPDATE audit_log SET details_json = '{"n":2,"reason":"nothing to see"}' WHERE id = 2)"));
  ChainReport report = verify_or_fail();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_id, 2);
}

TEST_F(AuditLogTest, VerifyReportsTheNextRowWhenTheEditedRowsHashWasRecomputed) {
  append_five();
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DROP TRIGGER audit_log_refuse_update"));
  Result<std::vector<AuditRecord>> rows = log().page({}, 5);
  ASSERT_TRUE(rows.ok());
  AuditRecord third = (*rows)[2];
  ASSERT_EQ(third.id, 3);
  third.actor = "mallory";
  Result<std::string> forged = compute_cumulative_hash(third.prev_hash, third);
  ASSERT_TRUE(forged.ok());
  ASSERT_NO_FATAL_FAILURE(
      exec_or_fail("UPDATE audit_log SET actor = 'mallory', cumulative_hash = '" + *forged + "' WHERE id = 3"));
  ChainReport report = verify_or_fail();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_id, 4);
  EXPECT_NE(report.reason.find("prev_hash"), std::string::npos) << report.reason;
}

TEST_F(AuditLogTest, VerifyReportsADeletedRowByItsId) {
  append_five();
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DROP TRIGGER audit_log_refuse_delete"));
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DELETE FROM audit_log WHERE id = 3"));
  ChainReport report = verify_or_fail();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_id, 3);
  EXPECT_NE(report.reason.find("missing"), std::string::npos) << report.reason;
}

TEST_F(AuditLogTest, AnAnchorCatchesATruncatedTailAndARewrittenChain) {
  append_five();
  const ChainReport before = verify_or_fail();
  ASSERT_TRUE(before.ok);
  const ChainHead anchor = before.head;
  EXPECT_TRUE(verify_or_fail(anchor).ok);

  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DROP TRIGGER audit_log_refuse_delete"));
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DELETE FROM audit_log WHERE id = 5"));
  EXPECT_TRUE(verify_or_fail().ok) << "without an anchor a removed tail looks like a shorter chain";
  ChainReport truncated = verify_or_fail(anchor);
  EXPECT_FALSE(truncated.ok);
  EXPECT_EQ(truncated.broken_id, 5);
  EXPECT_NE(truncated.reason.find("anchor"), std::string::npos) << truncated.reason;

  ChainReport rewritten = verify_or_fail(ChainHead{2, std::string(64, 'f')});
  EXPECT_FALSE(rewritten.ok);
  EXPECT_EQ(rewritten.broken_id, 2);
}

TEST_F(AuditLogTest, ExportVerifiesStandaloneAndIsWriteOnce) {
  append_five();
  const std::string path = temp_.file("audit.jsonl");
  Result<std::int64_t> written = log().export_jsonl(path);
  ASSERT_TRUE(written.ok()) << written.error().describe();
  EXPECT_EQ(*written, 5);
  const std::vector<std::string> lines = lines_of(read_text(path));
  ASSERT_EQ(lines.size(), 5u);
  for (const std::string& line : lines) EXPECT_TRUE(is_canonical_json(line)) << line;
  EXPECT_NE(lines[0].find(R"("prev_hash":"0000000000000000000000000000000000000000000000000000000000000000")"),
            std::string::npos);

  ChainReport report = verify_export_or_fail(path);
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.entries, 5);
  EXPECT_EQ(report.head.cumulative_hash, verify_or_fail().head.cumulative_hash);

  Result<std::int64_t> again = log().export_jsonl(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);
}

TEST_F(AuditLogTest, EditedExportIsDetected) {
  append_five();
  const std::string path = temp_.file("audit.jsonl");
  ASSERT_TRUE(log().export_jsonl(path).ok());
  std::vector<std::string> lines = lines_of(read_text(path));

  std::vector<std::string> edited = lines;
  const auto at = edited[1].find("\"bob\"");
  ASSERT_NE(at, std::string::npos);
  edited[1].replace(at, 5, "\"eve\"");
  const std::string edited_path = temp_.file("edited.jsonl");
  write_text(edited_path, join_lines(edited));
  ChainReport report = verify_export_or_fail(edited_path);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_id, 2);

  std::vector<std::string> shortened = lines;
  shortened.erase(shortened.begin() + 2);
  const std::string shortened_path = temp_.file("shortened.jsonl");
  write_text(shortened_path, join_lines(shortened));
  report = verify_export_or_fail(shortened_path);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_id, 3);

  std::vector<std::string> garbage = lines;
  garbage[3] = "not json";
  const std::string garbage_path = temp_.file("garbage.jsonl");
  write_text(garbage_path, join_lines(garbage));
  report = verify_export_or_fail(garbage_path);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.broken_id, 4);
  EXPECT_NE(report.reason.find("line 4"), std::string::npos) << report.reason;

  // Formatting alone (whitespace) does not change what was recorded.
  Result<nlohmann::json> first = parse_strict_json(lines[0]);
  ASSERT_TRUE(first.ok());
  std::vector<std::string> pretty = lines;
  pretty[0] = first->dump();
  const std::string pretty_path = temp_.file("pretty.jsonl");
  write_text(pretty_path, join_lines(pretty));
  EXPECT_TRUE(verify_export_or_fail(pretty_path).ok);

  EXPECT_FALSE(verify_exported(temp_.file("missing.jsonl")).ok());
}

TEST_F(AuditLogTest, AnEmptyChainExportsAndVerifies) {
  EXPECT_TRUE(verify_or_fail().ok);
  const std::string path = temp_.file("empty.jsonl");
  Result<std::int64_t> written = log().export_jsonl(path);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 0);
  ChainReport report = verify_export_or_fail(path);
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.entries, 0);
  EXPECT_EQ(report.head.cumulative_hash, kGenesisHash);
}

TEST_F(AuditLogTest, PagesNewestFirstWithFilters) {
  append_five();
  Result<std::vector<AuditRecord>> all = log().page({}, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ(all->front().id, 5);
  EXPECT_EQ(all->back().id, 1);

  AuditFilter by_alice;
  by_alice.actor = "alice";
  Result<std::vector<AuditRecord>> alice = log().page(by_alice, 2);
  ASSERT_TRUE(alice.ok());
  ASSERT_EQ(alice->size(), 2u);
  EXPECT_EQ((*alice)[0].id, 5);
  EXPECT_EQ((*alice)[1].id, 3);
  Result<std::vector<AuditRecord>> older = log().page(by_alice, 10, (*alice)[1].id);
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].id, 1);

  AuditFilter confirmations;
  confirmations.action = "resume_confirmed";
  confirmations.target = "control_state";
  Result<std::vector<AuditRecord>> confirmed = log().page(confirmations, 10);
  ASSERT_TRUE(confirmed.ok());
  ASSERT_EQ(confirmed->size(), 1u);
  EXPECT_EQ((*confirmed)[0].id, 5);

  EXPECT_FALSE(log().page({}, 0).ok());
  EXPECT_FALSE(log().page({}, kMaxAuditPage + 1).ok());
}

TEST_F(AuditLogTest, AppendInsideTheCallersTransactionCommitsOrRollsBackWithIt) {
  {
    Result<store::Transaction> transaction = store::Transaction::begin(db());
    ASSERT_TRUE(transaction.ok());
    ASSERT_TRUE(log().append(*transaction, {"alice", "operator", "approval_requested", "resume", {}}).ok());
    ASSERT_TRUE(transaction->rollback().ok());
  }
  EXPECT_EQ(query("SELECT count(*) FROM audit_log"), "0");
  {
    Result<store::Transaction> transaction = store::Transaction::begin(db());
    ASSERT_TRUE(transaction.ok());
    ASSERT_TRUE(log().append(*transaction, {"alice", "operator", "approval_requested", "resume", {}}).ok());
    ASSERT_TRUE(transaction->commit().ok());
    EXPECT_FALSE(log().append(*transaction, {"alice", "operator", "x", "", {}}).ok()) << "transaction is finished";
  }
  EXPECT_EQ(query("SELECT count(*) FROM audit_log"), "1");
  EXPECT_TRUE(verify_or_fail().ok);
}

TEST_F(AuditLogTest, RefusesIncompleteEntriesAndFloats) {
  EXPECT_FALSE(log().append({"", "operator", "x", "", {}}).ok());
  EXPECT_FALSE(log().append({"alice", "", "x", "", {}}).ok());
  EXPECT_FALSE(log().append({"alice", "operator", "", "", {}}).ok());
  EXPECT_FALSE(log().append({"alice", "operator", "x", "", nlohmann::json::array()}).ok());
  Result<AuditRecord> with_float = log().append({"alice", "operator", "raise_limit", "", {{"to", 1.5}}});
  ASSERT_FALSE(with_float.ok());
  EXPECT_NE(with_float.error().message.find("/to"), std::string::npos) << with_float.error().message;
  EXPECT_EQ(query("SELECT count(*) FROM audit_log"), "0");
}

TEST_F(AuditLogTest, ChainContinuesAfterReopening) {
  append_five();
  log_.reset();
  reopen();
  append_or_fail({"carol", "operator", "resume_requested", "control_state", {}});
  ChainReport report = verify_or_fail();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.entries, 6);
}

}  // namespace
}  // namespace propbot::control
