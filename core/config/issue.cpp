#include "core/config/issue.hpp"

#include <cstdio>

namespace propbot::config {

namespace {

// Long enough for any path or number, short enough to keep the line readable.
constexpr std::size_t kMaxShownValue = 200;

std::string printable(const std::string& value, std::size_t max_shown) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
    if (out.size() > max_shown) {
      out += "...";
      break;
    }
  }
  return out;
}

}  // namespace

std::string format_fatal(const ConfigIssue& issue) {
  return "FATAL CONFIG: " + issue.key + " = '" + printable(issue.value, kMaxShownValue) + "': " +
         printable(issue.message, std::string::npos);
}

}  // namespace propbot::config
