// figure_text: how the risk governor writes a figure into a refusal, an incident
// summary or the durable state — the shortest text of up to 10 significant digits
// ("51000", "0.3", "1.234567891e+12"), the same everywhere a reader compares them.
//
// Threads: a pure function; any thread.
#pragma once

#include <cstdio>
#include <string>

namespace propbot::risk {

inline std::string figure_text(double value) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

}  // namespace propbot::risk
