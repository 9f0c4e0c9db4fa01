// The WORM export's chain rule, line order and CSV quoting (core/control/worm_format,
// csv_text), independent of any database.
#include "core/control/worm_format.hpp"

#include <gtest/gtest.h>

#include "core/control/canonical_json.hpp"
#include "core/control/csv_text.hpp"
#include "core/crypto/sha256.hpp"

namespace propbot::control {
namespace {

const nlohmann::json kHeader = {{"format", kWormFormat}, {"created_at", "2026-12-07T00:00:00.000Z"}};

TEST(WormChainHashTest, IsSha256OfThePreviousHashAndTheCanonicalRecord) {
  const nlohmann::json record = {{"price", "65000.10"}, {"id", 7}};
  Result<std::string> hash = worm_chain_hash(kWormGenesisHash, record);
  ASSERT_TRUE(hash.ok()) << hash.error().describe();
  EXPECT_EQ(*hash, crypto::sha256_hex(std::string(kWormGenesisHash) + R"({"id":7,"price":"65000.10"})"));
}

TEST(WormChainHashTest, RefusesAFloatSoNoMoneyIsEverADouble) {
  EXPECT_FALSE(worm_chain_hash(kWormGenesisHash, {{"price", 65000.1}}).ok());
}

TEST(WormChainTest, ChainsEachLineOnThePreviousOneAndCountsTheTrailer) {
  WormChain chain;
  Result<WormLine> header = chain.header(kHeader);
  ASSERT_TRUE(header.ok()) << header.error().describe();
  EXPECT_EQ(header->number, 1);
  EXPECT_EQ(header->chain_hash, *worm_chain_hash(kWormGenesisHash, kHeader));

  const nlohmann::json fill = {{"seq", 1}, {"price", "0.30"}};
  Result<WormLine> line = chain.append(WormSection::fills, fill);
  ASSERT_TRUE(line.ok()) << line.error().describe();
  EXPECT_EQ(line->number, 2);
  EXPECT_EQ(line->chain_hash, *worm_chain_hash(header->chain_hash, fill));
  EXPECT_EQ(line->text, R"({"chain_hash":")" + line->chain_hash + R"(","record":{"price":"0.30","seq":1},"section":"fills"})");

  Result<WormLine> trailer = chain.trailer();
  ASSERT_TRUE(trailer.ok()) << trailer.error().describe();
  const nlohmann::json expected = {
      {"counts", {{"audit", 0}, {"incidents", 0}, {"orders", 0}, {"fills", 1}, {"ledger_entries", 0}}},
      {"last_chain_hash", line->chain_hash},
      {"records", 1}};
  EXPECT_EQ(trailer->text, *canonical_json({{"chain_hash", trailer->chain_hash},
                                            {"record", expected},
                                            {"section", "trailer"}}));
  EXPECT_EQ(chain.last_chain_hash(), trailer->chain_hash);
}

TEST(WormChainTest, RefusesRecordsOutOfOrder) {
  WormChain chain;
  EXPECT_FALSE(chain.append(WormSection::audit, nlohmann::json::object()).ok()) << "a record before the header";
  EXPECT_FALSE(chain.header({{"format", "propbot-worm/2"}}).ok()) << "another format";
  ASSERT_TRUE(chain.header(kHeader).ok());
  EXPECT_FALSE(chain.header(kHeader).ok()) << "a second header";
  ASSERT_TRUE(chain.append(WormSection::fills, nlohmann::json::object()).ok());
  EXPECT_FALSE(chain.append(WormSection::orders, nlohmann::json::object()).ok()) << "orders after fills";
  EXPECT_FALSE(chain.append(WormSection::trailer, nlohmann::json::object()).ok()) << "the trailer as a record";
  EXPECT_FALSE(chain.append(WormSection::fills, nlohmann::json::array()).ok()) << "a record that is no object";
  ASSERT_TRUE(chain.trailer().ok());
  EXPECT_FALSE(chain.append(WormSection::fills, nlohmann::json::object()).ok()) << "a record after the trailer";
  EXPECT_EQ(chain.counts().at(WormSection::fills), 1);
}

TEST(WormCountsTest, DescribesEverySectionInFileOrder) {
  WormCounts counts;
  counts.at(WormSection::audit) = 3;
  counts.at(WormSection::ledger_entries) = 2;
  EXPECT_EQ(counts.describe(), "audit 3, incidents 0, orders 0, fills 0, ledger_entries 2");
  EXPECT_EQ(counts.total(), 5);
}

TEST(CsvTextTest, QuotesOnlyWhatRfc4180Requires) {
  EXPECT_EQ(csv_field("65000.10"), "65000.10");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
  EXPECT_EQ(csv_field(" padded"), "\" padded\"");
  EXPECT_EQ(csv_record({"1", "x,y", ""}), "1,\"x,y\",\r\n");
}

}  // namespace
}  // namespace propbot::control
