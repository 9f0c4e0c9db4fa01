// ShippedBundleTest: a fixture over the repository's own bundle (configs/, strategies/,
// policies/) with the edits the validator tests make to it — a file replaced, a piece
// of paper.yaml rewritten — and describe() to print a list of errors in a failure.
// Header-only; used by the in-process and the isolated validator tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/bundle/bundle.hpp"
#include "core/bundle/validator.hpp"

namespace propbot::bundle {

inline constexpr const char* kStrategy = "strategies/cross_exchange_arb.lua";
inline constexpr const char* kPaper = "configs/paper.yaml";

inline std::string describe(const std::vector<ValidationError>& errors) {
  std::string out;
  for (const ValidationError& error : errors) out += format(error) + "\n";
  return out;
}

class ShippedBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Bundle> read = read_bundle(PROPBOT_SOURCE_DIR);
    ASSERT_TRUE(read.ok()) << read.error().describe();
    shipped_ = *read;
  }

  Bundle with(const Bundle::Files& overrides) {
    Result<Bundle> bundle = shipped_.with_overrides(overrides);
    EXPECT_TRUE(bundle.ok()) << bundle.error().describe();
    return bundle.ok() ? *bundle : shipped_;
  }

  // The shipped paper.yaml with one piece of text replaced.
  Bundle with_paper_edit(const std::string& from, const std::string& to) {
    std::string yaml = *shipped_.find(kPaper);
    const auto at = yaml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) yaml.replace(at, from.size(), to);
    return with({{kPaper, yaml}});
  }

  Bundle shipped_;
};

}  // namespace propbot::bundle
