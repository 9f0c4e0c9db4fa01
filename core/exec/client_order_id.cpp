#include "core/exec/client_order_id.hpp"

#include "core/common/stable_name.hpp"

namespace propbot::exec {
namespace {

constexpr std::string_view kPrefix = "pb";
constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr std::size_t kEpochWidth = 6, kIntentWidth = 13, kLegWidth = 1, kAttemptWidth = 2;
static_assert(kPrefix.size() + kEpochWidth + kIntentWidth + kLegWidth + kAttemptWidth == kClientOrderIdLength);

void append_base36(std::string& out, std::uint64_t value, std::size_t width) {
  std::string digits(width, '0');
  for (std::size_t i = width; i-- > 0 && value != 0;) {
    digits[i] = kDigits[value % 36];
    value /= 36;
  }
  out += digits;
}

// Reads `width` base-36 digits; nullopt on a character outside [0-9a-z] or overflow.
std::optional<std::uint64_t> read_base36(std::string_view text) {
  std::uint64_t value = 0;
  for (const char c : text) {
    const auto digit = kDigits.find(c);
    if (digit == std::string_view::npos) return std::nullopt;
    if (value > (UINT64_MAX - digit) / 36) return std::nullopt;
    value = value * 36 + digit;
  }
  return value;
}

Error invalid(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

}  // namespace

std::string_view to_string(Leg leg) {
  switch (leg) {
    case Leg::single: return "single";
    case Leg::a: return "a";
    case Leg::b: return "b";
  }
  return "single";
}

std::optional<Leg> parse_leg(std::string_view text) { return find_by_name(text, kAllLegs); }

Result<std::string> make_client_order_id(const ClientOrderIdParts& parts) {
  if (parts.fencing_epoch > kMaxFencingEpoch) {
    return invalid("fencing_epoch " + std::to_string(parts.fencing_epoch) + " is above " +
                   std::to_string(kMaxFencingEpoch) + " (6 base-36 digits)");
  }
  if (parts.attempt < 0 || parts.attempt > kMaxAttempt) {
    return invalid("attempt " + std::to_string(parts.attempt) + " is outside 0…" + std::to_string(kMaxAttempt));
  }
  std::string id;
  id.reserve(kClientOrderIdLength);
  id += kPrefix;
  append_base36(id, parts.fencing_epoch, kEpochWidth);
  append_base36(id, parts.intent_id, kIntentWidth);
  append_base36(id, static_cast<std::uint64_t>(parts.leg), kLegWidth);
  append_base36(id, static_cast<std::uint64_t>(parts.attempt), kAttemptWidth);
  return id;
}

Result<ClientOrderIdParts> parse_client_order_id(std::string_view id) {
  if (id.size() != kClientOrderIdLength) {
    return invalid("client order id '" + std::string(id) + "' has " + std::to_string(id.size()) +
                   " characters; PropBot's have " + std::to_string(kClientOrderIdLength));
  }
  if (id.substr(0, kPrefix.size()) != kPrefix) {
    return invalid("client order id '" + std::string(id) + "' does not start with 'pb'");
  }
  std::size_t at = kPrefix.size();
  const auto field = [&](std::size_t width) {
    const auto value = read_base36(id.substr(at, width));
    at += width;
    return value;
  };
  const auto epoch = field(kEpochWidth);
  const auto intent = field(kIntentWidth);
  const auto leg = field(kLegWidth);
  const auto attempt = field(kAttemptWidth);
  if (!epoch || !intent || !leg || !attempt) {
    return invalid("client order id '" + std::string(id) + "' is not lowercase base 36 (or its intent id overflows)");
  }
  if (*leg > static_cast<std::uint64_t>(Leg::b)) {
    return invalid("client order id '" + std::string(id) + "' names leg " + std::to_string(*leg) + "; known: 0, 1, 2");
  }
  return ClientOrderIdParts{*epoch, *intent, static_cast<Leg>(*leg), static_cast<int>(*attempt)};
}

}  // namespace propbot::exec
