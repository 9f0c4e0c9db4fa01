// Canonical JSON: the one byte form of a JSON value that PropBot signs (signed state,
// S-5.1) and hashes (audit chain, S-5.2), so that an auditor's own tool can recompute
// every signature and hash from the stored text (DESIGN-NOTES "Persistence").
//
// The rules (close to RFC 8785 / JCS, but with no floating point at all):
//   - No whitespace anywhere. `null`, `true`, `false` as literals.
//   - Objects: members sorted by key, comparing the keys' UTF-8 bytes as unsigned
//     (this is Unicode code-point order; JCS sorts by UTF-16 units instead, which only
//     differs for keys mixing characters above U+FFFF with U+E000..U+FFFF).
//   - Strings and keys must be valid UTF-8 (no overlong forms, no surrogates, nothing
//     above U+10FFFF). They are written as-is except `"` -> \", `\` -> \\, and control
//     characters below 0x20: \b \f \n \r \t, the rest as \u00XX (lowercase hex).
//     Non-ASCII characters and `/` are never escaped.
//   - Numbers: integers only (int64 or uint64), in plain decimal ("-12", "0").
//     A non-integer JSON number (anything nlohmann stores as a double, including 1.0
//     and 1e3) is refused: the rule is "decimals as strings" — write a price or a
//     quantity with Decimal::to_string ("65000.10"), so no float formatting ever
//     enters a signature or a hash.
//   - Binary values are refused. Nesting deeper than kMaxCanonicalDepth is refused.
//
// Guarantees: pure functions; no exceptions (beyond std::bad_alloc); the same value
// always yields the same bytes (key insertion order and the JSON container type do not
// matter); canonical_json(parse(canonical_json(v))) == canonical_json(v). Errors are
// invalid_argument naming the JSON pointer of the offending value ("/details/price"),
// or parse_error for text that is not JSON.
//
// Threads: safe from any thread. Uses nlohmann::json and core/common/json_util.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"

namespace propbot::control {

inline constexpr std::size_t kMaxCanonicalDepth = 64;

// The canonical text of `value`.
Result<std::string> canonical_json(const nlohmann::json& value);

// Parses `text` (any JSON formatting) and returns its canonical text. Duplicate keys
// are refused (nlohmann would keep only the last one, so two readers could disagree).
Result<std::string> canonicalize(std::string_view text);

// Parses canonical (or any) JSON text without exceptions, refusing duplicate keys.
Result<nlohmann::json> parse_strict_json(std::string_view text);

// True when `text` is exactly the canonical form of the value it encodes.
bool is_canonical_json(std::string_view text);

// True when `text` is valid UTF-8 under the rules above.
bool is_valid_utf8(std::string_view text);

}  // namespace propbot::control
