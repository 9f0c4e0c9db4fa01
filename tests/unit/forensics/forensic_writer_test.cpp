// ForensicWriter as the IncidentLog's ForensicSink: a P0 becomes a bundle on disk whose
// manifest's hashes match its files, the incident shows forensic_captured: yes and its
// forensic_ref; a full queue drops a capture (no crash, the incident stays "no"); the
// market history provider and the pending references.
#include "core/forensics/forensic_writer.hpp"

#include <sys/stat.h>

#include <future>
#include <set>

#include <gtest/gtest.h>

#include "core/crypto/sha256.hpp"
#include "tests/unit/forensics/forensic_fixture.hpp"

namespace propbot::forensics::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST_F(ForensicTest, AP0WritesEveryFileAndTheManifestsHashesMatchThem) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto snapshot = fake_snapshot();
  writer_->attach_snapshots([snapshot] { return snapshot; });
  const control::Incident incident = open_p0();
  EXPECT_FALSE(incident.forensic_captured()) << "the reference comes later, from the writer thread";
  ASSERT_TRUE(eventually([&] { return captured(incident.id); }));

  const fs::path bundle = root() / std::to_string(incident.id);
  const json manifest = read_json(bundle / "manifest.json");
  ASSERT_TRUE(manifest.is_object()) << read_file(bundle / "manifest.json");
  EXPECT_EQ(manifest["incident_id"], incident.id);
  EXPECT_EQ(manifest["captured_at"], format_iso8601_ms(clock_.utc()));
  std::set<std::string> names;
  for (const auto& file : manifest["files"]) {
    const std::string name = file["name"];
    names.insert(name);
    const std::string bytes = read_file(bundle / name);
    EXPECT_EQ(file["bytes"], bytes.size()) << name;
    EXPECT_EQ(file["sha256"], crypto::sha256_hex(bytes)) << name;
    EXPECT_FALSE(json::parse(bytes, nullptr, false).is_discarded()) << name << " is not JSON";
    EXPECT_EQ(mode_of(bundle / name), 0600u) << name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"incident.json", "books.json", "strategy_inputs.json", "proposals.json",
                                          "execution.json", "positions.json", "risk.json", "market_history.json"}));
  std::set<std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(bundle)) on_disk.insert(entry.path().filename().string());
  names.insert("manifest.json");
  EXPECT_EQ(on_disk, names) << "the directory holds the manifest's files and nothing else";
  EXPECT_EQ(mode_of(bundle), 0700u);
  EXPECT_EQ(mode_of(root()), 0700u);
  EXPECT_EQ(writer_->written(), 1u);
}

TEST_F(ForensicTest, TheBundleHoldsWhatTheStrategySawProposedAndTheExecutorDid) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto snapshot = fake_snapshot();
  writer_->attach_snapshots([snapshot] { return snapshot; });
  const control::Incident incident = open_p0();
  ASSERT_TRUE(eventually([&] { return captured(incident.id); }));
  const fs::path bundle = root() / std::to_string(incident.id);

  const json recorded = read_json(bundle / "incident.json");
  EXPECT_EQ(recorded["id"], incident.id);
  EXPECT_EQ(recorded["severity"], "P0");
  EXPECT_EQ(recorded["summary"], "position mismatch on BINANCE");
  const json books = read_json(bundle / "books.json");
  ASSERT_EQ(books["books"].size(), 1u);
  EXPECT_EQ(books["books"][0]["venue"], "BINANCE");
  EXPECT_EQ(books["books"][0]["bid"], 42000.5);
  EXPECT_EQ(books["mode"], "RESUME");
  const json inputs = read_json(bundle / "strategy_inputs.json");
  EXPECT_EQ(inputs["policy"]["regimes"][0]["regime"], "calm");
  EXPECT_EQ(inputs["strategies"][0]["params"]["min_edge_bps"], 5);
  EXPECT_EQ(inputs["books"][0]["funding_rate"], 0.0001);
  const json proposals = read_json(bundle / "proposals.json");
  EXPECT_EQ(proposals["opportunities"][0]["intent_notional_usdt"], 500);
  EXPECT_EQ(proposals["opportunities"][0]["risk_reason"], "max_total_notional");
  EXPECT_EQ(proposals["opportunities"][0]["status"], "blocked_by_risk");
  EXPECT_EQ(proposals["trades"][0]["state"], "hedge_lost");
  const json execution = read_json(bundle / "execution.json");
  ASSERT_EQ(execution["hedge_log"].size(), 1u);
  EXPECT_EQ(execution["hedge_log"][0]["hedge_latency_ms"], 37.5);
  EXPECT_EQ(execution["hedge_log"][0]["client_order_id"], "pb41b1");
  EXPECT_EQ(execution["execution"]["trades"][0]["reason"], "leg B rejected");
  EXPECT_EQ(read_json(bundle / "positions.json")["view"]["exposure"][0]["venue"], "OKX");
  EXPECT_EQ(read_json(bundle / "risk.json")["view"]["risk_snapshot"]["total_notional_usdt"], 420);
  EXPECT_EQ(read_json(bundle / "market_history.json")["available"], false) << "no history store attached";
}

