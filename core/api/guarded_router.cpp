#include "core/api/guarded_router.hpp"

#include <algorithm>
#include <optional>
#include <string_view>
#include <tuple>

#include "core/api/access_guard.hpp"

namespace propbot::api {
namespace {

// The net::RouteGuard the GuardedRouter installs: resolves the route's Access level and
// asks the AccessGuard.
class AccessCheck final : public net::RouteGuard {
 public:
  using AccessTable = GuardedRouter::AccessTable;

  AccessCheck(std::shared_ptr<const AccessGuard> guard, std::shared_ptr<const AccessTable> access)
      : guard_(std::move(guard)), access_(std::move(access)) {}

  std::optional<net::HttpResponse> admit(net::HttpRequest& request, const net::RouteMatch& match) const override {
    request.principal.reset();  // a principal comes from the guard only
    // Access is resolved from the raw path and from the decoded one: whichever is
    // protected protects the request.
    const std::string_view access_path =
        is_protected_path(request.path) ? std::string_view(request.path) : match.decoded_path;
    Access access = Access::public_route;
    if (match.found) {
      auto declared = access_->find({std::string(match.method), std::string(match.pattern)});
      access = resolve_access(declared == access_->end() ? Access::automatic : declared->second, request.method,
                              access_path);
    } else if (is_protected_path(access_path)) {
      // No route to run: under a protected prefix, only a valid token learns whether the
      // path exists and which methods it allows.
      access = Access::viewer;
    } else {
      return std::nullopt;
    }
    std::optional<net::HttpResponse> denied;
    if (access != Access::public_route) denied = guard_->check(request, access);
    // The handler has no use for the token: it sees request.principal instead.
    request.headers.erase("authorization");
    return denied;
  }

 private:
  std::shared_ptr<const AccessGuard> guard_;
  std::shared_ptr<const AccessTable> access_;
};

}  // namespace

GuardedRouter::GuardedRouter(net::LogFunction error_log)
    : net::Router(std::move(error_log)), access_(std::make_shared<AccessTable>()) {}

void GuardedRouter::add(std::string method, std::string pattern, net::Handler handler, RouteOptions options) {
  auto key = std::make_pair(method, pattern);
  rows_->push_back(RouteRow{method, pattern, resolve_access(options.access, method, pattern), options.json_body,
                            options.blocking});
  net::Router::add(std::move(method), std::move(pattern), std::move(handler),
                   net::RouteOptions{.json_body = options.json_body, .blocking = options.blocking});
  (*access_)[std::move(key)] = options.access;
}

std::vector<GuardedRouter::RouteRow> GuardedRouter::routes() const {
  std::vector<RouteRow> rows = *rows_;
  std::sort(rows.begin(), rows.end(), [](const RouteRow& a, const RouteRow& b) {
    return std::tie(a.pattern, a.method) < std::tie(b.pattern, b.method);
  });
  return rows;
}

void GuardedRouter::set_guard(std::shared_ptr<const AccessGuard> guard) {
  if (!guard) return net::Router::set_guard(nullptr);
  net::Router::set_guard(std::make_shared<const AccessCheck>(std::move(guard), access_));
}

}  // namespace propbot::api
