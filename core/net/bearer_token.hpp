// bearer_token(): the token of an `Authorization: Bearer <token>` header value (RFC 6750
// 2.1). The HTTP server reads it to decide whether an overflow connection may be served
// (http_server.hpp, "Connection limits"); the operator API's AccessGuard (core/api)
// authenticates the token it returns. Parsing only: nothing here knows what a valid
// token is.
//
// Guarantees: the scheme matches case-insensitively; one or more spaces separate it from
// exactly one token of visible ASCII (no space, tab or control byte); leading and
// trailing spaces or tabs around the whole value are ignored (HTTP strips them anyway).
// Anything else yields nullopt. The result is a view into the argument: nothing is
// copied, logged or kept.
// Threads: a pure function; never throws. Uses: nothing.
#pragma once

#include <optional>
#include <string_view>

namespace propbot::net {

std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace propbot::net
