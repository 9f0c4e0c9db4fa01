#include "scripting/lua_pattern.hpp"

#include <algorithm>
#include <cstring>

namespace propbot::scripting::lua_pattern {
namespace {

unsigned byte_at(const char* p) { return static_cast<unsigned char>(*p); }

// Records the first fault (later ones are consequences) and fails the match.
const char* fail(Match& m, Fault fault) {
  if (m.fault == Fault::none) m.fault = fault;
  return nullptr;
}

bool spend(Match& m, std::int64_t steps) {
  m.steps_left -= steps;
  if (m.steps_left >= 0) return true;
  fail(m, Fault::budget);
  return false;
}

// The extra steps a set item costs per subject byte: one per eight bytes of the set,
// so a set of a megabyte is paid for each time it is scanned.
std::int64_t set_cost(const char* item, const char* item_end) { return (item_end - item) >> 3; }

// --- character classes: ASCII, independent of the locale ---

bool is_lower(unsigned c) { return c >= 'a' && c <= 'z'; }
bool is_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(unsigned c) { return c >= '0' && c <= '9'; }
bool is_alpha(unsigned c) { return is_lower(c) || is_upper(c); }
bool is_graph(unsigned c) { return c > ' ' && c < 0x7f; }

// c against "%<letter>": a class letter in lower case means the class, in upper case its
// complement; any other letter or byte after '%' stands for itself.
bool class_matches(unsigned c, unsigned letter) {
  bool in = false;
  switch (letter | 0x20u) {
    case 'a': in = is_alpha(c); break;
    case 'c': in = c < ' ' || c == 0x7f; break;
    case 'd': in = is_digit(c); break;
    case 'g': in = is_graph(c); break;
    case 'l': in = is_lower(c); break;
    case 'p': in = is_graph(c) && !is_alpha(c) && !is_digit(c); break;
    case 's': in = c == ' ' || (c >= '\t' && c <= '\r'); break;
    case 'u': in = is_upper(c); break;
    case 'w': in = is_alpha(c) || is_digit(c); break;
    case 'x': in = is_digit(c) || ((c | 0x20u) >= 'a' && (c | 0x20u) <= 'f'); break;
    case 'z': in = c == 0; break;
    default: return letter == c;
  }
  return (letter & 0x20u) != 0 ? in : !in;
}

// c against the set [open, close]: '[' at `open`, its ']' at `close`.
bool set_matches(unsigned c, const char* open, const char* close) {
  const char* p = open + 1;
  const bool negated = *p == '^';
  if (negated) ++p;
  for (; p < close; ++p) {
    if (*p == '%') {
      ++p;
      if (class_matches(c, byte_at(p))) return !negated;
    } else if (p[1] == '-' && p + 2 < close) {
      if (byte_at(p) <= c && c <= byte_at(p + 2)) return !negated;
      p += 2;
    } else if (byte_at(p) == c) {
      return !negated;
    }
  }
  return negated;
}

// Where the single-character item at `p` ends (a quantifier may follow), or null with
// a fault for a malformed one.
const char* item_end(Match& m, const char* p) {
  switch (*p) {
    case '%':
      if (p[1] == '\0') return fail(m, Fault::ends_with_escape);
      return p + 2;
    case '[': {
      const char* q = p + 1;
      if (*q == '^') ++q;
      // The first byte of the set is a member even when it is ']'.
      do {
        if (*q == '\0') return fail(m, Fault::missing_bracket);
        const bool escape = *q++ == '%';
        if (escape && *q != '\0') ++q;
      } while (*q != ']');
      return spend(m, set_cost(p, q)) ? q + 1 : nullptr;
    }
    default:
      return p + 1;
  }
}

// c against the single-character item [p, end).
bool item_matches(unsigned c, const char* p, const char* end) {
  switch (*p) {
    case '.': return true;
    case '%': return class_matches(c, byte_at(p + 1));
    case '[': return set_matches(c, p, end - 1);
    default: return byte_at(p) == c;
  }
}

const char* match_here(Match& m, const char* s, const char* p);

// The item [p, ep) as many times as possible from s, then fewer until the rest matches.
const char* repeat_greedy(Match& m, const char* s, const char* p, const char* ep) {
  const std::int64_t per_byte = 1 + set_cost(p, ep);
  std::ptrdiff_t count = 0;
  while (s + count < m.subject_end && item_matches(byte_at(s + count), p, ep)) {
    if (!spend(m, per_byte)) return nullptr;
    ++count;
  }
  for (; count >= 0; --count) {
    const char* end = match_here(m, s + count, ep + 1);
    if (end != nullptr || m.fault != Fault::none) return end;
  }
  return nullptr;
}

// The item [p, ep) as few times as possible from s.
const char* repeat_lazy(Match& m, const char* s, const char* p, const char* ep) {
  const std::int64_t per_byte = 1 + set_cost(p, ep);
  for (;;) {
    const char* end = match_here(m, s, ep + 1);
    if (end != nullptr || m.fault != Fault::none) return end;
    if (s >= m.subject_end || !item_matches(byte_at(s), p, ep)) return nullptr;
    if (!spend(m, per_byte)) return nullptr;
    ++s;
  }
}

const char* open_capture(Match& m, const char* s, const char* p, std::ptrdiff_t kind) {
  if (m.captures >= kMaxCaptures) return fail(m, Fault::too_many_captures);
  m.capture[m.captures] = Capture{s, kind};
  ++m.captures;
  const char* end = match_here(m, s, p);
  if (end == nullptr) --m.captures;
  return end;
}

const char* close_capture(Match& m, const char* s, const char* p) {
  int open = m.captures - 1;
  while (open >= 0 && m.capture[open].length != kOpenCapture) --open;
  if (open < 0) return fail(m, Fault::invalid_pattern_capture);
  m.capture[open].length = s - m.capture[open].begin;
  const char* end = match_here(m, s, p);
  if (end == nullptr) m.capture[open].length = kOpenCapture;
  return end;
}

// "%bxy" at s (p points at x): the end of the balanced run, or null.
const char* balanced(Match& m, const char* s, const char* p) {
  if (p[0] == '\0' || p[1] == '\0') return fail(m, Fault::unbalanced);
  if (s >= m.subject_end || *s != p[0]) return nullptr;
  const char open = p[0];
  const char close = p[1];
  long unclosed = 1;
  while (++s < m.subject_end) {
    if (!spend(m, 1)) return nullptr;
    if (*s == close) {
      if (--unclosed == 0) return s + 1;
    } else if (*s == open) {
      ++unclosed;
    }
  }
  return nullptr;
}

// "%<digit>" at s: the text of that closed capture again.
const char* back_reference(Match& m, const char* s, unsigned digit) {
  const int index = static_cast<int>(digit) - '1';
  if (index < 0 || index >= m.captures || m.capture[index].length == kOpenCapture) {
    return fail(m, Fault::invalid_capture_index);
  }
  // A position capture never matches (LuaJIT compares it as a huge length).
  if (m.capture[index].length < 0) return nullptr;
  const auto length = static_cast<std::size_t>(m.capture[index].length);
  if (static_cast<std::size_t>(m.subject_end - s) < length) return nullptr;
  if (!spend(m, static_cast<std::int64_t>(length >> 3))) return nullptr;
  if (std::memcmp(m.capture[index].begin, s, length) != 0) return nullptr;
  return s + length;
}

// The body of an attempt: items that do not backtrack are taken in this loop (a plain
// or '?'-skipped item, %b, %f, a back-reference); a capture or a repetition recurses
// into match_here for the rest of the pattern.
const char* match_items(Match& m, const char* s, const char* p) {
  for (;;) {
    if (!spend(m, 1)) return nullptr;
    switch (*p) {
      case '\0':
        return s;
      case '(':
        if (p[1] == ')') return open_capture(m, s, p + 2, kPositionCapture);
        return open_capture(m, s, p + 1, kOpenCapture);
      case ')':
        return close_capture(m, s, p + 1);
      case '$':
        if (p[1] == '\0') return s == m.subject_end ? s : nullptr;
        break;  // elsewhere '$' is an ordinary character
      case '%':
        if (p[1] == 'b') {
          s = balanced(m, s, p + 2);
          if (s == nullptr) return nullptr;
          p += 4;
          continue;
        }
        if (p[1] == 'f') {
          p += 2;
          if (*p != '[') return fail(m, Fault::frontier_without_set);
          const char* ep = item_end(m, p);
          if (ep == nullptr) return nullptr;
          const unsigned before = s == m.subject ? 0u : byte_at(s - 1);
          const unsigned here = s < m.subject_end ? byte_at(s) : 0u;
          if (set_matches(before, p, ep - 1) || !set_matches(here, p, ep - 1)) return nullptr;
          p = ep;
          continue;
        }
        if (is_digit(byte_at(p + 1))) {
          s = back_reference(m, s, byte_at(p + 1));
          if (s == nullptr) return nullptr;
          p += 2;
          continue;
        }
        break;  // an escaped character or class
      default:
        break;
    }
    const char* ep = item_end(m, p);
    if (ep == nullptr) return nullptr;
    const bool here = s < m.subject_end && item_matches(byte_at(s), p, ep);
    switch (*ep) {
      case '?':
        if (here) {
          const char* end = match_here(m, s + 1, ep + 1);
          if (end != nullptr || m.fault != Fault::none) return end;
        }
        p = ep + 1;
        continue;
      case '*':
        return repeat_greedy(m, s, p, ep);
      case '+':
        return here ? repeat_greedy(m, s + 1, p, ep) : nullptr;
      case '-':
        return repeat_lazy(m, s, p, ep);
      default:
        if (!here) return nullptr;
        ++s;
        p = ep;
        continue;
    }
  }
}

const char* match_here(Match& m, const char* s, const char* p) {
  if (++m.depth > kMaxDepth) return fail(m, Fault::too_complex);
  if (!spend(m, kStepsPerAttempt)) return nullptr;
  const char* end = match_items(m, s, p);
  --m.depth;
  return end;
}

// Length of the common prefix of a and b, at most n bytes, eight at a time.
std::size_t common_prefix(const char* a, const char* b, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) return i + static_cast<std::size_t>(__builtin_ctzll(x ^ y) >> 3);
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

const char* describe(Fault fault) {
  switch (fault) {
    case Fault::none: return "";
    case Fault::budget: return "instruction budget exceeded";
    case Fault::ends_with_escape: return "malformed pattern (ends with '%')";
    case Fault::missing_bracket: return "malformed pattern (missing ']')";
    case Fault::frontier_without_set: return "missing '[' after '%f' in pattern";
    case Fault::invalid_pattern_capture: return "invalid pattern capture";
    case Fault::unbalanced: return "unbalanced pattern";
    case Fault::too_complex: return "pattern too complex";
    case Fault::invalid_capture_index: return "invalid capture index";
    case Fault::too_many_captures: return "too many captures";
  }
  return "";
}

void start(Match& m, const char* subject, std::size_t length, std::int64_t steps) {
  m.subject = subject;
  m.subject_end = subject + length;
  m.steps_left = steps;
  m.depth = 0;
  m.captures = 0;
  m.fault = Fault::none;
}

const char* match_at(Match& m, const char* at, const char* pattern) {
  m.depth = 0;
  m.captures = 0;
  return match_here(m, at, pattern);
}

bool has_specials(const char* pattern, std::size_t length) {
  for (std::size_t i = 0; i < length; ++i) {
    switch (pattern[i]) {
      case '^': case '$': case '*': case '+': case '?': case '.': case '(': case '[': case '%': case '-':
        return true;
      default:
        break;
    }
  }
  return false;
}

const char* find_plain(const char* haystack, std::size_t haystack_length, const char* needle,
                       std::size_t needle_length, std::int64_t& units_left, bool* exhausted) {
  *exhausted = false;
  if (needle_length > haystack_length) return nullptr;
  if (needle_length == 0) return haystack;
  const int first = static_cast<unsigned char>(needle[0]);
  const std::size_t rest = needle_length - 1;
  const char* at = haystack;
  const char* last = haystack + (haystack_length - needle_length);  // the last possible start
  while (at <= last) {
    const auto candidates = static_cast<std::size_t>(last - at) + 1;
    const auto can_scan = static_cast<std::size_t>(std::max<std::int64_t>(units_left, 0) / kScanUnitsPerByte);
    const std::size_t window = std::min(candidates, can_scan);
    const auto* hit = static_cast<const char*>(std::memchr(at, first, window));
    if (hit == nullptr) {
      units_left -= static_cast<std::int64_t>(window) * kScanUnitsPerByte;
      *exhausted = window < candidates;
      return nullptr;
    }
    units_left -= (hit - at + 1) * kScanUnitsPerByte;
    const auto can_compare = static_cast<std::size_t>(std::max<std::int64_t>(units_left, 0) / kCompareUnitsPerByte);
    const std::size_t limit = std::min(rest, can_compare);
    const std::size_t same = common_prefix(hit + 1, needle + 1, limit);
    units_left -= static_cast<std::int64_t>(same < limit ? same + 1 : same) * kCompareUnitsPerByte;
    if (same == rest) return hit;
    if (same == limit) {  // stopped by the allowance, not by a difference
      *exhausted = true;
      return nullptr;
    }
    at = hit + 1;
  }
  return nullptr;
}

}  // namespace propbot::scripting::lua_pattern
