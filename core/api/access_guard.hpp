// AccessGuard: bearer-token authentication, role checks and brute-force lockout for
// the HTTP API (SPEC S-6.1, S-11). The router runs it before a protected route's body
// parse and handler; the app supplies the token lookup (the secrets store) and the
// reactions (audit entry `forbidden`, the lockout alert) as callbacks, so core/api
// depends on neither core/secrets nor core/control.
//
// check() decides, in this order (the first that applies answers):
//   1. the route is public                     -> allowed, nothing else looked at
//   2. no `Authorization: Bearer <token>`      -> source locked out: 429 locked_out +
//      (absent, other scheme, no token,           `Retry-After: <s>`, nothing looked up;
//      anything after the token)                  else 401 unauthorized "missing bearer
//                                                 token: send 'Authorization: Bearer
//                                                 <token>'" + `WWW-Authenticate: Bearer`.
//                                                 Never counted as a failure
//   3. authenticate(token) knows no such token -> source locked out: 429 locked_out +
//                                                 `Retry-After`, not counted (a lockout is
//                                                 never extended); else 401 unauthorized
//                                                 "invalid bearer token" + `WWW-Authenticate:
//                                                 Bearer error="invalid_token"`, counting
//                                                 one failure for the source
//   4. the principal's role is below the route -> 403 forbidden naming the required role
//                                                 and the caller's, on_forbidden called
//   5. otherwise                               -> allowed; request.principal is set
// A valid token is answered by 4 or 5 whether or not its source is locked out: a
// lockout refuses guesses and anonymous calls only, so it can never block an operator's
// HOLD, and an attacker behind the same proxy cannot lock everyone out. A valid token
// does not reset the source's count either (9 bad tokens + 1 good one, repeated, still
// lock the source).
// Lockout: `max_failures` failures of step 3 from one source within `failure_window`
// (sliding) lock that source for `lockout` and call on_lockout once; when the lockout
// ends the source starts with a clean count. Failures older than the window do not
// count. One source's failures or lockout never affect another source. The table of
// sources is bounded (max_sources): when full, entries with no failure inside the
// window go first, then the least recently failing unlocked source, and only then the
// lockout that ends soonest (core/common/lockout_table.hpp). A source is the peer
// address the server saw, as net::client_key() groups it — an IPv6 client by its
// /64, as the server's connection limits do; on_lockout names that key. Behind a reverse
// proxy every client shares the proxy's address (X-Forwarded-For is not trusted: a
// client could set it).
// What the lockout buys: an alert and an end to the 401 noise. It does not make tokens
// harder to guess while locked (a valid token must still pass): that is the tokens'
// length (core/secrets: at least 16 characters, 68 when generated).
//
// Token hygiene: the token is passed to authenticate() and to nothing else; it is never
// copied, logged, stored or echoed in a response (error messages are fixed texts). The
// guard compares no secrets itself: a constant-time comparison is authenticate()'s job.
// A header shaped as `Bearer <token>` follows RFC 6750 2.1 (net::bearer_token).
//
// Error bodies have the SPEC S-11 shape. An exception from authenticate() fails closed
// (500 internal, no failure counted); an exception from another callback is reported to
// `log` and does not change the answer.
//
// Threads: check() and the queries are safe from any thread (a mutex guards the source
// table; callbacks run on the caller's thread, outside that mutex, so they may call
// back into the guard). check() allocates and may block on authenticate() and the
// callbacks: it belongs on the API thread, never the engine's hot path.
// Uses: access, net/http_types, net/bearer_token (the header parse), net/client_key,
// common/clock, common/lockout_table.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/api/access.hpp"
#include "core/net/http_types.hpp"
#include "core/common/clock.hpp"
#include "core/common/lockout_table.hpp"

namespace propbot::api {

struct AccessGuardOptions {
  int max_failures = 10;                  // invalid tokens from one source within the window
  std::chrono::seconds failure_window{300};
  std::chrono::seconds lockout{900};
  std::size_t max_sources = 10000;        // bound of the failure table
};

struct AccessGuardCallbacks {
  // Required. The principal a token belongs to, or nullopt for an unknown token. Must
  // compare in constant time and must not log the token.
  std::function<std::optional<net::Principal>(std::string_view token)> authenticate;
  // A valid token whose role is too low (the app writes the audit entry `forbidden`).
  std::function<void(const net::Principal&, std::string_view method, std::string_view path)> on_forbidden;
  // A source has just been locked out after `failures` invalid tokens (the app raises
  // the alert). Called once per lockout.
  std::function<void(std::string_view remote_addr, int failures)> on_lockout;
  // Every 401 (missing, malformed or invalid token); not called for a 429.
  std::function<void(std::string_view remote_addr, std::string_view method, std::string_view path)> on_unauthorized;
  // One line per callback exception (never holds the token).
  std::function<void(std::string_view line)> log;
};

class AccessGuard {
 public:
  // `clock` must outlive the guard. Throws std::invalid_argument when authenticate is
  // empty, max_failures < 1, failure_window or lockout <= 0 or max_sources == 0
  // (start-up configuration errors).
  AccessGuard(const Clock& clock, AccessGuardCallbacks callbacks, AccessGuardOptions options = {});

  AccessGuard(const AccessGuard&) = delete;
  AccessGuard& operator=(const AccessGuard&) = delete;

  // nullopt when the request may proceed (request.principal is then set for a protected
  // route), otherwise the response to send (401, 403, 429 or 500). `required` may be
  // automatic: it is resolved from request.method and request.path. Const because the
  // router shares the guard as shared_ptr<const AccessGuard>; the failure table is
  // internal, mutex-guarded state.
  std::optional<net::HttpResponse> check(net::HttpRequest& request, Access required) const;

  // Whether `remote_addr` is locked out now.
  bool locked_out(std::string_view remote_addr) const;
  // Sources with failures or a lockout on record (bounded by max_sources).
  std::size_t tracked_sources() const;

  const AccessGuardOptions& options() const { return options_; }

 private:
  // A 429 when `remote_addr` is locked out at `now`, else nullopt.
  std::optional<net::HttpResponse> lockout_answer(const std::string& remote_addr, MonoTime now) const;
  void report(std::string_view what) const;

  const Clock& clock_;
  AccessGuardCallbacks callbacks_;
  AccessGuardOptions options_;
  mutable std::mutex mutex_;
  mutable LockoutTable sources_;  // guarded by mutex_
};

}  // namespace propbot::api
