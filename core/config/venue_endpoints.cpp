#include "core/config/venue_endpoints.hpp"

#include <array>
#include <cctype>
#include <optional>

namespace propbot::config {
namespace {

constexpr std::array<std::string_view, 4> kKeys = {kVenueRestUrl, kVenueWsUrl, kVenueWsPrivateUrl, kVenueDemo};

// What a URL key expects: its secure scheme, the plain one paper allows on loopback.
struct UrlKind {
  std::string_view secure;
  std::string_view plain;
};
constexpr UrlKind kRest{"https", "http"};
constexpr UrlKind kSocket{"wss", "ws"};

// The venues' own endpoints (shared/protocols.md A1, B1), quoted in messages so the fix
// is one copy away.
struct Examples {
  std::string_view rest_url, ws_url, ws_private_url;
};
Examples examples(std::string_view kind, Profile profile) {
  if (profile == Profile::paper) {  // an outside `propbot venue-sim` on this machine
    return {"http://127.0.0.1:<port>",
            kind == "binance" ? "ws://127.0.0.1:<port>" : "ws://127.0.0.1:<port>/ws/v5/public",
            "ws://127.0.0.1:<port>/ws/v5/private"};
  }
  const bool test = profile == Profile::testnet;
  if (kind == "binance") {
    return {test ? "https://demo-fapi.binance.com" : "https://fapi.binance.com",
            test ? "wss://fstream.binancefuture.com" : "wss://fstream.binance.com", ""};
  }
  return {"https://www.okx.com", test ? "wss://wspap.okx.com:8443/ws/v5/public" : "wss://ws.okx.com:8443/ws/v5/public",
          test ? "wss://wspap.okx.com:8443/ws/v5/private" : "wss://ws.okx.com:8443/ws/v5/private"};
}

std::string_view example_for(const Examples& e, std::string_view key) {
  if (key == kVenueRestUrl) return e.rest_url;
  if (key == kVenueWsUrl) return e.ws_url;
  return e.ws_private_url;
}

const std::string& url_of(const VenueConfig& venue, std::string_view key) {
  if (key == kVenueRestUrl) return venue.rest_url;
  if (key == kVenueWsUrl) return venue.ws_url;
  return venue.ws_private_url;
}

bool is_loopback(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots == 3;
}

struct ParsedUrl {
  std::string scheme;
  std::string host;  // IPv6 without brackets
};

// scheme://host[:port][/path], or what is wrong with it.
std::optional<ParsedUrl> parse(std::string_view text, std::string& problem) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      problem = "must not contain spaces or control characters";
      return std::nullopt;
    }
  }
  const auto separator = text.find("://");
  if (separator == std::string_view::npos || separator == 0) {
    problem = "must be a URL: scheme://host[:port][/path]";
    return std::nullopt;
  }
  ParsedUrl url;
  for (char c : text.substr(0, separator)) url.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest = text.substr(separator + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    problem = "must not carry a query or a fragment (?, #): the adapter adds its own";
    return std::nullopt;
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string_view::npos) {
    problem = "must not carry user-info (user@host): keys come from the secrets store";
    return std::nullopt;
  }
  std::optional<std::string_view> port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      problem = "has an IPv6 host without its closing ']'";
      return std::nullopt;
    }
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      problem = "has text after the IPv6 host; write [addr]:port";
      return std::nullopt;
    }
    if (!after.empty()) port = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) {
    problem = "has no host";
    return std::nullopt;
  }
  if (port) {
    int number = 0;
    bool digits = !port->empty() && port->size() <= 5;
    for (char c : *port) {
      digits = digits && std::isdigit(static_cast<unsigned char>(c));
      if (digits) number = number * 10 + (c - '0');
    }
    if (!digits || number < 1 || number > 65535) {
      problem = "has a port that is not a number in [1, 65535]";
      return std::nullopt;
    }
  }
  return url;
}

