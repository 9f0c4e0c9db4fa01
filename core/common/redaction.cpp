#include "core/common/redaction.hpp"

#include <array>
#include <optional>

namespace propbot {
namespace {

// Kept as data so a security review reads one list, not a chain of ifs.
constexpr std::array<std::string_view, 10> kSensitiveFragments = {
    "key", "secret", "token", "passphrase", "password", "passwd", "signature", "authorization", "credential", "cookie",
};
constexpr std::array<std::string_view, 2> kSensitiveParts = {"sign", "sig"};
constexpr std::array<std::string_view, 1> kNotSecret = {"fencing_token"};
// Authorization schemes whose following word is the credential. Only "bearer" is
// also caught outside an Authorization header: "basic" is too common a word.
constexpr std::array<std::string_view, 3> kAuthorizationSchemes = {"bearer", "basic", "digest"};
constexpr std::string_view kBareScheme = "bearer";

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_name_char(char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; }
constexpr bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Characters that end an unquoted value: whitespace, list/query separators, quotes,
// escapes and the brackets around it.
constexpr bool ends_unquoted_value(char c) {
  switch (c) {
    case ' ': case '\t': case '\r': case '\n': case ',': case ';': case '&': case '"': case '\'':
    case '\\': case '{': case '}': case '[': case ']': case '(': case ')': case '<': case '>':
      return true;
    default:
      return false;
  }
}

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) {
    return false;
  }
  for (std::size_t start = 0; start + needle.size() <= haystack.size(); ++start) {
    if (equals_ci(haystack.substr(start, needle.size()), needle)) {
      return true;
    }
  }
  return false;
}

bool is_exempt(std::string_view name) {
  for (std::string_view exempt : kNotSecret) {
    if (name.size() != exempt.size()) {
      continue;
    }
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) {
      const char c = name[i] == '-' ? '_' : lower(name[i]);
      same = c == exempt[i];
    }
    if (same) {
      return true;
    }
  }
  return false;
}

bool is_authorization_scheme(std::string_view word) {
  for (std::string_view scheme : kAuthorizationSchemes) {
    if (equals_ci(word, scheme)) {
      return true;
    }
  }
  return false;
}

std::size_t skip_blanks(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_blank(text[pos])) {
    ++pos;
  }
  return pos;
}

// Length of a quote at pos: 2 for a JSON-escaped \" , 1 for " or ', 0 otherwise.
std::size_t quote_length(std::string_view text, std::size_t pos) {
  if (pos + 1 < text.size() && text[pos] == '\\' && text[pos + 1] == '"') {
    return 2;
  }
  if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) {
    return 1;
  }
  return 0;
}

std::size_t end_of_unquoted(std::string_view text, std::size_t pos) {
  while (pos < text.size() && !ends_unquoted_value(text[pos])) {
    ++pos;
  }
  return pos;
}

struct ValueSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool needs_quotes = false;  // unquoted value after a quoted name (JSON number/bool)
};

// Finds the value in `<quote?><blanks>(=|:)<blanks><quote?>value` starting right after
// a sensitive name. Returns nothing when there is no assignment to redact.
// An HTTP header value runs to the end of the line and may contain spaces.
std::size_t end_of_header_value(std::string_view text, std::size_t pos) {
  while (pos < text.size() && text[pos] != '\r' && text[pos] != '\n' && text[pos] != '"' && text[pos] != '\\') {
    ++pos;
  }
  while (pos > 0 && is_blank(text[pos - 1])) {
    --pos;
  }
  return pos;
}

