// OKX authentication: the REST signature (OK-ACCESS-* headers, Base64 HMAC-SHA256 over
// timestamp + METHOD + path?query + body, B3) and the private WebSocket login (over
// timestamp + GET + /users/self/verify). The timestamp window is ±30 s around the
// simulated clock plus the fault plan's clock skew. Guarantees: the venue's codes, in
// its order (REST 5010x/5011x, WS 6000x/60024).

#include "core/venues/sim/okx/frontend.hpp"

#include "core/venues/okx/signing.hpp"

namespace propbot::venues::sim::okx_frontend {

std::pair<bool, net::HttpResponse> OkxSimVenue::authenticate(const net::HttpRequest& request) {
  const std::string key = request.header("ok-access-key");
  const std::string sign = request.header("ok-access-sign");
  const std::string timestamp = request.header("ok-access-timestamp");
  const std::string passphrase = request.header("ok-access-passphrase");
  const auto fail = [](std::string_view code) { return std::make_pair(false, error_response(code)); };
  if (key.empty()) return fail("50103");
  if (passphrase.empty()) return fail("50104");
  if (sign.empty()) return fail("50106");
  if (timestamp.empty()) return fail("50107");
  const std::string simulated = request.header("x-simulated-trading");
  if (!simulated.empty() && simulated != "1" && simulated != "0") return fail("50101");
  auto ts = wire::parse_iso_timestamp(timestamp);
  if (!ts) return fail("50112");
  auto it = credentials_.find(key);
  if (it == credentials_.end()) return fail("50111");
  const auto delta = server_now() - *ts;
  if (delta > kTimestampWindow || delta < -kTimestampWindow) return fail("50102");
  if (it->second.passphrase != passphrase) return fail("50105");
  const std::string target = request.target.empty() ? request.path : request.target;
  if (!venues::okx::verify_signature(it->second.secret, timestamp, request.method, target, request.body, sign)) {
    return fail("50113");
  }
  return {true, net::HttpResponse{}};
}

void OkxSimVenue::ws_login(Session& session, const json& arg) {
  const std::uint64_t id = session.socket->id();
  if (!arg.is_object()) {
    send_to(session, ws_error("60013", "Invalid args", id));
    return;
  }
  const std::string api_key = string_field(arg, "apiKey").value_or("");
  const std::string passphrase = string_field(arg, "passphrase").value_or("");
  const std::string timestamp = string_field(arg, "timestamp").value_or("");
  const std::string sign = string_field(arg, "sign").value_or("");
  auto creds = credentials_.find(api_key);
  if (creds == credentials_.end()) {
    send_to(session, ws_error("60005", "Invalid apiKey", id));
    return;
  }
  auto ts = wire::parse_unix_seconds(timestamp);
  if (!ts) {
    send_to(session, ws_error("60004", "Invalid timestamp", id));
    return;
  }
  const auto delta = server_now() - *ts;
  if (delta > kTimestampWindow || delta < -kTimestampWindow) {
    send_to(session, ws_error("60006", "Timestamp request expired", id));
    return;
  }
  if (creds->second.passphrase != passphrase) {
    send_to(session, ws_error("60024", "Wrong passphrase", id));
    return;
  }
  if (!venues::okx::verify_signature(creds->second.secret, timestamp, venues::okx::kLoginMethod,
                                     venues::okx::kLoginPath, "", sign)) {
    ++counters_.auth_failures;
    send_to(session, ws_error("60007", "Invalid sign", id));
    return;
  }
  session.account = creds->second.account;
  send_to(session, json{{"event", "login"}, {"code", "0"}, {"msg", ""}, {"connId", conn_id(id)}});
}

}  // namespace propbot::venues::sim::okx_frontend
