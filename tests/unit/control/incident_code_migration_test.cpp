// Migration 0005_incident_code on a database the previous binary wrote: incidents and
// their audit rows exactly as the old safety action left them, then the daemon's own
// open_store() brings the file up to date. Every existing row gets the code it was
// raised with (renamed kinds mapped to the SPEC names), or 'unspecified' when no audit
// row names it.
#include <string>

#include <gtest/gtest.h>

#include "core/control/incident_log.hpp"
#include "core/store/data_dir.hpp"
#include "core/store/migrations.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::control {
namespace {

using store::test_support::query_text;

class IncidentCodeMigrationTest : public ::testing::Test {
 protected:
  // A propbot.db at schema 0004, the last one without incidents.code.
  void SetUp() override {
    ASSERT_TRUE(temp_.ok());
    store::Database old = store::test_support::open_or_fail(temp_.file("propbot.db"));
    std::vector<store::Migration> before;
    for (const auto& migration : store::builtin_migrations()) {
      if (migration.version < 5) before.push_back(migration);
    }
    ASSERT_EQ(before.size(), 4u);
    Result<int> applied = store::apply_migrations(old, before, "2023-11-14T22:13:20.000Z");
    ASSERT_TRUE(applied.ok()) << applied.error().describe();
    exec(old,
         "INSERT INTO incidents(id, ts_utc, severity, component, summary, action_taken) VALUES "
         "(1, '2023-11-14T22:13:20.000Z', 'P0', 'control_plane', 'signed state failed verification', 'HOLD'),"
         "(2, '2023-11-14T22:13:21.000Z', 'P0', 'control_plane', 'kill switch requested by alice', 'KILL'),"
         "(3, '2023-11-14T22:13:22.000Z', 'P1', 'ws_feed:OKX', 'books feed flapping', 'none'),"
         "(4, '2023-11-14T22:13:23.000Z', 'P1', 'strategy:counter', 'frozen', 'none'),"
         "(5, '2023-11-14T22:13:24.000Z', 'P1', 'policy_pipeline', 'degraded', 'none'),"
         "(6, '2023-11-14T22:13:25.000Z', 'P2', 'config', 'apply failed', 'none'),"
         "(7, '2023-11-14T22:13:26.000Z', 'P2', 'app', 'no audit row names it', 'none'),"
         "(8, '2023-11-14T22:13:27.000Z', 'P2', 'app', 'its audit row is not JSON', 'none')");
    // The old safety action's audit rows (details as canonical JSON), plus rows that
    // must not count: an ack of incident 1 without a kind, another incident's row.
    int id = 0;
    auto audit = [&](const std::string& action, const std::string& target, const std::string& details) {
      ++id;
      exec(old, "INSERT INTO audit_log(id, ts_utc, actor, role, action, target, details_json, prev_hash, "
                "cumulative_hash) VALUES (" + std::to_string(id) + ", '2023-11-14T22:13:20.000Z', 'system', "
                "'system', '" + action + "', '" + target + "', '" + details + "', 'x', 'y')");
    };
    audit("ack_and_postmortem", "incident:1", R"({"outcome":"approved","resolve":true})");
    audit("hold_auto", "incident:1", R"({"action_taken":"HOLD","incident_id":1,"kind":"tamper_detected","severity":"P0"})");
    audit("kill", "incident:2", R"({"action_taken":"KILL","incident_id":2,"kind":"kill_switch","severity":"P0"})");
    audit("incident_logged", "incident:3", R"({"action_taken":"none","incident_id":3,"kind":"manual","severity":"P1"})");
    audit("incident_logged", "incident:4", R"({"incident_id":4,"kind":"strategy_degraded","severity":"P1"})");
    audit("incident_logged", "incident:5", R"({"incident_id":5,"kind":"strategy_degraded","severity":"P1"})");
    audit("incident_logged", "incident:6", R"({"incident_id":6,"kind":"config_apply_failed","severity":"P2"})");
    audit("incident_logged", "incident:7", R"({"incident_id":6,"kind":"memory_pressure","severity":"P2"})");
    audit("incident_logged", "incident:8", "not json");
  }

  static void exec(store::Database& database, const std::string& sql) {
    Status done = database.exec(sql);
    ASSERT_TRUE(done.ok()) << sql << ": " << done.error().describe();
  }

  store::test_support::TempDir temp_;
  SimClock clock_;
};

TEST_F(IncidentCodeMigrationTest, GivesEveryExistingIncidentTheCodeItWasRaisedWith) {
  Result<store::Database> opened = store::open_store(temp_.path(), "2023-11-15T00:00:00.000Z");
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  store::Database& database = *opened;
  EXPECT_EQ(query_text(database, "SELECT max(version) FROM schema_migrations"), "5");
  EXPECT_EQ(query_text(database, "SELECT group_concat(id || '=' || code, ' ') FROM (SELECT id, code FROM incidents "
                                 "ORDER BY id)"),
            "1=tamper_detected 2=manual_kill_switch_activated 3=manual 4=strategy_degraded "
            "5=policy_pipeline_degraded 6=config_apply_failed 7=unspecified 8=unspecified");

  // What the daemon reads and serves afterwards; a new row stores the code it is given.
  IncidentLog log(database, clock_);
  Result<Incident> tamper = log.get(1);
  ASSERT_TRUE(tamper.ok()) << tamper.error().describe();
  EXPECT_EQ(tamper->code, IncidentCode::tamper_detected);
  EXPECT_EQ(to_json(*tamper)["code"], "tamper_detected");
  EXPECT_EQ(to_json(*log.get(7))["code"], "unspecified");
  Result<Incident> added = log.open({Severity::P1, IncidentCode::ws_feed_failed, "ws_feed:OKX", "down", "none"});
  ASSERT_TRUE(added.ok()) << added.error().describe();
  EXPECT_EQ(query_text(database, "SELECT code FROM incidents WHERE id = 9"), "ws_feed_failed");
}

TEST_F(IncidentCodeMigrationTest, AnInsertThatNamesNoCodeIsUnspecified) {
  Result<store::Database> opened = store::open_store(temp_.path(), "2023-11-15T00:00:00.000Z");
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  exec(*opened,
       "INSERT INTO incidents(ts_utc, severity, component, summary, action_taken) "
       "VALUES ('2023-11-15T00:00:00.000Z', 'P2', 'app', 'an old binary would write this', 'none')");
  EXPECT_EQ(query_text(*opened, "SELECT code FROM incidents ORDER BY id DESC LIMIT 1"), "unspecified");
}

}  // namespace
}  // namespace propbot::control