std::optional<ValueSpan> find_assigned_value(std::string_view text, std::size_t pos, bool is_authorization,
                                             bool is_header_name) {
  const std::size_t name_quote = quote_length(text, pos);
  pos = skip_blanks(text, pos + name_quote);
  if (pos >= text.size() || (text[pos] != '=' && text[pos] != ':')) {
    return std::nullopt;
  }
  const bool header_line = is_header_name && name_quote == 0 && text[pos] == ':';
  if (pos + 1 < text.size() && text[pos + 1] == text[pos]) {
    return std::nullopt;  // "==" comparison or "::" scope, not an assignment
  }
  pos = skip_blanks(text, pos + 1);
  const std::size_t value_quote = quote_length(text, pos);
  ValueSpan span;
  if (value_quote > 0) {
    const std::string_view quote = text.substr(pos, value_quote);
    span.begin = pos + value_quote;
    std::size_t end = span.begin;
    while (end < text.size()) {
      if (text.compare(end, quote.size(), quote) == 0 && !(quote == "\"" && end > span.begin && text[end - 1] == '\\')) {
        break;
      }
      ++end;
    }
    span.end = end;  // an unterminated quote hides the rest of the text: safe side
  } else {
    span.begin = pos;
    span.needs_quotes = name_quote > 0;
    if (is_authorization) {
      // "Authorization: Bearer X": keep the scheme, hide the credential.
      const std::size_t scheme_end = end_of_unquoted(text, pos);
      if (scheme_end < text.size() && text[scheme_end] == ' ' && is_authorization_scheme(text.substr(pos, scheme_end - pos))) {
        span.begin = scheme_end + 1;
      }
    }
    span.end = header_line ? end_of_header_value(text, span.begin) : end_of_unquoted(text, span.begin);
  }
  if (span.end == span.begin || text.substr(span.begin, span.end - span.begin) == kRedacted) {
    return std::nullopt;
  }
  return span;
}

}  // namespace

bool is_sensitive_name(std::string_view name) {
  if (name.empty() || is_exempt(name)) {
    return false;
  }
  for (std::string_view fragment : kSensitiveFragments) {
    if (contains_ci(name, fragment)) {
      return true;
    }
  }
  std::size_t part_begin = 0;
  while (part_begin < name.size()) {
    std::size_t part_end = part_begin;
    while (part_end < name.size() && is_alnum(name[part_end])) {
      ++part_end;
    }
    const std::string_view part = name.substr(part_begin, part_end - part_begin);
    for (std::string_view sensitive : kSensitiveParts) {
      if (equals_ci(part, sensitive)) {
        return true;
      }
    }
    part_begin = part_end + 1;
  }
  return false;
}

std::string redact(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  std::size_t pos = 0;
  const auto replace = [&](std::size_t begin, std::size_t end, bool quoted) {
    out.append(text.substr(copied, begin - copied));
    if (quoted) {
      out.push_back('"');
    }
    out.append(kRedacted);
    if (quoted) {
      out.push_back('"');
    }
    copied = end;
  };
  while (pos < text.size()) {
    if (!is_name_char(text[pos]) || (pos > 0 && is_name_char(text[pos - 1]))) {
      ++pos;
      continue;
    }
    std::size_t word_end = pos;
    while (word_end < text.size() && is_name_char(text[word_end])) {
      ++word_end;
    }
    const std::string_view word = text.substr(pos, word_end - pos);
    pos = word_end;
    if (equals_ci(word, kBareScheme)) {
      const std::size_t begin = skip_blanks(text, word_end);
      const std::size_t end = end_of_unquoted(text, begin);
      if (begin > word_end && end > begin && text.substr(begin, end - begin) != kRedacted) {
        replace(begin, end, false);
        pos = end;
      }
      continue;
    }
    if (!is_sensitive_name(word)) {
      continue;
    }
    // "X-MBX-APIKEY: …" style: a dashed name followed by ':' is an HTTP header line.
    const bool header_name = word.find('-') != std::string_view::npos && word.front() != '-';
    if (const auto value = find_assigned_value(text, word_end, contains_ci(word, "authorization"), header_name)) {
      replace(value->begin, value->end, value->needs_quotes);
      pos = value->end;
    }
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace propbot
