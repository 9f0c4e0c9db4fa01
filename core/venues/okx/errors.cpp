#include "core/venues/okx/errors.hpp"

#include <array>
#include <charconv>
#include <chrono>

#include "core/common/json_util.hpp"
#include "core/common/redaction.hpp"

namespace propbot::venues::okx {
namespace {

struct CodeEntry {
  std::string_view code;
  VenueErrc category;
  int http_status;           // what the simulator answers with
  std::string_view message;  // as documented
};

// Codes from protocols.md B3 (auth, HTTP 401), B4 (REST) and B5 (WS, no HTTP status:
// http_status 0). Messages are the documented wording, used as simulator defaults.
constexpr std::array kCodes{
    CodeEntry{"50001", VenueErrc::maintenance, 503, "Service temporarily unavailable"},
    CodeEntry{"50004", VenueErrc::network, 400, "Endpoint request timeout"},
    CodeEntry{"50011", VenueErrc::rate_limited, 429, "Rate limit reached"},
    CodeEntry{"50013", VenueErrc::rate_limited, 429, "Systems are busy"},
    CodeEntry{"50026", VenueErrc::network, 500, "System error"},
    CodeEntry{"50061", VenueErrc::rate_limited, 429, "Sub-account order rate limit reached"},
    CodeEntry{"50101", VenueErrc::bad_signature, 401, "APIKey does not match current environment"},
    CodeEntry{"50102", VenueErrc::timestamp_out_of_window, 401, "Timestamp request expired"},
    CodeEntry{"50103", VenueErrc::bad_signature, 401, "OK-ACCESS-KEY header missing"},
    CodeEntry{"50104", VenueErrc::bad_signature, 401, "OK-ACCESS-PASSPHRASE header missing"},
    CodeEntry{"50105", VenueErrc::bad_signature, 401, "Wrong OK-ACCESS-PASSPHRASE"},
    CodeEntry{"50106", VenueErrc::bad_signature, 401, "OK-ACCESS-SIGN header missing"},
    CodeEntry{"50107", VenueErrc::bad_signature, 401, "OK-ACCESS-TIMESTAMP header missing"},
    CodeEntry{"50111", VenueErrc::bad_signature, 401, "Invalid OK-ACCESS-KEY"},
    CodeEntry{"50112", VenueErrc::timestamp_out_of_window, 401, "Invalid OK-ACCESS-TIMESTAMP"},
    CodeEntry{"50113", VenueErrc::bad_signature, 401, "Invalid signature"},
    CodeEntry{"50114", VenueErrc::bad_signature, 401, "Invalid authorization"},
    CodeEntry{"51008", VenueErrc::insufficient_margin, 200, "Order failed. Insufficient USDT balance/margin in account"},
    CodeEntry{"51016", VenueErrc::duplicate_client_id, 200, "Client order ID already exists."},
    CodeEntry{"51020", VenueErrc::min_notional, 200, "Below the minimum order amount"},
    CodeEntry{"51119", VenueErrc::insufficient_margin, 200, "Order placement failed due to insufficient balance"},
    CodeEntry{"51400", VenueErrc::unknown_order, 200, "Cancellation failed: order filled, canceled or does not exist"},
    CodeEntry{"51503", VenueErrc::unknown_order, 200, "Your order has already been filled or canceled"},
    CodeEntry{"51603", VenueErrc::unknown_order, 200, "Order does not exist"},
    CodeEntry{"60004", VenueErrc::timestamp_out_of_window, 0, "Invalid timestamp"},
    CodeEntry{"60005", VenueErrc::bad_signature, 0, "Invalid apiKey"},
    CodeEntry{"60006", VenueErrc::timestamp_out_of_window, 0, "Timestamp request expired"},
    CodeEntry{"60007", VenueErrc::bad_signature, 0, "Invalid sign"},
    CodeEntry{"60009", VenueErrc::bad_signature, 0, "Login failure"},
    CodeEntry{"60014", VenueErrc::rate_limited, 0, "Requests too frequent"},
    CodeEntry{"60024", VenueErrc::bad_signature, 0, "Wrong passphrase"},
};

const CodeEntry* find_code(std::string_view code) {
  for (const auto& entry : kCodes) {
    if (entry.code == code) return &entry;
  }
  return nullptr;
}

constexpr std::size_t kMaxMessageBytes = 512;

std::string clean_message(std::string_view text) { return redact(text.substr(0, kMaxMessageBytes)); }

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header) {
  long long seconds = 0;
  const auto [end, errc] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (header.empty() || errc != std::errc{} || end != header.data() + header.size() || seconds < 0 ||
      seconds > 7 * 24 * 3600) {
    return std::nullopt;
  }
  return std::chrono::milliseconds{seconds * 1000};
}

// OKX sends codes as strings; tolerate a JSON number too.
std::optional<std::string> code_text(const nlohmann::json& object, std::string_view key) {
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return std::nullopt;
}

std::string message_text(const nlohmann::json& object, std::string_view key) {
  const auto it = object.find(key);
  return (it != object.end() && it->is_string()) ? it->get<std::string>() : std::string{};
}

bool is_order_level(std::string_view code) { return code.starts_with("51"); }
bool is_websocket(std::string_view code) { return code.starts_with("6"); }

}  // namespace

