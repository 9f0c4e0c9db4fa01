// JSON helpers shared by venue parsers, the API and logging: exception-free, bounded
// parsing and typed field access over nlohmann::json that report a Result naming the
// field, plus a minimal string escaper for code that writes JSON by hand (log lines).
//
// Guarantees: no function throws (beyond std::bad_alloc). Every document parsed here is
// depth-checked before nlohmann builds it: nlohmann parses iteratively, but copying,
// comparing, dumping or walking a value recurses once per level, so a document nested
// 70,000 deep (420 KB) would overflow the stack of whoever touched it next. A document
// deeper than the limit is refused as a parse_error naming the byte where it crossed. Decimal fields accept both
// the string form venues use ("65000.10") and JSON numbers; a number is taken at its
// shortest round-trip text (0.1 → 0.1, never 0.1000000000000000055). Uses Decimal.
//
// Threads: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"

namespace propbot {

// The deepest nesting of arrays and objects accepted in a document PropBot did not
// write itself (venue replies, simulator requests, export files). Venue messages nest
// 4-5 levels; API request bodies are held to kMaxRequestJsonDepth.
inline constexpr std::size_t kMaxJsonDepth = 64;
// API request bodies: deep enough for any payload an operator sends, shallow enough
// that a body wrapped in audit details still fits canonical JSON's 64 levels.
inline constexpr std::size_t kMaxRequestJsonDepth = 32;

// The byte offset of the bracket that first nests `text` deeper than `max_depth`, or
// nullopt when it never does. Linear, allocation-free; brackets inside strings
// (escapes included) do not count. Does not validate the rest of the syntax.
std::optional<std::size_t> json_depth_exceeded_at(std::string_view text, std::size_t max_depth);

// Errors: parse_error with the byte position ("JSON nests deeper than 64 levels at byte
// N" for a document past `max_depth`).
Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// For code that tests is_discarded(): the parsed value, or a discarded value when the
// text is not JSON or nests deeper than `max_depth`.
nlohmann::json parse_json_or_discarded(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// Field accessors on a JSON object. Errors: not_found when the object lacks the key
// (or is not an object), invalid_argument when the type is wrong, plus the parse
// errors of Decimal for decimal fields. Messages name the key.
Result<std::string> json_string(const nlohmann::json& object, std::string_view key);
Result<std::int64_t> json_int(const nlohmann::json& object, std::string_view key);
Result<bool> json_bool(const nlohmann::json& object, std::string_view key);
Result<Decimal> json_decimal(const nlohmann::json& object, std::string_view key);
// A JSON value (string or number) as a Decimal; `what` names it in errors.
Result<Decimal> json_to_decimal(const nlohmann::json& value, std::string_view what);

// Appends `text` as a quoted JSON string. Bytes >= 0x80 pass through unchanged (the
// caller's UTF-8 stays UTF-8); control characters are escaped.
void append_json_string(std::string& out, std::string_view text);

}  // namespace propbot
