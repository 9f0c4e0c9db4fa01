#include "core/venues/okx/signing.hpp"

#include <chrono>

#include "core/common/json_util.hpp"
#include "core/crypto/constant_time.hpp"
#include "core/crypto/encoding.hpp"

namespace propbot::venues::okx {
namespace {

std::string prehash(std::string_view timestamp, std::string_view method, std::string_view path,
                    std::string_view body) {
  std::string text;
  text.reserve(timestamp.size() + method.size() + path.size() + body.size());
  text += timestamp;
  text += method;
  text += path;
  text += body;
  return text;
}

}  // namespace

std::string sign(const crypto::HmacSha256& hmac, std::string_view timestamp_iso, std::string_view method,
                 std::string_view request_path_with_query, std::string_view body) {
  return crypto::base64_encode(hmac.sign(prehash(timestamp_iso, method, request_path_with_query, body)));
}

std::string format_timestamp(UtcTime t) { return format_iso8601_ms(t); }

std::string format_login_timestamp(UtcTime t) {
  return std::to_string(
      std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count());
}

RequestSigner::RequestSigner(const Credentials& credentials)
    : api_key_(credentials.api_key),
      passphrase_(credentials.passphrase),
      demo_(credentials.demo),
      hmac_(credentials.secret_key) {}

std::vector<Header> RequestSigner::headers(UtcTime now, std::string_view method,
                                           std::string_view request_path_with_query,
                                           std::string_view body) const {
  return headers(format_timestamp(now), method, request_path_with_query, body);
}

std::vector<Header> RequestSigner::headers(std::string_view timestamp_iso, std::string_view method,
                                           std::string_view request_path_with_query,
                                           std::string_view body) const {
  std::vector<Header> out;
  out.reserve(6);
  out.push_back({"OK-ACCESS-KEY", api_key_});
  out.push_back({"OK-ACCESS-SIGN", sign(hmac_, timestamp_iso, method, request_path_with_query, body)});
  out.push_back({"OK-ACCESS-TIMESTAMP", std::string(timestamp_iso)});
  out.push_back({"OK-ACCESS-PASSPHRASE", passphrase_});
  out.push_back({"Content-Type", "application/json"});
  if (demo_) out.push_back({"x-simulated-trading", "1"});
  return out;
}

LoginArgs RequestSigner::login_args(UtcTime now) const { return login_args(format_login_timestamp(now)); }

LoginArgs RequestSigner::login_args(std::string_view timestamp_seconds) const {
  return LoginArgs{api_key_, passphrase_, std::string(timestamp_seconds),
                   sign(hmac_, timestamp_seconds, kLoginMethod, kLoginPath, {})};
}

std::string RequestSigner::login_message(UtcTime now) const {
  const LoginArgs args = login_args(now);
  std::string out = R"({"op":"login","args":[{"apiKey":)";
  append_json_string(out, args.api_key);
  out += R"(,"passphrase":)";
  append_json_string(out, args.passphrase);
  out += R"(,"timestamp":)";
  append_json_string(out, args.timestamp);
  out += R"(,"sign":)";
  append_json_string(out, args.sign);
  out += "}]}";
  return out;
}

bool verify_signature(const crypto::HmacSha256& hmac, std::string_view timestamp, std::string_view method,
                      std::string_view request_path_with_query, std::string_view body,
                      std::string_view signature) {
  return crypto::constant_time_equal(sign(hmac, timestamp, method, request_path_with_query, body), signature);
}

bool verify_signature(std::string_view secret_key, std::string_view timestamp, std::string_view method,
                      std::string_view request_path_with_query, std::string_view body,
                      std::string_view signature) {
  return verify_signature(crypto::HmacSha256(secret_key), timestamp, method, request_path_with_query, body,
                          signature);
}

}  // namespace propbot::venues::okx
