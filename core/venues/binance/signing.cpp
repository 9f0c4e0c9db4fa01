#include "core/venues/binance/signing.hpp"

#include "core/crypto/constant_time.hpp"
#include "core/crypto/encoding.hpp"

namespace propbot::venues::binance {
namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void append_param(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += '&';
  out += url_encode(key);
  out += '=';
  out += url_encode(value);
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

enum class SignatureAt { absent, last, not_last };
struct TrailingSignature {
  SignatureAt at = SignatureAt::absent;
  std::string_view rest;   // the parameters before it, without the joining '&'
  std::string_view value;  // the signature as sent
};

TrailingSignature find_signature(std::string_view params) {
  constexpr std::string_view kName = "signature=";
  std::size_t start = 0;
  while (start < params.size()) {
    std::size_t end = params.find('&', start);
    if (end == std::string_view::npos) end = params.size();
    const std::string_view param = params.substr(start, end - start);
    if (param.starts_with(kName)) {
      if (end != params.size()) return {SignatureAt::not_last, {}, {}};
      return {SignatureAt::last, params.substr(0, start == 0 ? 0 : start - 1),
              param.substr(kName.size())};
    }
    start = end + 1;
  }
  return {};
}

}  // namespace

std::string sign_payload(const crypto::HmacSha256& hmac, std::string_view total_params) {
  return crypto::hex_lower(hmac.sign(total_params));
}

std::string url_encode(std::string_view text) {
  constexpr std::string_view kHexUpper = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHexUpper[byte >> 4];
      out += kHexUpper[byte & 0x0F];
    }
  }
  return out;
}

std::string encode_params(const std::vector<QueryParam>& params) {
  std::string out;
  for (const auto& param : params) append_param(out, param.key, param.value);
  return out;
}

RequestSigner::RequestSigner(std::string_view secret_key, std::optional<std::int64_t> recv_window_ms)
    : hmac_(secret_key), recv_window_ms_(recv_window_ms) {}

std::string RequestSigner::sign_params(const std::vector<QueryParam>& params,
                                       std::int64_t timestamp_ms, std::string_view url_query) const {
  std::string out = encode_params(params);
  if (recv_window_ms_) append_param(out, "recvWindow", std::to_string(*recv_window_ms_));
  append_param(out, "timestamp", std::to_string(timestamp_ms));

  std::string signature;
  if (url_query.empty()) {
    signature = sign_payload(hmac_, out);
  } else {
    std::string total(url_query);
    total += out;
    signature = sign_payload(hmac_, total);
  }
  out += "&signature=";
  out += signature;
  return out;
}

bool verify_signature(const crypto::HmacSha256& hmac, std::string_view total_params,
                      std::string_view signature) {
  const std::string expected = sign_payload(hmac, total_params);
  if (signature.size() != expected.size()) return false;
  std::string given(signature);
  for (char& c : given) c = ascii_lower(c);
  return crypto::constant_time_equal(expected, given);
}

bool verify_signature(std::string_view secret_key, std::string_view total_params,
                      std::string_view signature) {
  return verify_signature(crypto::HmacSha256(secret_key), total_params, signature);
}

Result<SignedParts> split_signature(std::string_view query, std::string_view body) {
  const TrailingSignature in_query = find_signature(query);
  const TrailingSignature in_body = find_signature(body);
  if (in_query.at == SignatureAt::not_last || in_body.at == SignatureAt::not_last ||
      (in_query.at == SignatureAt::last && in_body.at == SignatureAt::last) ||
      (in_query.at == SignatureAt::last && !body.empty())) {
    return make_error(Errc::invalid_argument, "signature must be the last parameter of query + body");
  }
  if (in_body.at == SignatureAt::last) {
    SignedParts parts{std::string(query), std::string(in_body.value)};
    parts.total_params += in_body.rest;
    return parts;
  }
  if (in_query.at == SignatureAt::last) {
    return SignedParts{std::string(in_query.rest), std::string(in_query.value)};
  }
  return make_error(Errc::invalid_argument, "missing signature parameter");
}

}  // namespace propbot::venues::binance