TEST_F(ForensicTest, TheIncidentLinksItsBundle) {
  ASSERT_NO_FATAL_FAILURE(start());
  const control::Incident incident = open_p0();
  ASSERT_TRUE(eventually([&] { return captured(incident.id); }));
  const control::Incident linked = get(incident.id);
  EXPECT_EQ(linked.forensic_ref, (root() / std::to_string(incident.id)).string());
  EXPECT_EQ(control::to_json(linked)["forensic_captured"], "yes");
  EXPECT_TRUE(fs::exists(fs::path(*linked.forensic_ref) / "manifest.json"));
}

TEST_F(ForensicTest, WithoutASnapshotTheBundleSaysWhatIsMissing) {
  ASSERT_NO_FATAL_FAILURE(start());  // nothing attached: a P0 before the engine runs
  const control::Incident incident = open_p0();
  ASSERT_TRUE(eventually([&] { return captured(incident.id); }));
  const fs::path bundle = root() / std::to_string(incident.id);
  EXPECT_EQ(read_json(bundle / "incident.json")["id"], incident.id);
  for (const char* name : {"books.json", "proposals.json", "execution.json", "positions.json", "risk.json"}) {
    const json document = read_json(bundle / name);
    EXPECT_EQ(document["available"], false) << name;
    EXPECT_NE(document["reason"].get<std::string>().find("no snapshot"), std::string::npos) << name;
  }
}

TEST_F(ForensicTest, OnlyP0sAreCaptured) {
  ASSERT_NO_FATAL_FAILURE(start());
  {
    std::lock_guard lock(mutex_);
    ASSERT_TRUE(log_->open({Severity::P1, IncidentCode::manual, "recon", "slow venue", "none"}).ok());
  }
  const control::Incident p0 = open_p0();
  ASSERT_TRUE(eventually([&] { return captured(p0.id); }));
  EXPECT_FALSE(captured(1));
  EXPECT_EQ(writer_->written(), 1u);
}

TEST_F(ForensicTest, AFullQueueDropsTheCaptureAndThatIncidentStaysNotCaptured) {
  ForensicWriterOptions options;
  options.queue_capacity = 1;
  ASSERT_NO_FATAL_FAILURE(start(options));
  // The history read of the first bundle blocks the writer thread until released.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  std::atomic<int> reads{0};
  writer_->attach_history([&, released](std::chrono::minutes) {
    if (reads.fetch_add(1) == 0) {
      entered.set_value();
      released.wait();
    }
    return json{{"available", true}};
  });
  const control::Incident first = open_p0("first");
  entered.get_future().wait();                         // the writer holds the first
  const control::Incident second = open_p0("second");  // queued (capacity 1)
  const control::Incident third = open_p0("third");    // dropped
  EXPECT_EQ(writer_->dropped(), 1u);
  release.set_value();

  ASSERT_TRUE(eventually([&] { return captured(first.id) && captured(second.id); }));
  writer_->stop();
  EXPECT_FALSE(captured(third.id));
  EXPECT_EQ(control::to_json(get(third.id))["forensic_captured"], "no");
  EXPECT_FALSE(fs::exists(root() / std::to_string(third.id)));
  EXPECT_EQ(writer_->written(), 2u);
}

