// OKX v5 request signing (protocols.md B3, B5): OK-ACCESS-SIGN = Base64(HMAC-SHA256(
// secret, timestamp + METHOD + requestPath(+query) + body)), the REST header set, the
// WebSocket login arguments, and the server-side check for the venue simulator.
// Uses core/crypto and core/common/clock (UTC formatting).
//
// Guarantees:
//  - The prehash is the plain concatenation of the four parts, byte for byte; this
//    unit changes none of them (METHOD must already be upper case, the path must carry
//    its query string, the body must be the exact JSON sent). The doc vectors in B3
//    reproduce byte-exactly.
//  - REST timestamps are ISO-8601 UTC with milliseconds ("2020-12-08T09:08:57.715Z",
//    truncated, not rounded); WS login timestamps are Unix seconds.
//  - The secret never leaves the HMAC object. The header set and the login arguments
//    necessarily carry the API key and passphrase: they go to the socket only, never
//    to a log (logging redacts OK-ACCESS-* and passphrase fields anyway).
//
// Threads: a RequestSigner belongs to one thread at a time (it holds an HmacSha256).
// Hot path: one HMAC (~1 µs) plus a few small strings per request.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/crypto/hmac.hpp"

namespace propbot::venues::okx {

// Base64 HMAC-SHA256 of timestamp + method + request_path_with_query + body.
std::string sign(const crypto::HmacSha256& hmac, std::string_view timestamp_iso, std::string_view method,
                 std::string_view request_path_with_query, std::string_view body);

// "2020-12-08T09:08:57.715Z" (REST, OK-ACCESS-TIMESTAMP).
std::string format_timestamp(UtcTime t);
// "1538054050" (WS login).
std::string format_login_timestamp(UtcTime t);

inline constexpr std::string_view kLoginMethod = "GET";
inline constexpr std::string_view kLoginPath = "/users/self/verify";

struct Header {
  std::string name;
  std::string value;
};

// The `args[0]` object of {"op":"login","args":[...]}.
struct LoginArgs {
  std::string api_key;
  std::string passphrase;
  std::string timestamp;  // Unix seconds
  std::string sign;
};

struct Credentials {
  std::string api_key;
  std::string secret_key;
  std::string passphrase;
  bool demo = false;  // adds x-simulated-trading: 1
};

class RequestSigner {
 public:
  // Keeps the API key and passphrase (sent as headers) and keys an HMAC with the
  // secret; the secret string itself is not kept.
  explicit RequestSigner(const Credentials& credentials);

  // OK-ACCESS-KEY, OK-ACCESS-SIGN, OK-ACCESS-TIMESTAMP, OK-ACCESS-PASSPHRASE,
  // Content-Type: application/json, and x-simulated-trading: 1 in demo — in that order.
  std::vector<Header> headers(UtcTime now, std::string_view method, std::string_view request_path_with_query,
                              std::string_view body) const;
  // Same, with the timestamp text given (tests, replays).
  std::vector<Header> headers(std::string_view timestamp_iso, std::string_view method,
                              std::string_view request_path_with_query, std::string_view body) const;

  LoginArgs login_args(UtcTime now) const;
  LoginArgs login_args(std::string_view timestamp_seconds) const;
  // {"op":"login","args":[{"apiKey":..,"passphrase":..,"timestamp":..,"sign":..}]}
  std::string login_message(UtcTime now) const;

 private:
  std::string api_key_;
  std::string passphrase_;
  bool demo_ = false;
  crypto::HmacSha256 hmac_;
};

// Server side (simulator): true when `signature` (base64, exact) matches the request.
// Constant time in the signature bytes. For WS login pass kLoginMethod/kLoginPath and
// an empty body with the seconds timestamp.
bool verify_signature(const crypto::HmacSha256& hmac, std::string_view timestamp, std::string_view method,
                      std::string_view request_path_with_query, std::string_view body,
                      std::string_view signature);
bool verify_signature(std::string_view secret_key, std::string_view timestamp, std::string_view method,
                      std::string_view request_path_with_query, std::string_view body,
                      std::string_view signature);

}  // namespace propbot::venues::okx
