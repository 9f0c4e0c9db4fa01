#include "core/secrets/role.hpp"

namespace propbot::secrets {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::viewer: return "viewer";
    case Role::auditor: return "auditor";
    case Role::operator_: return "operator";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "viewer") return Role::viewer;
  if (text == "auditor") return Role::auditor;
  if (text == "operator") return Role::operator_;
  return std::nullopt;
}

}  // namespace propbot::secrets
