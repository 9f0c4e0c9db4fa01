// The path every OKX REST request takes before its endpoint: added latency, due
// cancel-all-after switches, the
// fault gate's rate-limit storm / ban (429, code 50011, Retry-After), authentication of
// signed endpoints and the maintenance refusal (50001) of every signed endpoint.
// Guarantees: an endpoint runs only for an admitted (and, if signed, authenticated)
// request.

#include "core/venues/sim/okx/frontend.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

namespace propbot::venues::sim::okx_frontend {

net::HttpResponse OkxSimVenue::handle(const net::HttpRequest& request, bool is_signed, RestMethod fn) {
  wait_added_latency(faults_, mutex_);
  std::lock_guard lock(mutex_);
  ++counters_.requests;
  // Dead-man switches fire on time, not only on the next market tick.
  std::vector<Event> expired;
  fire_dead_man_switches(clock_.utc(), expired);
  if (!expired.empty()) push_events(expired, clock_.utc());
  if (auto limited = rate_limit()) return *limited;
  std::string account;
  if (is_signed) {
    auto authenticated = authenticate(request);
    if (!authenticated.first) {
      ++counters_.auth_failures;
      return authenticated.second;
    }
    account = credentials_.at(request.header("ok-access-key")).account;
    if (faults_.maintenance()) return error_response("50001");
  }
  return (this->*fn)(request, account);
}

std::optional<net::HttpResponse> OkxSimVenue::rate_limit() {
  const Admission admission = faults_.admit_request(clock_.utc());
  int retry_after = 0;
  switch (admission.kind) {
    case Admission::Kind::admitted:
      return std::nullopt;
    case Admission::Kind::throttled:
      retry_after = std::max(1, admission.retry_after_s);
      break;
    case Admission::Kind::banned:
      // OKX has no 418: a ban keeps answering 429 for its duration.
      retry_after = static_cast<int>(std::ceil(std::chrono::duration<double>(admission.ban_left).count()));
      break;
  }
  net::HttpResponse response = error_response(
      "50011", "Rate limit reached. Please refer to API documentation and throttle requests accordingly.");
  response.status = 429;
  response.headers.emplace_back("Retry-After", std::to_string(std::max(1, retry_after)));
  return response;
}

}  // namespace propbot::venues::sim::okx_frontend
