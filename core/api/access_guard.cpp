#include "core/api/access_guard.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <utility>

namespace propbot::api {
namespace {

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

constexpr std::string_view kLookupFailed =
    "internal error while checking the bearer token; details are in the server log";

HttpResponse unauthorized(std::string_view message, std::string challenge) {
  HttpResponse response = HttpResponse::error(401, "unauthorized", message);
  response.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  return response;
}

}  // namespace

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  while (!authorization.empty() && is_blank(authorization.front())) authorization.remove_prefix(1);
  while (!authorization.empty() && is_blank(authorization.back())) authorization.remove_suffix(1);
  constexpr std::string_view kScheme = "Bearer";
  if (authorization.size() <= kScheme.size() || !iequals_ascii(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) return std::nullopt;
  // One token: visible ASCII only, so no second word, no tab, no control byte.
  bool visible = std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!visible) return std::nullopt;
  return token;
}

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
  const std::string client = client_key(request.remote_addr);
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
      header == request.headers.end() ? std::nullopt : bearer_token(header->second);
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
  const std::string client = client_key(remote_addr);
  std::lock_guard lock(mutex_);
  return sources_.locked_until(client, now).has_value();
}

std::size_t AccessGuard::tracked_sources() const {
  std::lock_guard lock(mutex_);
  return sources_.size();
}

}  // namespace propbot::api
