#include "core/md/json_scanner.hpp"

#include <limits>

namespace propbot::md {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

void JsonScanner::skip_whitespace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
    ++pos_;
  }
}

bool JsonScanner::at_end() {
  skip_whitespace();
  return pos_ == text_.size();
}

bool JsonScanner::consume(char c) {
  skip_whitespace();
  if (pos_ < text_.size() && text_[pos_] == c) {
    ++pos_;
    return true;
  }
  return false;
}

bool JsonScanner::peek(char c) {
  skip_whitespace();
  return pos_ < text_.size() && text_[pos_] == c;
}

bool JsonScanner::read_string(std::string_view& out) {
  if (!consume('"')) return false;
  const std::size_t begin = pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '"') {
      out = text_.substr(begin, pos_ - begin);
      ++pos_;
      return true;
    }
    if (static_cast<unsigned char>(c) < 0x20) return false;
    // An escape covers the next byte, so an escaped quote does not end the string.
    pos_ += c == '\\' ? 2 : 1;
  }
  pos_ = text_.size();
  return false;
}

bool JsonScanner::read_int(std::int64_t& out) {
  skip_whitespace();
  std::size_t pos = pos_;
  const bool negative = pos < text_.size() && text_[pos] == '-';
  if (negative) ++pos;
  const std::size_t digits_begin = pos;
  // Accumulate as a negative number so that INT64_MIN parses.
  std::int64_t value = 0;
  while (pos < text_.size() && is_digit(text_[pos])) {
    const int digit = text_[pos] - '0';
    if (value < (std::numeric_limits<std::int64_t>::min() + digit) / 10) return false;
    value = value * 10 - digit;
    ++pos;
  }
  if (pos == digits_begin) return false;
  if (pos < text_.size() && (text_[pos] == '.' || text_[pos] == 'e' || text_[pos] == 'E')) return false;
  if (!negative) {
    if (value == std::numeric_limits<std::int64_t>::min()) return false;
    value = -value;
  }
  out = value;
  pos_ = pos;
  return true;
}

bool JsonScanner::skip_literal(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word) return false;
  pos_ += word.size();
  return true;
}

bool JsonScanner::skip_number() {
  const std::size_t begin = pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (!is_digit(c) && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E') break;
    ++pos_;
  }
  return pos_ > begin;
}

bool JsonScanner::skip_value(int depth) {
  if (depth >= max_depth) return false;
  skip_whitespace();
  if (pos_ >= text_.size()) return false;
  switch (text_[pos_]) {
    case '{':
      return read_object([&](std::string_view) { return skip_value(depth + 1); });
    case '[':
      return read_array([&](std::size_t) { return skip_value(depth + 1); });
    case '"': {
      std::string_view ignored;
      return read_string(ignored);
    }
    case 't': return skip_literal("true");
    case 'f': return skip_literal("false");
    case 'n': return skip_literal("null");
    default: return skip_number();
  }
}

}  // namespace propbot::md
