#include "core/api/access_guard.hpp"

#include <exception>
#include <stdexcept>
#include <utility>

#include "core/net/bearer_token.hpp"
#include "core/net/client_key.hpp"

namespace propbot::api {

using net::HttpRequest;
using net::HttpResponse;
using net::Principal;

namespace {

constexpr std::string_view kLookupFailed =
    "internal error while checking the bearer token; details are in the server log";

HttpResponse unauthorized(std::string_view message, std::string challenge) {
  HttpResponse response = HttpResponse::error(401, "unauthorized", message);
  response.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  return response;
}

}  // namespace

AccessGuard::AccessGuard(const Clock& clock, AccessGuardCallbacks callbacks, AccessGuardOptions options)
    : clock_(clock),
      callbacks_(std::move(callbacks)),
      options_(options),
      sources_(LockoutOptions{options.max_failures, options.failure_window, options.lockout, options.max_sources},
               "access guard") {
  if (!callbacks_.authenticate) throw std::invalid_argument("access guard: authenticate callback is required");
}

void AccessGuard::report(std::string_view what) const {
  if (!callbacks_.log) return;
  try {
    callbacks_.log(what);
  } catch (...) {
    // A failing log sink must not change the answer.
  }
}

std::optional<HttpResponse> AccessGuard::lockout_answer(const std::string& remote_addr, MonoTime now) const {
  std::optional<MonoTime> until;
  {
    std::lock_guard lock(mutex_);
    until = sources_.locked_until(remote_addr, now);
  }
  if (!until) return std::nullopt;
  auto seconds = std::chrono::ceil<std::chrono::seconds>(*until - now).count();
  seconds = std::max<decltype(seconds)>(seconds, 1);
  HttpResponse response = HttpResponse::error(
      429, "locked_out",
      "too many invalid bearer tokens from this address; locked out for another " + std::to_string(seconds) + " s");
  response.headers.emplace_back("Retry-After", std::to_string(seconds));
  return response;
}

std::optional<HttpResponse> AccessGuard::check(HttpRequest& request, Access required) const {
  required = resolve_access(required, request.method, request.path);
  if (required == Access::public_route) return std::nullopt;
  request.principal.reset();  // a principal comes from this check only

  const MonoTime now = clock_.now();
  // Failures count per client, as connections do: an IPv6 host rotating through its
  // /64 is one client.
  const std::string client = net::client_key(request.remote_addr);
  auto notify_unauthorized = [&] {
    if (!callbacks_.on_unauthorized) return;
    try {
      callbacks_.on_unauthorized(request.remote_addr, request.method, request.path);
    } catch (const std::exception& error) {
      report(std::string("access guard: on_unauthorized threw: ") + error.what());
    } catch (...) {
      report("access guard: on_unauthorized threw a non-std exception");
    }
  };

  auto header = request.headers.find("authorization");
  std::optional<std::string_view> token =
      header == request.headers.end() ? std::nullopt : net::bearer_token(header->second);
  if (!token) {
    if (auto locked = lockout_answer(client, now)) return locked;
    notify_unauthorized();
    return unauthorized("missing bearer token: send 'Authorization: Bearer <token>'", "Bearer");
  }

  std::optional<Principal> principal;
  try {
    principal = callbacks_.authenticate(*token);
  } catch (const std::exception& error) {
    report(std::string("access guard: authenticate threw: ") + error.what());
    return HttpResponse::error(500, "internal", kLookupFailed);
  } catch (...) {
    report("access guard: authenticate threw a non-std exception");
    return HttpResponse::error(500, "internal", kLookupFailed);
  }

  if (!principal) {
    if (auto locked = lockout_answer(client, now)) return locked;
    std::optional<int> locked_after;
    {
      std::lock_guard lock(mutex_);
      locked_after = sources_.record_failure(client, now);
    }
    if (locked_after && callbacks_.on_lockout) {
      try {
        callbacks_.on_lockout(client, *locked_after);
      } catch (const std::exception& error) {
        report(std::string("access guard: on_lockout threw: ") + error.what());
      } catch (...) {
        report("access guard: on_lockout threw a non-std exception");
      }
    }
    notify_unauthorized();
    return unauthorized("invalid bearer token", "Bearer error=\"invalid_token\"");
  }

  // A valid token: answered on its role alone, locked-out source or not, and without
  // touching the source's failure count.
  if (!role_allows(principal->role, required)) {
    if (callbacks_.on_forbidden) {
      try {
        callbacks_.on_forbidden(*principal, request.method, request.path);
      } catch (const std::exception& error) {
        report(std::string("access guard: on_forbidden threw: ") + error.what());
      } catch (...) {
        report("access guard: on_forbidden threw a non-std exception");
      }
    }
    std::string role = role_access(principal->role) ? principal->role : "'" + principal->role + "' (not a known role)";
    return HttpResponse::error(403, "forbidden",
                               request.method + " " + request.path + " needs the " + std::string(to_string(required)) +
                                   " role; the token '" + principal->name + "' has role " + role);
  }

  request.principal = std::move(principal);
  return std::nullopt;
}

bool AccessGuard::locked_out(std::string_view remote_addr) const {
  const MonoTime now = clock_.now();
  const std::string client = net::client_key(remote_addr);
  std::lock_guard lock(mutex_);
  return sources_.locked_until(client, now).has_value();
}

std::size_t AccessGuard::tracked_sources() const {
  std::lock_guard lock(mutex_);
  return sources_.size();
}

}  // namespace propbot::api
