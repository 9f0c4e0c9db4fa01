// ForensicStore on its own: the bundle appears whole (a crash's partial directory is
// swept, an existing bundle is kept), an over-large document is cut to a marker that is
// still JSON, and the bound counts only the bundles it wrote.
#include "core/forensics/forensic_store.hpp"

#include <gtest/gtest.h>

#include "core/forensics/redacted_json.hpp"
#include "tests/unit/forensics/forensic_fixture.hpp"

namespace propbot::forensics::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ForensicStoreTest : public ::testing::Test {
 protected:
  ForensicStoreOptions options(std::size_t max_bundles = 10, std::size_t max_file_bytes = kDefaultMaxFileBytes) {
    ForensicStoreOptions out;
    out.root = (fs::path(temp_.path()) / "incidents_forensic").string();
    out.max_bundles = max_bundles;
    out.max_file_bytes = max_file_bytes;
    return out;
  }
  static std::vector<BundleDocument> documents() { return {{"incident.json", json{{"id", 1}}}}; }

  store::test_support::TempDir temp_;
  UtcTime at_{std::chrono::seconds(1'700'000'000)};
};

TEST_F(ForensicStoreTest, ACrashsPartialDirectoryIsSweptAndNeverCountsAsABundle) {
  ForensicStore store(options());
  const fs::path partial = fs::path(options().root) / ".partial-3";
  fs::create_directories(partial);
  std::ofstream(partial / "books.json") << "{\"half\":";
  ASSERT_TRUE(store.write(4, documents(), at_).ok());
  EXPECT_FALSE(fs::exists(partial));
  EXPECT_EQ(store.bundle_ids(), std::vector<std::int64_t>{4});
}

TEST_F(ForensicStoreTest, AnExistingBundleIsNeverReplaced) {
  ForensicStore store(options());
  ASSERT_TRUE(store.write(5, documents(), at_).ok());
  const std::string before = read_file(fs::path(store.bundle_path(5)) / "manifest.json");
  auto again = store.write(5, {{"incident.json", json{{"id", "other"}}}}, at_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);
  EXPECT_EQ(read_file(fs::path(store.bundle_path(5)) / "manifest.json"), before);
  EXPECT_EQ(read_json(fs::path(store.bundle_path(5)) / "incident.json")["id"], 1);
}

TEST_F(ForensicStoreTest, AnOverLargeDocumentBecomesATruncationMarkerThatIsStillJson) {
  ForensicStore store(options(10, 4096));
  json big = json::array();
  for (int i = 0; i < 2000; ++i) big.push_back({{"i", i}, {"text", "a \"quoted\" line\n"}});
  auto written = store.write(6, {{"market_history.json", big}}, at_);
  ASSERT_TRUE(written.ok()) << written.error().describe();
  const std::string text = read_file(fs::path(written->path) / "market_history.json");
  EXPECT_LE(text.size(), 4096u);
  const json marker = json::parse(text, nullptr, false);
  ASSERT_FALSE(marker.is_discarded()) << text;
  EXPECT_EQ(marker["truncated"], true);
  EXPECT_GT(marker["original_bytes"].get<std::size_t>(), 4096u);
  EXPECT_EQ(marker["head"].get<std::string>().rfind("[", 0), 0u) << "the head is the document's beginning";
}

TEST_F(ForensicStoreTest, TheBoundIgnoresWhatItDidNotWrite) {
  ForensicStore store(options(2));
  fs::create_directories(fs::path(options().root) / "notes");
  fs::create_directories(fs::path(options().root) / "007");
  for (std::int64_t id : {10, 11, 12}) ASSERT_TRUE(store.write(id, documents(), at_).ok());
  EXPECT_EQ(store.bundle_ids(), (std::vector<std::int64_t>{11, 12}));
  EXPECT_TRUE(fs::exists(fs::path(options().root) / "notes"));
  EXPECT_TRUE(fs::exists(fs::path(options().root) / "007"));
}

TEST(RedactedJsonTest, HidesSensitiveMembersOfAnyTypeAndKeepsTheShape) {
  const json document = {{"api_key", {{"nested", "x"}}},
                         {"fencing_token", 12},
                         {"secret", 42},
                         {"rows", {{{"passphrase", "p"}, {"venue", "OKX"}}}},
                         {"summary", "sent api_key=abc123 to the venue"}};
  const json out = redacted(document);
  EXPECT_EQ(out["api_key"], "***");
  EXPECT_EQ(out["secret"], "***");
  EXPECT_EQ(out["fencing_token"], 12) << "an epoch number, not a secret";
  EXPECT_EQ(out["rows"][0]["passphrase"], "***");
  EXPECT_EQ(out["rows"][0]["venue"], "OKX");
  EXPECT_EQ(out["summary"].get<std::string>().find("abc123"), std::string::npos);
}

}  // namespace
}  // namespace propbot::forensics::test
