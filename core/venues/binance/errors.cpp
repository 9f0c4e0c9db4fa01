#include "core/venues/binance/errors.hpp"

#include <array>
#include <charconv>

#include "core/common/json_util.hpp"
#include "core/common/redaction.hpp"

namespace propbot::venues::binance {
namespace {

struct CodeEntry {
  int code;
  VenueErrc category;
  int http_status;           // what the simulator answers with
  std::string_view message;  // as documented
};

// Codes from protocols.md A4–A6; -1001/-1006/-1007/-1016 from the official
// error-code page (same source, not copied into protocols.md).
constexpr std::array kCodes{
    CodeEntry{-1001, VenueErrc::network, 500, "Internal error; unable to process your request. Please try again."},
    CodeEntry{-1003, VenueErrc::rate_limited, 429, "Too many requests."},
    CodeEntry{-1006, VenueErrc::network, 500, "An unexpected response was received from the message bus. Execution status unknown."},
    CodeEntry{-1007, VenueErrc::network, 408, "Timeout waiting for response from backend server. Send status unknown; execution status unknown."},
    CodeEntry{-1008, VenueErrc::rate_limited, 503, "Request throttled by system-level protection. Reduce-only/close-position orders are exempt."},
    CodeEntry{-1015, VenueErrc::rate_limited, 429, "Too many new orders."},
    CodeEntry{-1016, VenueErrc::maintenance, 503, "This service is no longer available."},
    CodeEntry{-1021, VenueErrc::timestamp_out_of_window, 400, "Timestamp for this request is outside of the recvWindow."},
    CodeEntry{-1022, VenueErrc::bad_signature, 400, "Signature for this request is not valid."},
    CodeEntry{-2011, VenueErrc::unknown_order, 400, "Unknown order sent."},
    CodeEntry{-2013, VenueErrc::unknown_order, 400, "Order does not exist."},
    CodeEntry{-2014, VenueErrc::bad_signature, 401, "API-key format invalid."},
    CodeEntry{-2015, VenueErrc::bad_signature, 401, "Invalid API-key, IP, or permissions for action."},
    CodeEntry{-2018, VenueErrc::insufficient_margin, 400, "Balance is insufficient."},
    CodeEntry{-2019, VenueErrc::insufficient_margin, 400, "Margin is insufficient."},
    CodeEntry{-4004, VenueErrc::min_notional, 400, "Quantity less than min quantity."},
    CodeEntry{-4116, VenueErrc::duplicate_client_id, 400, "clientOrderId is duplicated"},
    CodeEntry{-4164, VenueErrc::min_notional, 400, "Order's notional must be no smaller than 5.0 (unless you choose reduce only)"},
    CodeEntry{-5022, VenueErrc::post_only_would_take, 400, "Due to the order could not be executed as maker, the Post Only order will be rejected."},
    CodeEntry{-5028, VenueErrc::timestamp_out_of_window, 400, "Timestamp for this request is outside of the ME recvWindow."},
};

const CodeEntry* find_code(int code) {
  for (const auto& entry : kCodes) {
    if (entry.code == code) return &entry;
  }
  return nullptr;
}

constexpr std::size_t kMaxMessageBytes = 512;

std::string clean_message(std::string_view text) {
  return redact(text.substr(0, kMaxMessageBytes));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  long long seconds = 0;
  const auto [end, errc] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (header.empty() || errc != std::errc{} || end != header.data() + header.size() || seconds < 0 ||
      seconds > 7 * 24 * 3600) {
    return std::nullopt;
  }
  return std::chrono::milliseconds{seconds * 1000};
}

}  // namespace

std::optional<VenueErrc> classify_code(int code) {
  const CodeEntry* entry = find_code(code);
  if (entry == nullptr) return std::nullopt;
  return entry->category;
}

VenueError map_error(int http_status, std::string_view body, std::string_view retry_after_header) {
  VenueError error;
  error.http_status = http_status;
  error.venue_code = "HTTP " + std::to_string(http_status);
  error.venue_message = clean_message(body);

  std::optional<int> body_code;
  if (auto json = parse_json(body); json.ok() && json->is_object()) {
    if (auto code = json_int(*json, "code"); code.ok()) {
      body_code = static_cast<int>(*code);
      error.venue_code = std::to_string(*code);
      auto msg = json_string(*json, "msg");
      error.venue_message = msg.ok() ? clean_message(*msg) : std::string{};
    }
  }

  if (http_status == 418 || http_status == 429) {
    error.code = http_status == 418 ? VenueErrc::banned : VenueErrc::rate_limited;
    error.retry_after = parse_retry_after(retry_after_header);
    return error;
  }
  if (body_code) {
    if (auto category = classify_code(*body_code)) {
      error.code = *category;
      if (error.code == VenueErrc::rate_limited) error.retry_after = parse_retry_after(retry_after_header);
      return error;
    }
  }
  if (http_status >= 500 || http_status == 408) {
    error.code = VenueErrc::network;
  } else if (http_status == 403) {
    error.code = VenueErrc::banned;
  } else {
    error.code = VenueErrc::rejected;
  }
  return error;
}

std::optional<std::int64_t> ban_end_ms(std::string_view body) {
  constexpr std::string_view kMarker = "banned until ";
  const auto at = body.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view digits = body.substr(at + kMarker.size());
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end == digits.data()) return std::nullopt;
  return value;
}

std::pair<int, std::string> error_body(int code, std::string_view msg) {
  const CodeEntry* entry = find_code(code);
  const int status = entry != nullptr ? entry->http_status : 400;
  if (msg.empty() && entry != nullptr) msg = entry->message;
  std::string body = "{\"code\":" + std::to_string(code) + ",\"msg\":";
  append_json_string(body, msg);
  body += '}';
  return {status, std::move(body)};
}

std::optional<int> code_for(VenueErrc code) {
  switch (code) {
    case VenueErrc::rejected: return -2010;
    case VenueErrc::insufficient_margin: return -2019;
    case VenueErrc::min_notional: return -4164;
    case VenueErrc::post_only_would_take: return -5022;
    case VenueErrc::duplicate_client_id: return -4116;
    case VenueErrc::rate_limited: return -1003;
    case VenueErrc::timestamp_out_of_window: return -1021;
    case VenueErrc::bad_signature: return -1022;
    case VenueErrc::unknown_order: return -2013;
    case VenueErrc::maintenance: return -1016;
    case VenueErrc::network: return -1007;
    case VenueErrc::banned: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace propbot::venues::binance
