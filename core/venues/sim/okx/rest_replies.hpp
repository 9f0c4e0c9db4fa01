// Small REST helpers of the OKX frontend: the answer envelopes every endpoint uses — an
// OKX error with its HTTP status (venues/okx/errors), a top-level request error of a GET
// ({"code":"51000","msg":..,"data":[]} with HTTP 200), one data[] item of a trade
// endpoint (ordId, clOrdId, sCode, sMsg, ts) — the JSON body of a POST, and a field of a
// JSON object as OKX reads it (strings, numbers and booleans as text).
//
// Guarantees: pure functions, no I/O, never throw (beyond std::bad_alloc); codes and
// messages are the venue's own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/net/http_types.hpp"
#include "core/common/clock.hpp"

namespace propbot::venues::sim::okx_frontend {

net::HttpResponse make_response(int status, std::string body);
net::HttpResponse error_response(std::string_view code, std::string_view msg = {});
// GET endpoints answer request errors at the top level: {"code":"51603","msg":..,"data":[]}.
net::HttpResponse top_level_error(std::string_view code, std::string_view msg);
// One data[] item of a trade endpoint's answer.
nlohmann::json order_item(const std::string& ord_id, const std::string& cl_ord_id, std::string_view s_code,
                          std::string_view s_msg, UtcTime now);
// object[key] as text; nullopt when absent, null or not a scalar.
std::optional<std::string> string_field(const nlohmann::json& object, const char* key);
// The request's JSON body; nullopt with `error` set (50000 empty body, 50002 malformed).
std::optional<nlohmann::json> parse_body(const net::HttpRequest& request, net::HttpResponse& error);

}  // namespace propbot::venues::sim::okx_frontend
