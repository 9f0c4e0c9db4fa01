// ConfigIssue: one thing wrong with the configuration, and the `FATAL CONFIG:` line
// main prints for it (SPEC S-1.3: what, where, how to fix).
//
// Guarantees: key is the dotted path of the offending setting ("risk.max_orders_per_min",
// "venues[1].kind", or "config_file" for problems with the file itself); value is the
// offending text as the operator wrote it (empty when the key is missing or the value
// must not be echoed); message says what is allowed and where to change it.
// format_fatal() always yields a single line: control characters in the value are
// escaped and very long values are shortened.
//
// Uses: nothing but the standard library.
#pragma once

#include <string>

namespace propbot::config {

struct ConfigIssue {
  std::string key;
  std::string value;
  std::string message;
};

// "FATAL CONFIG: risk.max_orders_per_min = '-3': must be an integer in [1, 100000];
//  set it in /opt/propbot/configs/paper.yaml:57 or MAX_ORDERS_PER_MIN"
std::string format_fatal(const ConfigIssue& issue);

}  // namespace propbot::config
