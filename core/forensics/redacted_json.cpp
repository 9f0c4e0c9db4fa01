#include "core/forensics/redacted_json.hpp"

#include <string>

#include "core/common/redaction.hpp"

namespace propbot::forensics {

nlohmann::json redacted(const nlohmann::json& document) {
  if (document.is_string()) return redact(document.get_ref<const std::string&>());
  if (document.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& element : document) out.push_back(redacted(element));
    return out;
  }
  if (document.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, value] : document.items()) {
      out[name] = is_sensitive_name(name) ? nlohmann::json(kRedacted) : redacted(value);
    }
    return out;
  }
  return document;
}

}  // namespace propbot::forensics
