#include "core/md/level_grid.hpp"

#include <gtest/gtest.h>

#include "core/md/crc32.hpp"
#include "core/md/json_scanner.hpp"
#include "tests/unit/md/md_test_support.hpp"

namespace propbot::md {
namespace {

using testing::dec;

TEST(LevelGridTest, ConvertsPricesAndSizesExactlyWhateverTheTrailingZeros) {
  const LevelGrid grid = LevelGrid::create(dec("0.10"), dec("0.001")).value();
  std::int64_t ticks = 0;
  ASSERT_EQ(grid.to_ticks("97000.10", ticks), GridStatus::ok);
  EXPECT_EQ(ticks, 970'001);
  ASSERT_EQ(grid.to_ticks("97000.1", ticks), GridStatus::ok);
  EXPECT_EQ(ticks, 970'001);
  ASSERT_EQ(grid.to_ticks("97000", ticks), GridStatus::ok);
  EXPECT_EQ(ticks, 970'000);
  std::int64_t lots = 0;
  ASSERT_EQ(grid.to_lots("1.23400000", lots), GridStatus::ok);
  EXPECT_EQ(lots, 1'234);
  ASSERT_EQ(grid.to_lots("0", lots), GridStatus::ok);
  EXPECT_EQ(lots, 0);
  ASSERT_EQ(grid.to_lots(".5", lots), GridStatus::ok);
  EXPECT_EQ(lots, 500);
}

TEST(LevelGridTest, HandlesTicksThatAreNotPowersOfTen) {
  const LevelGrid grid = LevelGrid::create(dec("0.5"), dec("25")).value();
  std::int64_t count = 0;
  ASSERT_EQ(grid.to_ticks("101.5", count), GridStatus::ok);
  EXPECT_EQ(count, 203);
  EXPECT_EQ(grid.to_ticks("101.2", count), GridStatus::off_grid);
  ASSERT_EQ(grid.to_lots("75", count), GridStatus::ok);
  EXPECT_EQ(count, 3);
  EXPECT_EQ(grid.to_lots("80", count), GridStatus::off_grid);
}

TEST(LevelGridTest, RefusesOffGridMalformedAndOversizedText) {
  const LevelGrid grid = testing::binance_grid();
  std::int64_t count = 0;
  EXPECT_EQ(grid.to_ticks("97000.15", count), GridStatus::off_grid);
  EXPECT_EQ(grid.to_lots("0.0005", count), GridStatus::off_grid);
  for (const char* bad : {"", ".", "-1", "+1", "1e3", " 1", "1 ", "1.2.3", "abc", "0x10"}) {
    EXPECT_EQ(grid.to_ticks(bad, count), GridStatus::malformed) << bad;
  }
  EXPECT_EQ(grid.to_ticks("1234567890123456789", count), GridStatus::out_of_range);
  EXPECT_EQ(grid.to_ticks("922337203685477580.7", count), GridStatus::out_of_range);
  EXPECT_FALSE(LevelGrid::create(dec("0"), dec("1")).ok());
  EXPECT_FALSE(LevelGrid::create(dec("0.1"), dec("-1")).ok());
}

TEST(Crc32Test, MatchesTheStandardCheckValueAndChainsAcrossPieces) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926U);
  EXPECT_EQ(crc32(""), 0U);
  const std::string text = "3366.1:7:3366.8:9:3366:6:3368:8 and some more bytes to pass the 8-byte loop";
  EXPECT_EQ(crc32(text), testing::reference_crc32(text));
  EXPECT_EQ(crc32_update(crc32(std::string_view(text).substr(0, 13)), std::string_view(text).substr(13)), crc32(text));
}

TEST(JsonScannerTest, ReadsIntegersAtTheLimitsAndRefusesFractions) {
  std::int64_t value = 0;
  JsonScanner min_scanner("-9223372036854775808");
  ASSERT_TRUE(min_scanner.read_int(value));
  EXPECT_EQ(value, INT64_MIN);
  JsonScanner max_scanner("9223372036854775807");
  ASSERT_TRUE(max_scanner.read_int(value));
  EXPECT_EQ(value, INT64_MAX);
  JsonScanner over("9223372036854775808");
  EXPECT_FALSE(over.read_int(value));
  JsonScanner fraction("1.5");
  EXPECT_FALSE(fraction.read_int(value));
}

TEST(JsonScannerTest, SkipsNestedValuesButRefusesRunawayDepth) {
  JsonScanner nested(R"({"a":[1,{"b":"x\"y"},true,null,-2.5e3],"c":false})");
  EXPECT_TRUE(nested.skip_value());
  EXPECT_TRUE(nested.at_end());
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  JsonScanner runaway(deep);
  EXPECT_FALSE(runaway.skip_value());
}

}  // namespace
}  // namespace propbot::md
