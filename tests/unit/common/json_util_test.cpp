#include "core/common/json_util.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace propbot {
namespace {

using ::testing::HasSubstr;

TEST(JsonUtilTest, ParsesValidJsonWithoutThrowing) {
  const auto parsed = parse_json(R"({"p":"65000.10","q":0.5,"n":3,"ok":true})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["n"], 3);
}

TEST(JsonUtilTest, ReportsWhereInvalidJsonBreaks) {
  const auto parsed = parse_json(R"({"p": 1,, })");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, Errc::parse_error);
  EXPECT_THAT(parsed.error().message, HasSubstr("byte 9"));
}

TEST(JsonUtilTest, ReadsDecimalsFromStringsAndNumbersExactly) {
  const auto object = *parse_json(R"({"s":"65000.10","f":0.1,"i":42,"e":1.5e-7,"big":18446744073709551615})");
  EXPECT_EQ(json_decimal(object, "s")->to_string(), "65000.10");
  EXPECT_EQ(json_decimal(object, "f")->to_string(), "0.1");
  EXPECT_EQ(json_decimal(object, "i")->to_string(), "42");
  EXPECT_EQ(json_decimal(object, "e")->to_string(), "0.00000015");
  EXPECT_EQ(json_decimal(object, "big").error().code, Errc::overflow);
}

TEST(JsonUtilTest, FieldErrorsNameTheKey) {
  const auto object = *parse_json(R"({"price":"abc","qty":[1],"n":"7"})");
  const auto price = json_decimal(object, "price");
  ASSERT_FALSE(price.ok());
  EXPECT_EQ(price.error().code, Errc::parse_error);
  EXPECT_THAT(price.error().message, HasSubstr("price"));
  EXPECT_THAT(price.error().message, HasSubstr("abc"));
  EXPECT_EQ(json_decimal(object, "qty").error().code, Errc::invalid_argument);
  EXPECT_EQ(json_decimal(object, "missing").error().code, Errc::not_found);
  EXPECT_THAT(json_int(object, "n").error().message, HasSubstr("\"n\""));
  EXPECT_EQ(json_string(nlohmann::json::array(), "x").error().code, Errc::not_found);
}

TEST(JsonUtilTest, ReadsTypedFields) {
  const auto object = *parse_json(R"({"s":"x","i":-5,"b":true,"u":9223372036854775808})");
  EXPECT_EQ(*json_string(object, "s"), "x");
  EXPECT_EQ(*json_int(object, "i"), -5);
  EXPECT_EQ(*json_bool(object, "b"), true);
  EXPECT_EQ(json_int(object, "u").error().code, Errc::overflow);
  EXPECT_EQ(json_bool(object, "s").error().code, Errc::invalid_argument);
}

TEST(JsonUtilTest, EscapesStringsForHandWrittenJson) {
  std::string out;
  append_json_string(out, "a\"b\\c\n\x01\xc3\xa9");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), "a\"b\\c\n\x01\xc3\xa9");
}

std::string nested_objects(std::size_t depth) {
  std::string text;
  for (std::size_t i = 0; i < depth; ++i) text += "{\"a\":";
  text += "1";
  text.append(depth, '}');
  return text;
}

TEST(JsonUtilTest, RefusesDocumentsNestedPastTheLimitBeforeBuildingThem) {
  // Issue 10 finding 1: an object 70,000 deep (420 KB) overflowed the stack of the code
  // that copied it. The parser refuses it; the byte is where the 65th level opens.
  const auto deep = parse_json(nested_objects(70'000));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, Errc::parse_error);
  EXPECT_THAT(deep.error().message, HasSubstr("deeper than 64 levels at byte 320"));
  EXPECT_TRUE(parse_json(nested_objects(64)).ok());
  EXPECT_FALSE(parse_json(nested_objects(65)).ok());
  EXPECT_FALSE(parse_json(nested_objects(9), 8).ok());
  EXPECT_TRUE(parse_json_or_discarded(nested_objects(70'000)).is_discarded());
  EXPECT_FALSE(parse_json_or_discarded(nested_objects(10)).is_discarded());
}

TEST(JsonUtilTest, DepthScanIgnoresBracketsInsideStrings) {
  const std::string brackets_in_text = R"({"a":"[[[[{{{{\"[[[[","b":[1,[2]]})";
  EXPECT_FALSE(json_depth_exceeded_at(brackets_in_text, 3).has_value());
  EXPECT_TRUE(json_depth_exceeded_at(brackets_in_text, 2).has_value());
  EXPECT_EQ(json_depth_exceeded_at("[[[1]]]", 2), std::optional<std::size_t>(2));
  EXPECT_EQ(json_depth_exceeded_at("[\"\\\\\",[[1]]]", 2), std::optional<std::size_t>(7));
}

}  // namespace
}  // namespace propbot
