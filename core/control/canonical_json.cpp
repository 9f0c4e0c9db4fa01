#include "core/control/canonical_json.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "core/common/json_util.hpp"

namespace propbot::control {
namespace {

// JSON pointer escaping (RFC 6901) for error messages.
std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string display_path(const std::string& path) { return path.empty() ? "/" : path; }

void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0x0f];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

bool key_less(const std::string* a, const std::string* b) {
  // std::string's compare uses char_traits<char>, which compares as unsigned char;
  // spelled out so the order never depends on the library.
  const std::size_t n = std::min(a->size(), b->size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>((*a)[i]);
    const auto y = static_cast<unsigned char>((*b)[i]);
    if (x != y) return x < y;
  }
  return a->size() < b->size();
}

Status write_value(std::string& out, const nlohmann::json& value, const std::string& path, std::size_t depth) {
  if (depth > kMaxCanonicalDepth) {
    return make_error(Errc::invalid_argument, "canonical JSON at " + display_path(path) + ": nesting deeper than " +
                                                  std::to_string(kMaxCanonicalDepth) + " levels");
  }
  switch (value.type()) {
    case nlohmann::json::value_t::null: out += "null"; return {};
    case nlohmann::json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return {};
    case nlohmann::json::value_t::number_integer: out += std::to_string(value.get<std::int64_t>()); return {};
    case nlohmann::json::value_t::number_unsigned: out += std::to_string(value.get<std::uint64_t>()); return {};
    case nlohmann::json::value_t::number_float:
      return make_error(Errc::invalid_argument,
                        "canonical JSON at " + display_path(path) +
                            ": a non-integer number is not allowed; write decimals as strings (e.g. \"65000.10\")");
    case nlohmann::json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (!is_valid_utf8(text)) {
        return make_error(Errc::invalid_argument, "canonical JSON at " + display_path(path) + ": string is not valid UTF-8");
      }
      append_string(out, text);
      return {};
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      std::size_t index = 0;
      for (const auto& element : value) {
        if (index > 0) out += ',';
        if (Status written = write_value(out, element, path + "/" + std::to_string(index), depth + 1); !written) {
          return written;
        }
        ++index;
      }
      out += ']';
      return {};
    }
    case nlohmann::json::value_t::object: {
      std::vector<std::pair<const std::string*, const nlohmann::json*>> members;
      members.reserve(value.size());
      for (auto it = value.begin(); it != value.end(); ++it) members.emplace_back(&it.key(), &it.value());
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return key_less(a.first, b.first); });
      out += '{';
      bool first = true;
      for (const auto& [key, member] : members) {
        const std::string member_path = path + "/" + pointer_token(*key);
        if (!is_valid_utf8(*key)) {
          return make_error(Errc::invalid_argument, "canonical JSON at " + member_path + ": key is not valid UTF-8");
        }
        if (!first) out += ',';
        first = false;
        append_string(out, *key);
        out += ':';
        if (Status written = write_value(out, *member, member_path, depth + 1); !written) return written;
      }
      out += '}';
      return {};
    }
    case nlohmann::json::value_t::binary:
      return make_error(Errc::invalid_argument, "canonical JSON at " + display_path(path) + ": binary values are not allowed");
    case nlohmann::json::value_t::discarded:
      return make_error(Errc::invalid_argument, "canonical JSON at " + display_path(path) + ": discarded value");
  }
  return make_error(Errc::internal, "canonical JSON: unknown value type");
}

// A SAX pass that refuses duplicate keys and excessive nesting (the DOM parse keeps
// the last duplicate silently).
class DuplicateKeyCheck : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::string problem;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    scopes_.emplace_back(true);
    return depth_ok();
  }
  bool key(string_t& key) override {
    if (!scopes_.back().keys.insert(key).second) {
      problem = "duplicate key \"" + key + "\"";
      return false;
    }
    return true;
  }
  bool end_object() override {
    scopes_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    scopes_.emplace_back(false);
    return depth_ok();
  }
  bool end_array() override {
    scopes_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    problem = e.what();
    return false;
  }

 private:
  struct Scope {
    explicit Scope(bool is_object) : object(is_object) {}
    bool object;
    std::set<std::string> keys;
  };
  bool depth_ok() {
    if (scopes_.size() > kMaxCanonicalDepth + 1) {
      problem = "nesting deeper than " + std::to_string(kMaxCanonicalDepth) + " levels";
      return false;
    }
    return true;
  }
  std::vector<Scope> scopes_;
};

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code_point = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return false;  // continuation byte as lead, C0/C1 overlong leads, F5..FF
    }
    if (i + length > n) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (length == 3 && (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF))) return false;
    if (length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) return false;
    i += length;
  }
  return true;
}

Result<std::string> canonical_json(const nlohmann::json& value) {
  std::string out;
  if (Status written = write_value(out, value, "", 0); !written) return written.error();
  return out;
}

Result<nlohmann::json> parse_strict_json(std::string_view text) {
  Result<nlohmann::json> parsed = parse_json(text);
  if (!parsed) return parsed.error();
  DuplicateKeyCheck check;
  const bool clean = nlohmann::json::sax_parse(text, &check, nlohmann::json::input_format_t::json, /*strict=*/true,
                                               /*ignore_comments=*/false);
  if (!clean) return make_error(Errc::parse_error, "invalid JSON: " + check.problem);
  return parsed;
}

Result<std::string> canonicalize(std::string_view text) {
  Result<nlohmann::json> parsed = parse_strict_json(text);
  if (!parsed) return parsed.error();
  return canonical_json(*parsed);
}

bool is_canonical_json(std::string_view text) {
  Result<std::string> canonical = canonicalize(text);
  return canonical.ok() && *canonical == text;
}

}  // namespace propbot::control
