// Intent: what a strategy proposes (S-7.2), in the core's own types. Scripts propose,
// the core disposes: an Intent is only a wish — risk, the control plane and the
// executor decide whether any order follows. Today the engine turns intents into
// opportunities (core/engine/opportunity_board.hpp) and hands them to its IntentSink.
//
// Two kinds (IntentKind), validated by ctx:propose (scripting/proposal_reader.hpp, the
// Lua host's boundary) before an Intent exists, so a consumer may rely on what is
// documented per field:
// - hedged_pair: buy `symbol` on `long_venue`, sell it on `short_venue` (different
//   venues), `notional_usdt` per leg. `venue`, `side`, `price` and `post_only` are unset.
// - single: one limit order on `venue`: `side`, `notional_usdt` at limit `price`,
//   maker-only when `post_only`. `long_venue`, `short_venue`, `long_price`,
//   `short_price`, `spread_bps` and `net_spread_bps` are unset.
// Both kinds may carry `max_slippage_bps` and `time_guard_ms`; absent means the core's
// policy (policies/policy_matrix.lua) decides.
//
// `reduce_only` (both kinds) asks to CLOSE, never to open or flip:
// - hedged_pair: close (part of) an open pair — buy `symbol` on `long_venue` and sell it
//   on `short_venue`, each leg reduce-only, so the strategy is expected to be short on
//   `long_venue` and long on `short_venue`. `notional_usdt` per leg is an upper bound:
//   the executor sizes both legs to the same base quantity, min(notional / price,
//   |position on long_venue|, |position on short_venue|) rounded down to the step, and
//   refuses the intent when the strategy has no opposite position on both venues.
// - single: a reduce-only order on `venue` (it may shrink the position there, never
//   flip it).
// The spreads of a close are those of the closing trade itself, measured as for an
// entry (so usually small or negative): an exit is not judged by an entry's edge.
//
// Money is exact: `notional_usdt` and the prices are Decimals made by
// intent_decimal() from the number the script computed — the shortest decimal that
// reads back as that double (65000.1 stays 65000.1, never 65000.100000000006), so an
// amount keeps every digit the double carries. Spreads, slippage and the time guard
// stay doubles: they are measurements and bounds, not money.
//
// The string forms of IntentKind ("hedged_pair" | "single") are stable: ctx:propose
// takes them as `kind`, the API answers them as an opportunity's "kind".
//
// Threads: a value type, safe to copy between threads; the functions are pure.
// intent_decimal and the enum functions never allocate except an error's message.
// Uses: Decimal, Side, Result (core/common).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/common/side.hpp"
#include "core/common/stable_name.hpp"

namespace propbot {

enum class IntentKind { hedged_pair, single };

inline constexpr std::array<IntentKind, 2> kAllIntentKinds = {IntentKind::hedged_pair, IntentKind::single};

constexpr std::string_view to_string(IntentKind kind) {
  return kind == IntentKind::single ? "single" : "hedged_pair";
}

// The exact string forms above (case-sensitive). Errors: invalid_argument naming the
// text and the allowed values.
inline Result<IntentKind> parse_intent_kind(std::string_view text) {
  if (auto kind = find_by_name(text, kAllIntentKinds)) return *kind;
  return make_error(Errc::invalid_argument,
                    "intent kind '" + std::string(text) + "' is unknown; use hedged_pair or single");
}

struct Intent {
  std::string strategy;
  IntentKind kind = IntentKind::hedged_pair;
  std::string symbol;
  // hedged_pair
  std::string long_venue;   // buy leg
  std::string short_venue;  // sell leg
  Decimal notional_usdt;      // both kinds: > 0, per leg for a pair
  double spread_bps = 0;      // gross: (short bid − long ask) / long ask; may be negative
  double net_spread_bps = 0;  // after fees and expected slippage; may be negative
  Decimal long_price;         // expected fill prices; zero when not given
  Decimal short_price;
  // single
  std::string venue;
  std::optional<Side> side;  // set for a single order only
  Decimal price;             // the limit price, > 0
  bool post_only = false;    // maker only: the venue rejects it rather than let it take
  // both kinds
  std::optional<double> max_slippage_bps;  // >= 0: worst accepted fill vs the intent's prices
  std::optional<double> time_guard_ms;     // > 0: the intent is void this long after it was proposed
  bool reduce_only = false;                // a close: never opens or flips a position (see above)
  // The venues are the operator's (a manual trade): the router checks them but never
  // moves a leg elsewhere. A strategy's intent leaves the choice to the router.
  bool venues_pinned = false;
  std::string reason;
};

// The range an intent's money may take from a double: zero, or a magnitude in
// [1e-18, 1e18]. Below, the amount would round to nothing at Decimal's finest scale
// (18 places); above, it would not fit its int64 mantissa at the scale it needs. Both
// are far outside any price or notional a venue takes.
inline constexpr double kIntentDecimalMin = 1e-18;
inline constexpr double kIntentDecimalMax = 1e18;

// A script's number as an exact amount: the shortest decimal that reads back as
// `value` (std::to_chars), at the scale its digits need — rounded to nearest (ties away
// from zero) only when that would be more than 18 fractional places, i.e. only digits
// below 1e-18. So to_double() gives `value` back whenever no such rounding happened.
// Errors: invalid_argument for NaN or infinity; out_of_range for a non-zero magnitude
// outside [kIntentDecimalMin, kIntentDecimalMax]. Allocation-free unless it fails.
Result<Decimal> intent_decimal(double value);

}  // namespace propbot
