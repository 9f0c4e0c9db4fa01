// The path every Binance REST request takes before its endpoint: added latency,
// timers, parameters (body, then the query, which wins: A5), the rate-limit storm / ban
// of the fault gate, the IP weight, authentication, and the weight and order-count
// headers on every answer (A4). Guarantees: an endpoint runs only for an admitted,
// authenticated request; a refused one still reports the IP's used weight.

#include "core/venues/sim/binance/frontend.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace propbot::venues::sim::binance_frontend {

std::optional<net::HttpResponse> BinanceSimVenue::rate_limited(MonoTime now) {
  const Admission admission = faults_.admit_request(now);
  switch (admission.kind) {
    case Admission::Kind::admitted:
      return std::nullopt;
    case Admission::Kind::throttled: {
      auto response = binance_error(-1003, "Too many requests; current limit of IP is 2400 requests per minute. "
                                           "Please use the websocket for live updates to avoid polling the API.");
      response.status = 429;
      response.headers.emplace_back("Retry-After", std::to_string(admission.retry_after_s));
      return response;
    }
    case Admission::Kind::banned:
      break;
  }
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(admission.ban_left).count();
  auto response = binance_error(-1003, "Way too many requests; IP banned until " +
                                           std::to_string(to_unix_ms(clock_.utc()) + seconds * 1000) +
                                           ". Please use the websocket for live updates to avoid bans.");
  response.status = 418;
  response.headers.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>(seconds, 1)));
  return response;
}

net::HttpResponse BinanceSimVenue::handle(const net::HttpRequest& request, Security security,
                                          const WeightOf& weight, bool order_endpoint, const Endpoint& endpoint) {
  wait_added_latency(faults_, mutex_);

  std::lock_guard lock(mutex_);
  ++requests_;
  Call call{request, {}, {}, clock_.now(), clock_.utc(), 0};
  call.server_ms = to_unix_ms(call.utc) + faults_.clock_skew_ms();
  run_timers(call.now, call.utc);

  // Params: body first, then the query, which wins (A5).
  const std::size_t question = request.target.find('?');
  if (!request.body.empty()) call.params = net::parse_query(request.body);
  if (question != std::string::npos) {
    for (auto& [k, v] : net::parse_query(std::string_view(request.target).substr(question + 1))) call.params[k] = v;
  }

  const std::string ip = request.remote_addr.empty() ? "local" : request.remote_addr;
  std::optional<net::HttpResponse> early = rate_limited(call.now);
  const int used = ip_weight_.add(ip, call.now, early ? 0 : weight(call.params));
  if (!early) early = authenticate(call, security);
  net::HttpResponse response = early ? std::move(*early) : endpoint(call);
  response.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(used));
  if (order_endpoint && !call.account.empty()) {
    response.headers.emplace_back("X-MBX-ORDER-COUNT-10S",
                                  std::to_string(orders_10s_.add(call.account, call.now, 0)));
    response.headers.emplace_back("X-MBX-ORDER-COUNT-1M", std::to_string(orders_1m_.add(call.account, call.now, 0)));
  }
  return response;
}

}  // namespace propbot::venues::sim::binance_frontend
