// Fuzz target for the YAML entry point (issue 10): the shipped profiles, mutated —
// aliases and anchors, flow brackets, tags, indentation — through the daemon's own
// loader (load_config: parse, bounds, schema, env layering), as `propbot config
// validate` and the validation worker run it. Every input must come back as a Config or
// as issues, quickly and without a crash; an input the loader accepts must also be
// within the YAML bounds (no expansion bomb slips through).
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "core/config/loader.hpp"
#include "core/config/yaml_bounds.hpp"
#include "tests/fuzz/mutator.hpp"

namespace propbot::fuzz {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kYamlTokens = {
    "&a ", "*a", "&b [*a, *a, *a, *a, *a, *a, *a, *a]", "<<: *a\n", "[", "]", "{", "}", ": ", "- ", "\n  ", "\n",
    "!!binary ", "!!str ", "? ", "|\n  ", ">\n  ", "'", "\"", "#", "%YAML 1.2\n---\n", "...\n", "~", "0x1F", "1e400",
    ".nan", "\t", "\xef\xbb\xbf"};

std::vector<std::string> profile_seeds() {
  std::vector<std::string> seeds;
  for (const char* name : {"paper", "testnet", "live"}) {
    std::ifstream in(fs::path(PROPBOT_SOURCE_DIR) / "configs" / (std::string(name) + ".yaml"));
    std::stringstream text;
    text << in.rdbuf();
    seeds.push_back(text.str());
  }
  return seeds;
}

TEST(YamlFuzz, TheLoaderAnswersEveryMutatedProfileWithAConfigOrIssues) {
  const fs::path root = fs::temp_directory_path() / ("propbot-yaml-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(root / "configs");
  fs::create_directories(root / "strategies");
  for (const auto& entry : fs::directory_iterator(fs::path(PROPBOT_SOURCE_DIR) / "strategies")) {
    fs::copy_file(entry.path(), root / "strategies" / entry.path().filename(), fs::copy_options::overwrite_existing);
  }
  const std::vector<std::string> seeds = profile_seeds();
  double slowest_ms = 0;
  {
    FuzzRun run("yaml fuzz (load_config on mutated profiles)");
    Mutator mutator(run.seed(), kYamlTokens);
    std::size_t i = 0;
    while (run.more()) {
      const std::string input = mutator.mutate(seeds[i % seeds.size()], seeds[mutator.pick(seeds.size())]);
      const config::Profile profile = static_cast<config::Profile>(i % 3);
      ++i;
      {
        std::ofstream out(root / "configs" / (std::string(config::to_string(profile)) + ".yaml"), std::ios::trunc);
        out << input;
      }
      config::LoadOptions options;
      options.profile = profile;
      options.search_roots = {root.string()};
      const auto started = std::chrono::steady_clock::now();
      const config::LoadOutcome outcome = config::load_config(options);
      slowest_ms = std::max(slowest_ms,
                            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
      EXPECT_EQ(outcome.config.has_value(), outcome.issues.empty());
      if (outcome.config) {
        try {
          EXPECT_FALSE(config::check_yaml_bounds(YAML::Load(input)).has_value());
        } catch (const YAML::Exception&) {
          ADD_FAILURE() << "the loader accepted a document yaml-cpp cannot parse";
        }
      }
      run.count(!outcome.config.has_value());
    }
  }
  std::cout << "[          ] slowest load: " << slowest_ms << " ms\n";
  fs::remove_all(root);
}

}  // namespace
}  // namespace propbot::fuzz