TEST_F(ForensicTest, AStoppedWriterDropsLaterCaptures) {
  ASSERT_NO_FATAL_FAILURE(start());
  writer_->stop();
  const control::Incident incident = open_p0();
  EXPECT_EQ(writer_->dropped(), 1u);
  EXPECT_FALSE(captured(incident.id));
}

TEST_F(ForensicTest, PruningKeepsAtMostMaxBundlesTheNewest) {
  ForensicWriterOptions options;
  options.max_bundles = 3;
  ASSERT_NO_FATAL_FAILURE(start(options));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(open_p0("p0 " + std::to_string(i)).id);
    ASSERT_TRUE(eventually([&] { return captured(ids.back()); }));
  }
  std::vector<std::string> kept;
  for (const auto& entry : fs::directory_iterator(root())) kept.push_back(entry.path().filename().string());
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<std::string>{std::to_string(ids[2]), std::to_string(ids[3]), std::to_string(ids[4])}));
}

TEST_F(ForensicTest, TheHistoryProviderIsAskedForTheConfiguredMinutes) {
  ForensicWriterOptions options;
  options.history_minutes = std::chrono::minutes(7);
  ASSERT_NO_FATAL_FAILURE(start(options));
  std::atomic<int> asked{0};
  writer_->attach_history([&](std::chrono::minutes minutes) {
    asked = static_cast<int>(minutes.count());
    return json{{"available", true}, {"mids", {{{"ts", "t"}, {"BINANCE:BTC-USDT", 42000}}}}};
  });
  const control::Incident incident = open_p0();
  ASSERT_TRUE(eventually([&] { return captured(incident.id); }));
  EXPECT_EQ(asked.load(), 7);
  const json history = read_json(root() / std::to_string(incident.id) / "market_history.json");
  EXPECT_EQ(history["mids"][0]["BINANCE:BTC-USDT"], 42000);
}

TEST_F(ForensicTest, NoSecretReachesABundle) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto snapshot = fake_snapshot();  // a strategy parameter named api_key
  writer_->attach_snapshots([snapshot] { return snapshot; });
  const control::Incident incident = open_p0("venue said 401 for Authorization: Bearer tok-live-123");
  ASSERT_TRUE(eventually([&] { return captured(incident.id); }));
  for (const auto& entry : fs::directory_iterator(root() / std::to_string(incident.id))) {
    const std::string text = read_file(entry.path());
    EXPECT_EQ(text.find("sk-live-do-not-leak"), std::string::npos) << entry.path();
    EXPECT_EQ(text.find("tok-live-123"), std::string::npos) << entry.path();
  }
  const json inputs = read_json(root() / std::to_string(incident.id) / "strategy_inputs.json");
  EXPECT_EQ(inputs["strategies"][0]["params"]["api_key"], "***") << "the name stays, the value goes";
}

TEST_F(ForensicTest, ABundleWrittenBeforeTheRecorderIsAttachedIsRecordedOnAttach) {
  ForensicWriterOptions options;
  options.data_dir = temp_.path();
  writer_ = std::make_unique<ForensicWriter>(options, clock_, quiet());
  log_.emplace(*database_, clock_, writer_.get());
  const control::Incident incident = open_p0("tamper at start-up");
  ASSERT_TRUE(eventually([&] { return writer_->written() == 1; }));
  EXPECT_FALSE(captured(incident.id));
  std::vector<std::string> details;
  writer_->attach_recorder([&](std::int64_t id, const std::string& ref, const json& detail) -> Status {
    std::lock_guard lock(mutex_);
    details.push_back(detail.dump());
    auto set = log_->set_forensic_ref(id, ref);
    if (!set) return set.error();
    return {};
  });
  EXPECT_TRUE(captured(incident.id));
  ASSERT_EQ(details.size(), 1u);
  const std::string manifest = read_file(root() / std::to_string(incident.id) / "manifest.json");
  EXPECT_NE(details[0].find(crypto::sha256_hex(manifest)), std::string::npos) << "the manifest's hash goes to the audit";
}

}  // namespace
}  // namespace propbot::forensics::test
