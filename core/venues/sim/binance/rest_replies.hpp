// Small REST helpers of the Binance frontend: the query/body parameter map, strict
// integer parsing, '/'-separated lists, and the answer bodies every endpoint uses —
// a Binance error ({"code":-1102,"msg":...} with its HTTP status from
// venues/binance/errors) and a 200 JSON answer.
//
// Guarantees: pure functions, no I/O, never throw (beyond std::bad_alloc); messages
// are the venue's own wording.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/net/http_types.hpp"

namespace propbot::venues::sim::binance_frontend {

using Params = std::map<std::string, std::string>;

// The whole text as a base-10 integer; nullopt when empty, malformed or out of range.
std::optional<std::int64_t> to_int(std::string_view text);
// "a/b//c" → {"a", "b", "c"} (empty items skipped).
std::vector<std::string> split(std::string_view text, char separator);

net::HttpResponse binance_error(int code, std::string_view msg = {});
net::HttpResponse ok_json(const nlohmann::json& value);
// -1102's message for a missing or malformed parameter.
std::string mandatory_message(std::string_view name);

}  // namespace propbot::venues::sim::binance_frontend
