#include "core/api/access.hpp"

namespace propbot::api {
namespace {

int rank(Access access) {
  switch (access) {
    case Access::viewer: return 1;
    case Access::auditor: return 2;
    case Access::operator_: return 3;
    case Access::automatic:
    case Access::public_route: break;
  }
  return 0;
}

}  // namespace

std::string_view to_string(Access access) {
  switch (access) {
    case Access::automatic: return "automatic";
    case Access::public_route: return "public";
    case Access::viewer: return "viewer";
    case Access::auditor: return "auditor";
    case Access::operator_: return "operator";
  }
  return "unknown";
}

std::optional<Access> role_access(std::string_view role) {
  if (role == "viewer") return Access::viewer;
  if (role == "auditor") return Access::auditor;
  if (role == "operator") return Access::operator_;
  return std::nullopt;
}

bool role_allows(std::string_view role, Access required) {
  if (required == Access::public_route) return true;
  // `automatic` must have been resolved by the caller; treat it as the highest level
  // rather than letting an unresolved route through.
  int needed = required == Access::automatic ? rank(Access::operator_) : rank(required);
  std::optional<Access> granted = role_access(role);
  return granted && rank(*granted) >= needed;
}

bool is_protected_path(std::string_view path) {
  return path.starts_with("/api/ui/") || path.starts_with("/api/admin/");
}

Access resolve_access(Access declared, std::string_view method, std::string_view path) {
  if (declared != Access::automatic) return declared;
  if (!is_protected_path(path)) return Access::public_route;
  return method == "GET" || method == "HEAD" ? Access::viewer : Access::operator_;
}

}  // namespace propbot::api
