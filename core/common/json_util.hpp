// JSON helpers shared by venue parsers, the API and logging: exception-free parsing
// and typed field access over nlohmann::json that report a Result naming the field,
// plus a minimal string escaper for code that writes JSON by hand (log lines).
//
// Guarantees: no function throws (beyond std::bad_alloc). Decimal fields accept both
// the string form venues use ("65000.10") and JSON numbers; a number is taken at its
// shortest round-trip text (0.1 → 0.1, never 0.1000000000000000055). Uses Decimal.
//
// Threads: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"

namespace propbot {

// Errors: parse_error with the byte position.
Result<nlohmann::json> parse_json(std::string_view text);

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
