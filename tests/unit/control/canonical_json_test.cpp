#include "core/control/canonical_json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/common/decimal.hpp"

namespace propbot::control {
namespace {

std::string canonical_or_fail(const nlohmann::json& value) {
  Result<std::string> text = canonical_json(value);
  EXPECT_TRUE(text.ok()) << text.error().describe();
  return text ? *text : std::string();
}

std::string canonicalize_or_fail(std::string_view text) {
  Result<std::string> canonical = canonicalize(text);
  EXPECT_TRUE(canonical.ok()) << canonical.error().describe();
  return canonical ? *canonical : std::string();
}

TEST(CanonicalJsonTest, SortsKeysAndDropsWhitespace) {
  EXPECT_EQ(canonicalize_or_fail(" { \"b\" : 1 ,\n \"a\" : [ true , null , \"x\" , { \"d\":2, \"c\":1 } ] } "),
            R"({"a":[true,null,"x",{"c":1,"d":2}],"b":1})");
}

TEST(CanonicalJsonTest, SameValueGivesSameBytesWhateverTheInputOrder) {
  const std::string one = canonicalize_or_fail(R"({"mode":"HOLD","safe_mode":true,"fencing_token":7})");
  const std::string two = canonicalize_or_fail(R"({"fencing_token":7,"safe_mode":true,"mode":"HOLD"})");
  nlohmann::ordered_json insertion_ordered;
  insertion_ordered["safe_mode"] = true;
  insertion_ordered["mode"] = "HOLD";
  insertion_ordered["fencing_token"] = 7;
  const std::string three = canonical_or_fail(nlohmann::json::parse(insertion_ordered.dump()));
  EXPECT_EQ(one, R"({"fencing_token":7,"mode":"HOLD","safe_mode":true})");
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, three);
  // Canonical text is a fixed point.
  EXPECT_EQ(canonicalize_or_fail(one), one);
  EXPECT_TRUE(is_canonical_json(one));
  EXPECT_FALSE(is_canonical_json(R"({"mode": "HOLD"})"));
  EXPECT_FALSE(is_canonical_json(R"({"b":1,"a":2})"));
}

TEST(CanonicalJsonTest, SortsKeysByUtf8BytesWhichIsCodePointOrder) {
  nlohmann::json value = {{"\xC3\xA9", 1}, {"z", 2}, {"Z", 3}, {"a", 4}, {"\xF0\x9F\x98\x80", 5}, {"\xEF\xBC\xA1", 6}};
  EXPECT_EQ(canonical_or_fail(value),
            "{\"Z\":3,\"a\":4,\"z\":2,\"\xC3\xA9\":1,\"\xEF\xBC\xA1\":6,\"\xF0\x9F\x98\x80\":5}");
}

TEST(CanonicalJsonTest, WritesIntegersAsIntegers) {
  nlohmann::json value = {{"zero", 0},
                          {"negative", -12},
                          {"int64_min", std::numeric_limits<std::int64_t>::min()},
                          {"uint64_max", std::numeric_limits<std::uint64_t>::max()}};
  EXPECT_EQ(canonical_or_fail(value),
            R"({"int64_min":-9223372036854775808,"negative":-12,"uint64_max":18446744073709551615,"zero":0})");
  EXPECT_EQ(canonicalize_or_fail("-0"), "0");
}

TEST(CanonicalJsonTest, RefusesNonIntegerNumbersAndNamesWhere) {
  for (const char* text : {R"({"details":{"price":1.5}})", R"({"details":{"price":1.0}})", R"({"details":{"price":1e3}})"}) {
    Result<std::string> canonical = canonicalize(text);
    ASSERT_FALSE(canonical.ok()) << text;
    EXPECT_EQ(canonical.error().code, Errc::invalid_argument);
    EXPECT_NE(canonical.error().message.find("/details/price"), std::string::npos) << canonical.error().message;
    EXPECT_NE(canonical.error().message.find("decimals as strings"), std::string::npos) << canonical.error().message;
  }
  Result<std::string> in_array = canonical_json(nlohmann::json::array({1, 2.5}));
  ASSERT_FALSE(in_array.ok());
  EXPECT_NE(in_array.error().message.find("/1"), std::string::npos);
}

TEST(CanonicalJsonTest, DecimalsTravelAsTheirExactStrings) {
  const Decimal price = *Decimal::parse("65000.10");
  EXPECT_EQ(canonical_or_fail({{"price", price.to_string()}, {"qty", "0.001"}}), R"({"price":"65000.10","qty":"0.001"})");
}

TEST(CanonicalJsonTest, EscapesOnlyQuotesBackslashesAndControlCharacters) {
  const std::string text = std::string("a\"b\\c\n\t\x01/\x7F\xC3\xA9") + '\0' + "end";
  EXPECT_EQ(canonical_or_fail(text), "\"a\\\"b\\\\c\\n\\t\\u0001/\x7F\xC3\xA9\\u0000end\"");
  // Escaped input that means the same value gives the same bytes.
  EXPECT_EQ(canonicalize_or_fail(R"("\u00e9\/\u0041")"), "\"\xC3\xA9/A\"");
}

TEST(CanonicalJsonTest, RefusesInvalidUtf8) {
  for (const std::string& bad : {std::string("\xFF"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
                                std::string("\xF4\x90\x80\x80"), std::string("\xC3")}) {
    EXPECT_FALSE(is_valid_utf8(bad));
    Result<std::string> value = canonical_json(nlohmann::json{{"k", bad}});
    ASSERT_FALSE(value.ok());
    EXPECT_NE(value.error().message.find("/k"), std::string::npos);
    Result<std::string> key = canonical_json(nlohmann::json{{bad, 1}});
    EXPECT_FALSE(key.ok());
  }
  EXPECT_TRUE(is_valid_utf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST(CanonicalJsonTest, RefusesDuplicateKeysAndBadText) {
  Result<std::string> duplicate = canonicalize(R"({"a":1,"a":2})");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, Errc::parse_error);
  EXPECT_NE(duplicate.error().message.find("duplicate key \"a\""), std::string::npos);
  // Same key in two different objects is fine.
  EXPECT_EQ(canonicalize_or_fail(R"({"a":{"a":1},"b":{"a":2}})"), R"({"a":{"a":1},"b":{"a":2}})");
  EXPECT_FALSE(canonicalize("{\"a\":").ok());
  EXPECT_FALSE(canonicalize("").ok());
}

TEST(CanonicalJsonTest, RefusesExcessiveNesting) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  EXPECT_FALSE(canonicalize(deep).ok());
  std::string fine(20, '[');
  fine += std::string(20, ']');
  EXPECT_EQ(canonicalize_or_fail(fine), fine);
}

TEST(CanonicalJsonTest, PinnedBytesForAnAuditorsTool) {
  // The exact text Python's json.dumps(sort_keys=True, separators=(",", ":"),
  // ensure_ascii=False) gives for this value: an auditor can reproduce it.
  const nlohmann::json value = {{"name", "control_state"},
                                {"value", {{"mode", "HOLD"}, {"hold_reason", "startup"}, {"fencing_token", 3}}},
                                {"version", 1},
                                {"note", "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"}};
  EXPECT_EQ(canonical_or_fail(value),
            "{\"name\":\"control_state\",\"note\":\"\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82\","
            "\"value\":{\"fencing_token\":3,\"hold_reason\":\"startup\",\"mode\":\"HOLD\"},\"version\":1}");
}

}  // namespace
}  // namespace propbot::control
