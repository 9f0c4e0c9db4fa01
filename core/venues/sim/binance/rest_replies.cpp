#include "core/venues/sim/binance/rest_replies.hpp"

#include <charconv>
#include <utility>

#include "core/venues/binance/errors.hpp"

namespace propbot::venues::sim::binance_frontend {

using nlohmann::json;
namespace bn = venues::binance;

std::optional<std::int64_t> to_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

net::HttpResponse binance_error(int code, std::string_view msg) {
  auto [status, body] = bn::error_body(code, msg);
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

net::HttpResponse ok_json(const json& value) {
  net::HttpResponse response;
  response.status = 200;
  response.body = value.dump();
  return response;
}

std::string mandatory_message(std::string_view name) {
  return "Mandatory parameter '" + std::string(name) + "' was not sent, was empty/null, or malformed.";
}

}  // namespace propbot::venues::sim::binance_frontend
