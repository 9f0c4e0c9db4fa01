// Binance request authentication (A3, A5): the X-MBX-APIKEY lookup and, on SIGNED
// endpoints, the HMAC-SHA256 signature over the raw query + body and the timestamp /
// recvWindow check against the simulated clock plus the fault plan's clock skew.
// Guarantees: the same codes as the venue, in its order (-2015, -1102, -1022, -1021).

#include "core/venues/sim/binance/frontend.hpp"

#include "core/venues/binance/signing.hpp"

namespace propbot::venues::sim::binance_frontend {

std::optional<net::HttpResponse> BinanceSimVenue::authenticate(Call& call, Security security) {
  if (security == Security::none) return std::nullopt;
  const std::string key = call.request.header("x-mbx-apikey");
  auto account = accounts_by_key_.find(key);
  if (key.empty() || account == accounts_by_key_.end()) return binance_error(-2015);
  call.account = account->second.id;
  if (security == Security::api_key) return std::nullopt;

  const std::size_t question = call.request.target.find('?');
  const std::string_view raw_query =
      question == std::string::npos ? std::string_view{} : std::string_view(call.request.target).substr(question + 1);
  auto parts = bn::split_signature(raw_query, call.request.body);
  if (!parts) return binance_error(-1102, mandatory_message("signature"));
  if (!bn::verify_signature(account->second.secret, parts->total_params, parts->signature)) {
    return binance_error(-1022);
  }
  auto timestamp = call.params.count("timestamp") ? to_int(call.params["timestamp"]) : std::nullopt;
  if (!timestamp) return binance_error(-1102, mandatory_message("timestamp"));
  std::int64_t recv_window = bn::kDefaultRecvWindowMs;
  if (call.params.count("recvWindow")) {
    auto parsed = to_int(call.params["recvWindow"]);
    if (!parsed || *parsed <= 0 || *parsed > 60000) return binance_error(-1102, mandatory_message("recvWindow"));
    recv_window = *parsed;
  }
  if (*timestamp >= call.server_ms + 1000) {
    return binance_error(-1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  }
  if (call.server_ms - *timestamp > recv_window) return binance_error(-1021);
  return std::nullopt;
}

}  // namespace propbot::venues::sim::binance_frontend
