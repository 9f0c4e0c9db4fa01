// Proposal reading (scripting/proposal_reader.hpp): one checked read per field of a
// ctx:propose table, the first refusal kept with the field's name and expectation; the
// strings and numbers become the core Intent's enums and Decimals here.
#include "scripting/proposal_reader.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include "core/common/stable_name.hpp"

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {

namespace {

// The reader runs inside the script's protected call (ctx:propose is called from Lua),
// so reading the table through its metamethods is allowed. It never raises itself: the
// first problem is kept in `error` and ctx:propose raises once, after the C++ objects
// it built are gone.
class ProposalReader {
 public:
  enum class Sign { any, non_negative, positive };

  ProposalReader(lua_State* L, int table) : L_(L), table_(table) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  // A string; absent = empty. `required` also refuses the empty string.
  std::string text(const char* field, bool required) {
    std::string out;
    if (failed()) return out;
    lua_getfield(L_, table_, field);
    if (lua_type(L_, -1) == LUA_TSTRING) {
      std::size_t len = 0;
      const char* s = lua_tolstring(L_, -1, &len);
      out.assign(s, len);
      if (required && out.empty()) fail(field, "must be a non-empty string");
    } else if (!lua_isnil(L_, -1)) {
      fail(field, required ? "must be a non-empty string" : "must be a string", got());
    } else if (required) {
      fail(field, "is required (a non-empty string)");
    }
    lua_pop(L_, 1);
    return out;
  }

  // A finite number of the given sign, at most `max`; absent = nullopt.
  std::optional<double> number(const char* field, Sign sign, bool required, double max = HUGE_VAL) {
    std::optional<double> out;
    if (failed()) return out;
    lua_getfield(L_, table_, field);
    // The expectation text is built on a refusal only: this runs for every field of
    // every proposal, and formatting it (an ostringstream) cost more than the read.
    if (lua_type(L_, -1) == LUA_TNUMBER) {
      const double v = lua_tonumber(L_, -1);
      const bool ok = std::isfinite(v) && v <= max &&
                      (sign == Sign::any || (sign == Sign::non_negative ? v >= 0 : v > 0));
      if (ok) {
        out = v;
      } else {
        fail(field, "must be " + expectation(sign, max), got());
      }
    } else if (!lua_isnil(L_, -1)) {
      fail(field, "must be " + expectation(sign, max), got());
    } else if (required) {
      fail(field, "is required (" + expectation(sign, max) + ")");
    }
    lua_pop(L_, 1);
    return out;
  }

  bool boolean(const char* field) {
    bool out = false;
    if (failed()) return out;
    lua_getfield(L_, table_, field);
    if (lua_type(L_, -1) == LUA_TBOOLEAN) {
      out = lua_toboolean(L_, -1) != 0;
    } else if (!lua_isnil(L_, -1)) {
      fail(field, "must be a boolean", got());
    }
    lua_pop(L_, 1);
    return out;
  }

  // A finite number > 0 that is money: held as an exact Decimal (intent_decimal, the
  // shortest decimal of the double); absent = zero. Refused when out of Decimal's range.
  Decimal amount(const char* field, bool required) {
    const std::optional<double> value = number(field, Sign::positive, required);
    if (!value) return Decimal{};
    Result<Decimal> exact = intent_decimal(*value);
    if (!exact.ok()) {
      fail(field, "must be a finite number > 0 from 1e-18 to 1e18", number_text(*value));
      return Decimal{};
    }
    return *exact;
  }

  // One of `all` by its stable name (in `all`'s order in the message); absent =
  // `fallback` (nullopt: required).
  template <typename Enum, std::size_t N>
  std::optional<Enum> choice(const char* field, const std::array<Enum, N>& all, std::optional<Enum> fallback) {
    std::optional<Enum> out;
    if (failed()) return out;
    lua_getfield(L_, table_, field);
    if (lua_isnil(L_, -1) && fallback) {
      out = fallback;
    } else {
      // As a C string, as the check always read it.
      if (lua_type(L_, -1) == LUA_TSTRING) out = find_by_name(std::string_view(lua_tostring(L_, -1)), all);
      if (!out) {
        std::string expected;  // built on a refusal only (hot path)
        for (Enum value : all) expected += (expected.empty() ? "\"" : " or \"") + std::string(to_string(value)) + "\"";
        fail(field, "must be " + expected, lua_isnil(L_, -1) ? std::string() : got());
      }
    }
    lua_pop(L_, 1);
    return out;
  }

  // A field that belongs to the other kind: refused, so a mix-up is caught, not ignored.
  void absent(const char* field, const char* kind, const char* instead) {
    if (failed()) return;
    lua_getfield(L_, table_, field);
    if (!lua_isnil(L_, -1)) fail(field, std::string("is not used by kind \"") + kind + "\" (" + instead + ")");
    lua_pop(L_, 1);
  }

  void fail(const char* field, const std::string& what, const std::string& got = {}) {
    if (failed()) return;
    error_ = std::string("ctx:propose: field '") + field + "' " + what;
    if (!got.empty()) error_ += ", got " + got;
  }

  // `value` (just read from `field`) must be a venue of the profile.
  void known_venue(const char* field, const std::string& value, const std::vector<std::string>& venues) {
    if (failed() || std::find(venues.begin(), venues.end(), value) != venues.end()) return;
    fail(field, "names venue " + quoted(value) + ", which this profile does not have (venues: " + listing(venues) + ")");
  }

  // `value` (just read from `field`) must be a symbol of the profile; none listed = any.
  void known_symbol(const char* field, const std::string& value, const std::vector<std::string>& symbols) {
    if (failed() || symbols.empty() || std::find(symbols.begin(), symbols.end(), value) != symbols.end()) return;
    fail(field, "names " + quoted(value) + ", which is not in the profile's symbols (" + listing(symbols) + ")");
  }

  void fail(const std::string& message) {
    if (!failed()) error_ = "ctx:propose: " + message;
  }

 private:
  static std::string expectation(Sign sign, double max) {
    std::string out = "a finite number";
    if (sign == Sign::non_negative) out += " >= 0";
    if (sign == Sign::positive) out += " > 0";
    if (max != HUGE_VAL) {
      std::ostringstream bound;
      bound << max;
      out += (sign == Sign::any ? " <= " : " and <= ") + bound.str();
    }
    return out;
  }

  // The value on top of the stack, for the message: numbers and strings as themselves.
  std::string got() const {
    switch (lua_type(L_, -1)) {
      case LUA_TNUMBER: return number_text(lua_tonumber(L_, -1));
      case LUA_TSTRING: return quoted(lua_tostring(L_, -1));
      default: return std::string("a ") + lua_typename(L_, lua_type(L_, -1));
    }
  }

  // A script's string in a message: quoted, cut after 40 characters.
  static std::string quoted(std::string text) {
    if (text.size() > 40) text = text.substr(0, 40) + "...";
    return "\"" + text + "\"";
  }

  // The names a field may take, for a refusal: the first kMaxListed, then how many
  // there are (the message must stay one short line whatever the profile lists).
  static std::string listing(const std::vector<std::string>& names) {
    constexpr std::size_t kMaxListed = 8;
    if (names.empty()) return "none";
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < kMaxListed; ++i) out += (i == 0 ? "" : ", ") + names[i];
    if (names.size() > kMaxListed) out += ", ... (" + std::to_string(names.size()) + " in all)";
    return out;
  }

  static std::string number_text(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }

  lua_State* L_;
  int table_;
  std::string error_;
};

// Limits of the optional guards (anything beyond is a mistake, not a wish).
constexpr double kMaxSlippageBps = 10'000;         // 100 %
constexpr double kMaxTimeGuardMs = 86'400'000;     // one day

// Reads a ctx:propose table into `intent` (strategy already set), every venue and the
// symbol checked against `scope`. See core/common/intent.hpp.
void read_intent(ProposalReader& in, const ProposalScope& scope, Intent& intent) {
  using Sign = ProposalReader::Sign;
  const std::optional<IntentKind> kind = in.choice("kind", kAllIntentKinds, std::optional(IntentKind::hedged_pair));
  if (in.failed()) return;
  intent.kind = *kind;
  intent.symbol = in.text("symbol", true);
  in.known_symbol("symbol", intent.symbol, scope.symbols);
  if (intent.kind == IntentKind::single) {
    for (const char* field : {"long_venue", "short_venue", "long_price", "short_price", "spread_bps", "net_spread_bps"}) {
      in.absent(field, "single", "a single order has venue, side and price");
    }
    intent.venue = in.text("venue", true);
    in.known_venue("venue", intent.venue, scope.venues);
    intent.side = in.choice("side", kAllSides, std::optional<Side>());
    intent.notional_usdt = in.amount("notional_usdt", true);
    intent.price = in.amount("price", true);
    intent.post_only = in.boolean("post_only");
  } else {
    for (const char* field : {"venue", "side", "price", "post_only"}) {
      in.absent(field, "hedged_pair", "a pair has long_venue, short_venue, long_price and short_price");
    }
    intent.long_venue = in.text("long_venue", true);
    in.known_venue("long_venue", intent.long_venue, scope.venues);
    intent.short_venue = in.text("short_venue", true);
    in.known_venue("short_venue", intent.short_venue, scope.venues);
    if (!in.failed() && intent.long_venue == intent.short_venue) in.fail("long_venue and short_venue must differ");
    intent.notional_usdt = in.amount("notional_usdt", true);
    intent.spread_bps = in.number("spread_bps", Sign::any, false).value_or(0);
    intent.net_spread_bps = in.number("net_spread_bps", Sign::any, false).value_or(0);
    intent.long_price = in.amount("long_price", false);
    intent.short_price = in.amount("short_price", false);
  }
  intent.max_slippage_bps = in.number("max_slippage_bps", Sign::non_negative, false, kMaxSlippageBps);
  intent.time_guard_ms = in.number("time_guard_ms", Sign::positive, false, kMaxTimeGuardMs);
  intent.reduce_only = in.boolean("reduce_only");
  intent.reason = in.text("reason", false);
}

}  // namespace

std::string read_proposal(lua_State* L, int table, const ProposalScope& scope, Intent& intent) {
  ProposalReader in(L, table);
  read_intent(in, scope, intent);
  return in.error();
}

}  // namespace propbot::scripting
