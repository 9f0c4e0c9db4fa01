// client_key(): the client a peer address stands for, so that per-client limits count
// hosts rather than addresses. The HTTP server's connection limits (http_server.hpp) and
// the operator API's lockout (core/api/access_guard.hpp) use this one rule, so a client
// is the same client to both.
//
// Guarantees: an IPv4 address is returned as it is; an IPv4-mapped IPv6 address as its
// IPv4 form; any other IPv6 address as its /64 ("2001:db8:1:2::/64": one host owns a
// whole /64 and can rotate through it); text that is not an address as it is.
// Threads: a pure function; never throws (beyond std::bad_alloc). Uses: inet_pton/ntop.
#pragma once

#include <string>
#include <string_view>

namespace propbot::net {

std::string client_key(std::string_view remote_addr);

}  // namespace propbot::net
