// ctl_refusal: the one line `propbot ctl` prints when the daemon refused a request
// (4xx/5xx): the status, the daemon's error code and message from its
// {"error": {"code", "message"}} body, then what to do — a token to get for 401, a role
// for 403, the conflict for 409, the breaker or HOLD for 423, the wait for 429.
//
// Guarantees: one line, no trailing newline; never contains the bearer or approve token
// (it is built from the status and the daemon's body only, and the caller redacts).
#pragma once

#include <string>

namespace propbot::app {

struct RefusalContext {
  std::string subcommand;         // "hold", "approvals confirm", …
  bool had_bearer_token = false;  // false: a 401 means "send one"
  std::string retry_after;        // the Retry-After header, "" when none
};

std::string describe_refusal(int status, const std::string& body, const RefusalContext& context);

}  // namespace propbot::app
