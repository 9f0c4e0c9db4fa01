// Bundle: which paths may enter it, overrides from the API, the content hash, reading
// a bundle directory.
#include "core/bundle/bundle.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/daemon_process.hpp"

namespace propbot::bundle {
namespace {

Bundle make(Bundle::Files files) {
  Result<Bundle> bundle = Bundle::from_files(std::move(files));
  EXPECT_TRUE(bundle.ok()) << bundle.error().describe();
  return bundle.ok() ? *bundle : Bundle{};
}

Bundle sample() {
  return make({{"configs/paper.yaml", "profile: paper\n"},
               {"strategies/a.lua", "return {}\n"},
               {"policies/regime.lua", "return {}\n"}});
}

TEST(BundleTest, AcceptsOnlyTheThreeDirectoriesWithTheirExtensions) {
  EXPECT_TRUE(Bundle::from_files({{"configs/live.yaml", ""}, {"strategies/x-1.lua", ""}}).ok());
  for (const char* path : {"configs/paper.yml", "strategies/x.yaml", "other/x.lua", "x.lua", "strategies/sub/x.lua",
                           "strategies/.hidden.lua", "/etc/passwd", "strategies/../x.lua", "strategies/"}) {
    Result<Bundle> bundle = Bundle::from_files({{path, ""}});
    ASSERT_FALSE(bundle.ok()) << path;
    EXPECT_NE(bundle.error().message.find(path), std::string::npos) << bundle.error().message;
  }
}

TEST(BundleTest, OverridesReplaceNamedFilesAndAddStrategiesAndPolicies) {
  Result<Bundle> merged = sample().with_overrides({{"configs/paper.yaml", "profile: paper # edited\n"},
                                                   {"strategies/b.lua", "return {}\n"},
                                                   {"policies/sizing.lua", "return {}\n"}});
  ASSERT_TRUE(merged.ok()) << merged.error().describe();
  EXPECT_EQ(merged->size(), 5u);
  EXPECT_EQ(*merged->find("configs/paper.yaml"), "profile: paper # edited\n");
  EXPECT_EQ(*merged->find("strategies/a.lua"), "return {}\n");
  EXPECT_EQ(sample().find("strategies/b.lua"), nullptr);  // the original is unchanged
}

TEST(BundleTest, OverridesRefusePathsOutsideTheBundleNamingThem) {
  for (const char* path : {"../x", "other/x", "strategies/../configs/paper.yaml", "configs/new.yaml"}) {
    Result<Bundle> merged = sample().with_overrides({{path, "x"}});
    ASSERT_FALSE(merged.ok()) << path;
    EXPECT_EQ(merged.error().code, Errc::invalid_argument);
    EXPECT_NE(merged.error().message.find(std::string("'") + path + "'"), std::string::npos) << merged.error().message;
  }
}

TEST(BundleTest, HashIsStableAndIndependentOfOrder) {
  const Bundle a = sample();
  EXPECT_EQ(a.hash().size(), 64u);
  EXPECT_EQ(a.hash(), sample().hash());
  // Same files sent in another order, through overrides of an empty bundle.
  Result<Bundle> b = make({{"configs/paper.yaml", "profile: paper\n"}})
                         .with_overrides({{"policies/regime.lua", "return {}\n"}, {"strategies/a.lua", "return {}\n"}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->hash(), a.hash());
  Result<Bundle> changed = a.with_overrides({{"strategies/a.lua", "return {} \n"}});
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->hash(), a.hash());
  // Moving bytes between path and content changes the hash (length framing).
  EXPECT_NE(make({{"strategies/ab.lua", "x"}}).hash(), make({{"strategies/a.lua", "bx"}}).hash());
}

TEST(BundleTest, ReadBundleTakesBundleFilesAndSkipsTheRest) {
  propbot::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/configs");
  std::filesystem::create_directories(dir.path() + "/strategies/nested");
  std::filesystem::create_directories(dir.path() + "/docs");
  for (const char* path : {"configs/paper.yaml", "configs/README.md", "strategies/a.lua", "strategies/nested/b.lua",
                           "docs/x.lua"}) {
    std::ofstream(dir.path() + "/" + path) << "-- " << path << "\n";
  }
  Result<Bundle> bundle = read_bundle(dir.path());
  ASSERT_TRUE(bundle.ok()) << bundle.error().describe();
  EXPECT_EQ(bundle->size(), 2u);
  EXPECT_EQ(*bundle->find("strategies/a.lua"), "-- strategies/a.lua\n");
  EXPECT_FALSE(bundle->has_policies());

  EXPECT_EQ(read_bundle(dir.path() + "/strategies").error().code, Errc::not_found);  // no configs/
}

TEST(BundleTest, WriteThenReadGivesTheSameBundle) {
  propbot::testing::TempDir dir;
  ASSERT_TRUE(sample().write_to(dir.path()).ok());
  Result<Bundle> back = read_bundle(dir.path());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->hash(), sample().hash());
}

}  // namespace
}  // namespace propbot::bundle