// One URL key's value against its scheme rule; nullopt when it is fine.
std::optional<std::string> check_url(std::string_view text, UrlKind kind, Profile profile) {
  std::string problem;
  auto url = parse(text, problem);
  if (!url) return problem;
  const std::string secure = std::string(kind.secure) + "://";
  const std::string plain = std::string(kind.plain) + "://";
  if (url->scheme == kind.secure) return std::nullopt;
  if (url->scheme == kind.plain) {
    if (profile != Profile::paper) {
      return "must start with " + secure + " in the " + std::string(to_string(profile)) + " profile (" + plain +
             " is allowed in the paper profile only, for a loopback simulator)";
    }
    if (is_loopback(url->host)) return std::nullopt;
    return plain + " is allowed only for a loopback host (127.0.0.1, ::1, localhost), e.g. a propbot venue-sim on "
                   "this machine; use " + secure + " for host '" + url->host + "'";
  }
  return "must start with " + secure + (profile == Profile::paper ? " (or " + plain + " for a loopback simulator)" : "");
}

void check_kind_sim(const VenueConfig& venue, std::vector<EndpointProblem>& out) {
  constexpr std::string_view kRule =
      "kind 'sim' is the in-process random walk and connects nowhere; remove this key, or use kind binance / okx";
  for (std::string_view key : {kVenueRestUrl, kVenueWsUrl, kVenueWsPrivateUrl}) {
    if (!url_of(venue, key).empty()) out.push_back({std::string(key), url_of(venue, key), std::string(kRule)});
  }
  if (venue.demo) out.push_back({std::string(kVenueDemo), "true", std::string(kRule)});
}

}  // namespace

std::span<const std::string_view> venue_endpoint_keys() { return kKeys; }

std::vector<EndpointProblem> check_venue_endpoints(const VenueConfig& venue, Profile profile) {
  std::vector<EndpointProblem> out;
  if (venue.kind == "sim") {
    check_kind_sim(venue, out);
    return out;
  }
  if (venue.kind != "binance" && venue.kind != "okx") return out;  // the kind's own issue says it all
  const bool okx = venue.kind == "okx";
  const Examples example = examples(venue.kind, profile);
  if (!okx) {
    if (!venue.ws_private_url.empty()) {
      out.push_back({std::string(kVenueWsPrivateUrl), venue.ws_private_url,
                     "kind binance has no separate private URL: its user stream uses ws_url's host (routed path "
                     "/private); remove this key"});
    }
    if (venue.demo) {
      out.push_back({std::string(kVenueDemo), "true",
                     "kind binance has no demo switch: its test network is a host of its own; remove this key and "
                     "point rest_url / ws_url at it (https://demo-fapi.binance.com, wss://fstream.binancefuture.com)"});
    }
  }
  std::vector<std::string_view> needed = {kVenueRestUrl, kVenueWsUrl};
  if (okx) needed.push_back(kVenueWsPrivateUrl);
  bool any_set = false;
  for (std::string_view key : needed) any_set = any_set || !url_of(venue, key).empty();
  for (std::string_view key : needed) {
    const std::string& value = url_of(venue, key);
    const std::string e_g = "e.g. " + std::string(example_for(example, key));
    if (value.empty()) {
      if (any_set) {
        out.push_back({std::string(key), "",
                       "required once another endpoint of this venue is set: a venue connects to all of its endpoints "
                       "or to none (none = the embedded simulator, paper only); " + e_g});
      } else if (profile != Profile::paper) {
        out.push_back({std::string(key), "",
                       "required for kind " + venue.kind + " in the " + std::string(to_string(profile)) +
                           " profile (only paper has the embedded simulator); " + e_g});
      }
      continue;
    }
    if (auto problem = check_url(value, key == kVenueRestUrl ? kRest : kSocket, profile)) {
      out.push_back({std::string(key), value, *problem + "; " + e_g});
    }
  }
  if (okx && profile == Profile::testnet && !venue.demo) {
    out.push_back({std::string(kVenueDemo), "false",
                   "must be true for kind okx in the testnet profile: OKX demo trading shares the production REST host "
                   "and is chosen by the x-simulated-trading header, so without it orders would reach the live "
                   "exchange; add 'demo: true'"});
  }
  if (okx && profile == Profile::live && venue.demo) {
    out.push_back({std::string(kVenueDemo), "true",
                   "demo trading is refused in the live profile; remove it, or use the testnet profile"});
  }
  return out;
}

std::string venue_env_name(std::string_view venue_id, std::string_view key) {
  std::string name(kVenueEnvPrefix);
  for (char c : venue_id) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  name += "__";
  for (char c : key) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace propbot::config
