// Url: the parts of an http(s)/ws(s) URL that a venue client needs (scheme, host,
// port, request-target), parsed once at configuration time. Boost-free.
//
// Guarantees: parse_url() never throws; the port is filled from the scheme when the
// URL has none (http/ws 80, https/wss 443); the target is never empty ("/" at least).
// IPv6 literals are written in brackets ("wss://[::1]:8443/x"); host() keeps them
// without brackets. No user-info, no fragments (rejected).
// Uses: core/common/result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::net {

struct Url {
  std::string scheme;  // lower-case: http, https, ws or wss
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string target;  // path and query, e.g. "/ws/v5/public?brokerId=9999"

  // True for https and wss.
  bool tls() const { return scheme == "https" || scheme == "wss"; }
  // "host" or "host:port" when the port is not the scheme's default (the Host header).
  std::string host_header() const;
};

// Errors: invalid_argument naming the URL and what is wrong (unknown scheme, empty
// host, bad port, user-info or fragment present).
Result<Url> parse_url(std::string_view text);

// 80 for http/ws, 443 for https/wss, 0 otherwise.
std::uint16_t default_port(std::string_view scheme);

// True when `host` is an IPv4 or IPv6 literal (then no SNI is sent and the certificate
// is checked for an IP address SAN instead of a DNS name).
bool is_ip_literal(std::string_view host);

}  // namespace propbot::net
