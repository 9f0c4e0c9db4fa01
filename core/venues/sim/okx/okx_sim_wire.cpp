#include "core/venues/sim/okx/okx_sim_wire.hpp"

#include <cctype>
#include <charconv>
#include <chrono>

namespace propbot::venues::sim::okx_wire {
namespace {

bool read_int(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, out);
  return ec == std::errc{} && ptr == text.data() + pos + len;
}

std::string status_code_of(const nlohmann::json& data) {
  if (!data.is_array() || data.empty()) return "0";
  std::size_t failed = 0;
  for (const auto& item : data) {
    if (item.is_object() && item.value("sCode", std::string("0")) != "0") ++failed;
  }
  if (failed == 0) return "0";
  return failed == data.size() ? "1" : "2";
}

std::string micros_text(UtcTime t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

}  // namespace

std::optional<UtcTime> parse_iso_timestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.mmm]Z
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text.back() != 'Z') {
    return std::nullopt;
  }
  if (!read_int(text, 0, 4, year) || !read_int(text, 5, 2, month) || !read_int(text, 8, 2, day) ||
      !read_int(text, 11, 2, hour) || !read_int(text, 14, 2, minute) || !read_int(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (text.size() != 20) {
    if (text[19] != '.' || text.size() != 24 || !read_int(text, 20, 3, millis)) return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const auto days = std::chrono::sys_days{date};
  return UtcTime{days.time_since_epoch() + std::chrono::hours{hour} + std::chrono::minutes{minute} +
                 std::chrono::seconds{second} + std::chrono::milliseconds{millis}};
}

std::optional<UtcTime> parse_unix_seconds(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  long long seconds = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc{} || ptr != text.data() + text.size() || seconds < 0) return std::nullopt;
  return UtcTime{std::chrono::seconds{seconds}};
}

std::string text(Decimal value) { return value.normalized().to_string(); }

std::string ms_text(UtcTime t) { return std::to_string(to_unix_ms(t)); }

std::optional<Decimal> contracts_to_base(Decimal contracts, Decimal ct_val) {
  auto product = contracts.mul(ct_val);
  if (!product) return std::nullopt;
  return product->normalized();
}

Decimal base_to_contracts(Decimal base, Decimal ct_val) {
  auto quotient = base.div(ct_val, Decimal::max_scale - 2, RoundMode::nearest);
  return quotient ? quotient->normalized() : Decimal{};
}

std::string ok_body(const nlohmann::json& data) {
  nlohmann::json body = {{"code", "0"}, {"msg", ""}, {"data", data}};
  return body.dump();
}

std::string trade_body(const nlohmann::json& data, UtcTime in_time, UtcTime out_time) {
  const std::string code = status_code_of(data);
  std::string msg;
  if (code == "1") msg = "All operations failed";
  if (code == "2") msg = "Bulk operation partially succeeded.";
  nlohmann::json body = {{"code", code},
                         {"msg", msg},
                         {"data", data},
                         {"inTime", micros_text(in_time)},
                         {"outTime", micros_text(out_time)}};
  return body.dump();
}

std::string_view cancel_source(CancelReason reason) {
  switch (reason) {
    case CancelReason::user:
      return "1";
    case CancelReason::cancel_all:
      return "20";
    case CancelReason::liquidity_replaced:
      return "1";
    case CancelReason::liquidation:
      return "6";
  }
  return "1";
}

std::string_view cancel_source(ExpireReason reason) {
  switch (reason) {
    case ExpireReason::self_trade_prevention:
      return "32";
    case ExpireReason::ioc_remainder:
      return "14";
    case ExpireReason::fok_not_fillable:
      return "13";
    case ExpireReason::market_remainder:
      return "14";
    case ExpireReason::reduce_only:
      return "14";
  }
  return "14";
}

}  // namespace propbot::venues::sim::okx_wire
