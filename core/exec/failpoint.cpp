#include "core/exec/failpoint.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

namespace propbot::exec {

Result<Failpoint> Failpoint::parse(std::string_view text) {
  Failpoint point;
  if (text.empty()) return point;
  std::string_view name = text;
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    name = text.substr(0, colon);
    const std::string_view count = text.substr(colon + 1);
    int nth = 0;
    auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), nth);
    if (error != std::errc{} || end != count.data() + count.size() || nth < 1) {
      return make_error(Errc::invalid_argument, "PROPBOT_FAILPOINT '" + std::string(text) +
                                                    "': the count after ':' must be a whole number >= 1");
    }
    point.nth_ = nth;
  }
  if (std::find(kAllFailpoints.begin(), kAllFailpoints.end(), name) == kAllFailpoints.end()) {
    std::string known;
    for (auto each : kAllFailpoints) known += (known.empty() ? "" : ", ") + std::string(each);
    return make_error(Errc::invalid_argument,
                      "PROPBOT_FAILPOINT names '" + std::string(name) + "', which is not a failpoint; use one of: " + known);
  }
  point.name_ = std::string(name);
  return point;
}

void Failpoint::hit(std::string_view here) {
  if (name_.empty() || here != name_) return;
  if (++hits_ < nth_) return;
  // As `kill -9` would: no destructor, no flush, no atexit.
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);
}

}  // namespace propbot::exec
