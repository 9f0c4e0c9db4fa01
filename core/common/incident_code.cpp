#include "core/common/incident_code.hpp"

#include "core/common/stable_name.hpp"

namespace propbot {

Result<IncidentCode> parse_incident_code(std::string_view text) {
  if (auto code = find_by_name(text, kAllIncidentCodes)) return *code;
  return make_error(Errc::invalid_argument,
                    "incident code '" + std::string(text) + "' is unknown; use one of " + raisable_incident_codes_text());
}

const std::string& raisable_incident_codes_text() {
  static const std::string text =
      join_names(kAllIncidentCodes, [](IncidentCode code) { return code == IncidentCode::unspecified; });
  return text;
}

}  // namespace propbot
