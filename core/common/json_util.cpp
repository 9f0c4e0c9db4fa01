#include "core/common/json_util.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace propbot {
namespace {

Result<const nlohmann::json*> find_field(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) {
    return make_error(Errc::not_found, "field \"" + std::string(key) + "\": enclosing value is not an object");
  }
  const auto found = object.find(key);
  if (found == object.end()) {
    return make_error(Errc::not_found, "field \"" + std::string(key) + "\" is missing");
  }
  return &*found;
}

Error wrong_type(std::string_view key, std::string_view expected, const nlohmann::json& value) {
  return make_error(Errc::invalid_argument, "field \"" + std::string(key) + "\": expected " + std::string(expected) +
                                                ", got " + value.type_name());
}

}  // namespace

std::optional<std::size_t> json_depth_exceeded_at(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > max_depth) return i;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return std::nullopt;
}

Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth) {
  if (auto at = json_depth_exceeded_at(text, max_depth)) {
    return make_error(Errc::parse_error, "JSON nests deeper than " + std::to_string(max_depth) + " levels at byte " +
                                             std::to_string(*at));
  }
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    // The non-throwing parse does not say where it failed; a SAX pass does, cheaply
    // enough for the error path only.
    struct Locator : nlohmann::json_sax<nlohmann::json> {
      std::size_t position = 0;
      std::string message;
      bool null() override { return true; }
      bool boolean(bool) override { return true; }
      bool number_integer(number_integer_t) override { return true; }
      bool number_unsigned(number_unsigned_t) override { return true; }
      bool number_float(number_float_t, const string_t&) override { return true; }
      bool string(string_t&) override { return true; }
      bool binary(binary_t&) override { return true; }
      bool start_object(std::size_t) override { return true; }
      bool key(string_t&) override { return true; }
      bool end_object() override { return true; }
      bool start_array(std::size_t) override { return true; }
      bool end_array() override { return true; }
      bool parse_error(std::size_t where, const std::string&, const nlohmann::detail::exception& e) override {
        position = where;
        message = e.what();
        return false;
      }
    } locator;
    nlohmann::json::sax_parse(text, &locator, nlohmann::json::input_format_t::json, /*strict=*/true,
                              /*ignore_comments=*/false);
    return make_error(Errc::parse_error, "invalid JSON at byte " + std::to_string(locator.position) + ": " + locator.message);
  }
  return value;
}

nlohmann::json parse_json_or_discarded(std::string_view text, std::size_t max_depth) {
  if (json_depth_exceeded_at(text, max_depth)) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

Result<std::string> json_string(const nlohmann::json& object, std::string_view key) {
  auto field = find_field(object, key);
  if (!field) {
    return field.error();
  }
  if (!(*field)->is_string()) {
    return wrong_type(key, "a string", **field);
  }
  return (*field)->get<std::string>();
}

Result<std::int64_t> json_int(const nlohmann::json& object, std::string_view key) {
  auto field = find_field(object, key);
  if (!field) {
    return field.error();
  }
  const nlohmann::json& value = **field;
  if (value.is_number_unsigned()) {
    const auto unsigned_value = value.get<std::uint64_t>();
    if (unsigned_value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return make_error(Errc::overflow, "field \"" + std::string(key) + "\": " + std::to_string(unsigned_value) +
                                            " does not fit a 64-bit signed integer");
    }
    return static_cast<std::int64_t>(unsigned_value);
  }
  if (value.is_number_integer()) {
    return value.get<std::int64_t>();
  }
  return wrong_type(key, "an integer", value);
}

Result<bool> json_bool(const nlohmann::json& object, std::string_view key) {
  auto field = find_field(object, key);
  if (!field) {
    return field.error();
  }
  if (!(*field)->is_boolean()) {
    return wrong_type(key, "a boolean", **field);
  }
  return (*field)->get<bool>();
}

Result<Decimal> json_to_decimal(const nlohmann::json& value, std::string_view what) {
  if (value.is_string()) {
    auto parsed = Decimal::parse(value.get_ref<const std::string&>());
    if (!parsed) {
      return make_error(parsed.error().code, "field \"" + std::string(what) + "\": " + parsed.error().message);
    }
    return parsed;
  }
  if (value.is_number_integer() || value.is_number_unsigned()) {
    // dump() gives the exact integer text, including values beyond int64 (→ overflow).
    return json_to_decimal(nlohmann::json(value.dump()), what);
  }
  if (value.is_number_float()) {
    std::array<char, 64> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value.get<double>());
    if (ec != std::errc{}) {
      return make_error(Errc::internal, "field \"" + std::string(what) + "\": cannot format number");
    }
    return json_to_decimal(nlohmann::json(std::string(buffer.data(), end)), what);
  }
  return wrong_type(what, "a decimal string or number", value);
}

Result<Decimal> json_decimal(const nlohmann::json& object, std::string_view key) {
  auto field = find_field(object, key);
  if (!field) {
    return field.error();
  }
  return json_to_decimal(**field, key);
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
          out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace propbot
