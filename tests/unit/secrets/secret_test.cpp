// Secret (core/secrets/secret): what the type refuses to do is checked at compile time
// with the detection idiom — a Secret cannot be streamed, formatted, converted to a
// string or JSON, or copied implicitly — and what it does at run time.
#include "core/secrets/secret.hpp"

#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace propbot::secrets {
namespace {

template <typename T, typename = void>
struct is_streamable : std::false_type {};
template <typename T>
struct is_streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};

// The idiom itself works: a string is streamable.
static_assert(is_streamable<std::string>::value);
static_assert(!is_streamable<Secret>::value, "a Secret must not have an operator<<");
static_assert(!fmt::is_formattable<Secret>::value, "a Secret must not be formattable by fmt/spdlog");
static_assert(!std::is_convertible_v<const Secret&, std::string>);
static_assert(!std::is_convertible_v<const Secret&, std::string_view>);
static_assert(!std::is_constructible_v<std::string, const Secret&>);
static_assert(!std::is_convertible_v<const Secret&, nlohmann::json>, "a Secret must not be serialisable to JSON");
static_assert(!std::is_convertible_v<std::string, Secret>, "making a Secret is explicit");
static_assert(!std::is_copy_constructible_v<Secret> && !std::is_copy_assignable_v<Secret>);
static_assert(std::is_nothrow_move_constructible_v<Secret>);

class SecretTest : public ::testing::Test {};

TEST_F(SecretTest, RevealsTheValueItWasMadeWith) {
  const Secret secret(std::string_view("hunter2-but-longer"));
  EXPECT_TRUE(secret.reveal() == "hunter2-but-longer");
  EXPECT_EQ(secret.size(), 18u);
  EXPECT_FALSE(secret.empty());
  EXPECT_TRUE(Secret().empty());
  EXPECT_TRUE(Secret().reveal().empty());
}

TEST_F(SecretTest, TakeWipesTheSourceBuffer) {
  std::string source = "a-value-long-enough-to-live-on-the-heap";
  const char* buffer = source.data();
  const std::size_t size = source.size();
  const Secret secret = Secret::take(source);
  EXPECT_TRUE(source.empty());
  // The string still owns its buffer (clear() keeps capacity): every byte is zero now.
  ASSERT_EQ(source.data(), buffer);
  for (std::size_t i = 0; i < size; ++i) EXPECT_EQ(buffer[i], '\0') << "byte " << i;
  EXPECT_TRUE(secret.reveal() == "a-value-long-enough-to-live-on-the-heap");
}

TEST_F(SecretTest, MovingLeavesTheSourceEmpty) {
  Secret first(std::string_view("value-one"));
  Secret second(std::move(first));
  EXPECT_TRUE(first.empty());  // NOLINT(bugprone-use-after-move): the guarantee under test
  EXPECT_TRUE(second.reveal() == "value-one");
  Secret third(std::string_view("value-three"));
  third = std::move(second);
  EXPECT_TRUE(second.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(third.reveal() == "value-one");
}

TEST_F(SecretTest, CloneIsAnIndependentEqualCopy) {
  const Secret original(std::string_view("value"));
  Secret copy = original.clone();
  EXPECT_TRUE(copy == original);
  copy = Secret(std::string_view("other"));
  EXPECT_TRUE(original.reveal() == "value");
}

TEST_F(SecretTest, MatchesOnlyTheExactValue) {
  const Secret token(std::string_view("pbt_0123456789abcdef"));
  EXPECT_TRUE(token.matches("pbt_0123456789abcdef"));
  EXPECT_FALSE(token.matches("pbt_0123456789abcdeF"));
  EXPECT_FALSE(token.matches("pbt_0123456789abcde"));
  EXPECT_FALSE(token.matches("pbt_0123456789abcdef0"));
  EXPECT_FALSE(token.matches(""));
  EXPECT_TRUE(Secret().matches(""));
  EXPECT_FALSE(token == Secret(std::string_view("pbt_")));
  EXPECT_TRUE(token.starts_with("pbt_"));
}

}  // namespace
}  // namespace propbot::secrets
