// JsonScanner: a minimal pull scanner over JSON text for the market-data hot path.
// The venue parsers (binance_depth, okx_books) walk a frame with it field by field,
// so a depth message is read without building a DOM and without allocating.
//
// Guarantees: never reads outside the text, never throws, never allocates. Strings
// come back as views into the text *without unescaping* (venue numbers, symbols and
// keys contain no escapes; a value that does simply fails to match or to parse).
// Nesting deeper than max_depth is refused rather than recursed into. Every method
// returns false on a syntax error and leaves position() at the offending byte.
// Uses nothing but the standard library.
//
// Thread: a value over caller-owned text; use on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace propbot::md {

class JsonScanner {
 public:
  static constexpr int max_depth = 32;

  explicit JsonScanner(std::string_view text) : text_(text) {}

  std::size_t position() const { return pos_; }
  // True when only whitespace remains.
  bool at_end();
  // Skips whitespace; consumes `c` and returns true when it is the next byte.
  bool consume(char c);
  // Skips whitespace; true when the next byte is `c` (not consumed).
  bool peek(char c);
  // A JSON string (the view excludes the quotes and keeps escapes as written).
  bool read_string(std::string_view& out);
  // A JSON integer that fits int64 (no fraction, no exponent).
  bool read_int(std::int64_t& out);
  // Skips any JSON value (object, array, string, number, true, false, null).
  bool skip_value() { return skip_value(0); }

  // Walks an object: for each key, calls on_field(key) with the scanner at the value;
  // on_field must consume the value and return false to abort. Returns false on a
  // syntax error or when on_field aborted.
  template <typename OnField>
  bool read_object(OnField&& on_field) {
    if (!consume('{')) return false;
    if (consume('}')) return true;
    for (;;) {
      std::string_view key;
      if (!read_string(key) || !consume(':')) return false;
      if (!on_field(key)) return false;
      if (consume(',')) continue;
      return consume('}');
    }
  }

  // Walks an array: calls on_element(index) with the scanner at each element.
  template <typename OnElement>
  bool read_array(OnElement&& on_element) {
    if (!consume('[')) return false;
    if (consume(']')) return true;
    for (std::size_t index = 0;; ++index) {
      if (!on_element(index)) return false;
      if (consume(',')) continue;
      return consume(']');
    }
  }

 private:
  void skip_whitespace();
  bool skip_value(int depth);
  bool skip_literal(std::string_view word);
  bool skip_number();

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace propbot::md