std::optional<VenueErrc> classify_code(std::string_view code) {
  const CodeEntry* entry = find_code(code);
  if (entry == nullptr) return std::nullopt;
  return entry->category;
}

VenueError map_error(int http_status, std::string_view body, std::string_view retry_after_header) {
  VenueError error;
  error.http_status = http_status;
  error.venue_code = "HTTP " + std::to_string(http_status);
  error.venue_message = clean_message(body);
  error.retry_after = parse_retry_after(retry_after_header);

  std::optional<std::string> code;
  if (auto json = parse_json(body); json.ok() && json->is_object()) {
    code = code_text(*json, "code");
    if (code) error.venue_message = clean_message(message_text(*json, "msg"));
    const auto data = json->find("data");
    if (code && (*code == "1" || *code == "2") && data != json->end() && data->is_array()) {
      for (const auto& item : *data) {
        if (!item.is_object()) continue;
        auto item_code = code_text(item, "sCode");
        if (item_code && *item_code != "0") {
          code = std::move(item_code);
          error.venue_message = clean_message(message_text(item, "sMsg"));
          break;
        }
      }
    }
  }
  if (code) error.venue_code = *code;

  if (code) {
    if (auto category = classify_code(*code)) {
      error.code = *category;
      return error;
    }
  }
  if (http_status == 429) {
    error.code = VenueErrc::rate_limited;
  } else if (http_status >= 500) {
    error.code = VenueErrc::network;
  } else {
    error.code = VenueErrc::rejected;
  }
  return error;
}

std::pair<int, std::string> error_body(std::string_view code, std::string_view msg) {
  const CodeEntry* entry = find_code(code);
  if (msg.empty() && entry != nullptr) msg = entry->message;
  std::string body;
  if (is_order_level(code)) {
    body = R"({"code":"1","msg":"All operations failed","data":[{"clOrdId":"","ordId":"","sCode":)";
    append_json_string(body, code);
    body += R"(,"sMsg":)";
    append_json_string(body, msg);
    body += R"(,"tag":""}]})";
    return {200, std::move(body)};
  }
  if (is_websocket(code)) {
    body = R"({"event":"error","code":)";
    append_json_string(body, code);
    body += R"(,"msg":)";
    append_json_string(body, msg);
    body += '}';
    return {0, std::move(body)};
  }
  body = R"({"code":)";
  append_json_string(body, code);
  body += R"(,"msg":)";
  append_json_string(body, msg);
  body += R"(,"data":[]})";
  return {entry != nullptr ? entry->http_status : 400, std::move(body)};
}

std::optional<std::string_view> code_for(VenueErrc code) {
  switch (code) {
    case VenueErrc::rejected: return "51000";
    case VenueErrc::insufficient_margin: return "51008";
    case VenueErrc::min_notional: return "51020";
    case VenueErrc::duplicate_client_id: return "51016";
    case VenueErrc::rate_limited: return "50011";
    case VenueErrc::timestamp_out_of_window: return "50102";
    case VenueErrc::bad_signature: return "50113";
    case VenueErrc::unknown_order: return "51603";
    case VenueErrc::maintenance: return "50001";
    case VenueErrc::network: return "50026";
    case VenueErrc::post_only_would_take: return std::nullopt;
    case VenueErrc::banned: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace propbot::venues::okx
