#include "core/venues/sim/host/admin_routes.hpp"

#include <cmath>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/common/json_util.hpp"
#include "core/venues/sim/host/admin_json.hpp"
#include "core/venues/sim/host/venue_sim_host.hpp"

namespace propbot::venues::sim {
namespace {

using net::HttpRequest;
using net::HttpResponse;
using nlohmann::json;

int status_for(Errc code) {
  switch (code) {
    case Errc::invalid_argument:
    case Errc::parse_error:
    case Errc::out_of_range:
    case Errc::overflow: return 400;
    case Errc::not_found: return 404;
    case Errc::already_exists:
    case Errc::conflict: return 409;
    case Errc::unavailable: return 503;
    default: return 500;
  }
}

HttpResponse error_response(const Error& error) {
  return HttpResponse::error(status_for(error.code), to_string(error.code), error.message);
}

HttpResponse bad_request(const std::string& message) {
  return HttpResponse::error(400, "invalid_argument", message);
}

std::string known_venues(VenueSimHost& host) {
  std::string names;
  for (const auto& name : host.venue_names()) names += (names.empty() ? "" : ", ") + name;
  return names.empty() ? "(none)" : names;
}

HttpResponse unknown_venue(VenueSimHost& host, const std::string& name, int status = 404) {
  return HttpResponse::error(status, status == 404 ? "not_found" : "invalid_argument",
                             "venue: unknown venue '" + name + "'; hosted: " + known_venues(host));
}

// Optional JSON object body (empty = {}); the router's json_body would refuse empty.
Result<json> optional_object(const HttpRequest& request) {
  if (request.body.empty()) return json::object();
  json body = parse_json_or_discarded(request.body, kMaxRequestJsonDepth);
  if (body.is_discarded()) {
    return make_error(Errc::invalid_argument, "body: malformed JSON or nested deeper than " +
                                                  std::to_string(kMaxRequestJsonDepth) + " levels");
  }
  if (!body.is_object()) return make_error(Errc::invalid_argument, "body: must be a JSON object");
  return body;
}

json market_view(VenueSimHost& host) {
  json quotes = json::object();
  for (const auto& [venue, ticks] : host.market().current()) {
    json by_symbol = json::object();
    for (const auto& tick : ticks) {
      by_symbol[tick.symbol] = json{{"mid", tick.mid}, {"mark", tick.mark}, {"index", tick.index},
                                    {"funding_rate", tick.funding_rate}};
    }
    quotes[venue] = std::move(by_symbol);
  }
  json symbols = json::array();
  for (const auto& symbol : host.market().symbols()) symbols.push_back(symbol.symbol);
  return json{{"params", market_params_to_json(host.market().params())},
              {"steps", host.market().steps()},
              {"symbols", std::move(symbols)},
              {"quotes", std::move(quotes)}};
}

struct JumpRequest {
  std::string venue;   // empty = every venue
  std::string symbol;  // empty = every symbol
  double bps = 0;
};

// {"venue"?: name, "symbol"?: symbol, "bps": number}, every name checked.
Result<JumpRequest> parse_jump(VenueSimHost& host, const json& jump) {
  if (!jump.is_object()) return make_error(Errc::invalid_argument, "jump: must be an object {venue?, symbol?, bps}");
  for (const auto& [name, value] : jump.items()) {
    if (name != "venue" && name != "symbol" && name != "bps") {
      return make_error(Errc::invalid_argument, "jump." + name + ": unknown field; known: venue, symbol, bps");
    }
  }
  JumpRequest request;
  if (const auto it = jump.find("venue"); it != jump.end()) {
    if (!it->is_string()) return make_error(Errc::invalid_argument, "jump.venue: must be a string");
    request.venue = it->get<std::string>();
    if (!request.venue.empty() && host.venue(request.venue) == nullptr) {
      return make_error(Errc::invalid_argument,
                        "jump.venue: unknown venue '" + request.venue + "'; hosted: " + known_venues(host));
    }
  }
  if (const auto it = jump.find("symbol"); it != jump.end()) {
    if (!it->is_string()) return make_error(Errc::invalid_argument, "jump.symbol: must be a string");
    request.symbol = it->get<std::string>();
    bool listed = request.symbol.empty();
    for (const auto& known : host.market().symbols()) listed |= known.symbol == request.symbol;
    if (!listed) return make_error(Errc::invalid_argument, "jump.symbol: '" + request.symbol + "' is not listed");
  }
  const auto bps = jump.find("bps");
  if (bps == jump.end() || !bps->is_number()) return make_error(Errc::invalid_argument, "jump.bps: must be a number");
  request.bps = bps->get<double>();
  if (!std::isfinite(request.bps) || std::abs(request.bps) >= 10000) {
    return make_error(Errc::invalid_argument, "jump.bps: must be in (-10000, 10000)");
  }
  return request;
}

Status apply_jump(VenueSimHost& host, const JumpRequest& jump) {
  if (Status moved = host.market().jump(jump.venue, jump.symbol, jump.bps); !moved) {
    return make_error(Errc::invalid_argument, "jump." + moved.error().message);
  }
  // "Now": the venues quote the new mid without waiting for the next tick.
  host.publish_current();
  return {};
}

// POST /admin/accounts/adjust {"venue", "api_key", "asset", "amount"}: a deposit
// (amount > 0) or withdrawal (< 0) on one account, as SimulatedVenue::adjust_balance.
// 200 {"venue", "api_key", "asset", "amount", "wallet"}; 400 on a bad field, 404 for an
// unknown venue or key, 409 for a debit beyond the wallet.
void add_account_adjust_route(net::Router& router, VenueSimHost& host) {
  router.add("POST", "/admin/accounts/adjust", [&host](const HttpRequest& request) {
    const json& body = request.json;
    for (const auto& [name, value] : body.items()) {
      if (name != "venue" && name != "api_key" && name != "asset" && name != "amount") {
        return bad_request(name + ": unknown field; known: venue, api_key, asset, amount");
      }
    }
    for (const char* field : {"venue", "api_key", "asset"}) {
      const auto it = body.find(field);
      if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) {
        return bad_request(std::string(field) + ": must be a non-empty string");
      }
    }
    const std::string venue = body["venue"], api_key = body["api_key"], asset = body["asset"];
    HostedVenue* hosted = host.venue(venue);
    if (hosted == nullptr) return unknown_venue(host, venue);
    const auto amount_field = body.find("amount");
    if (amount_field == body.end()) return bad_request("amount: is required (string or number, non-zero)");
    auto amount = decimal_from_json(*amount_field, "amount");
    if (!amount) return error_response(amount.error());
    Result<Decimal> wallet = [&] {
      std::lock_guard lock(hosted->call_mutex);
      return hosted->venue->adjust_balance(api_key, asset, *amount);
    }();
    if (!wallet) return error_response(wallet.error());
    // The secret is never echoed (nor asked for).
    return HttpResponse::json(200, json{{"venue", venue},
                                        {"api_key", api_key},
                                        {"asset", asset},
                                        {"amount", amount->normalized().to_string()},
                                        {"wallet", wallet->normalized().to_string()}});
  }, net::RouteOptions{.json_body = true});
}

}  // namespace

void add_admin_routes(net::Router& router, VenueSimHost& host) {
  const net::RouteOptions with_json{.json_body = true};

  router.add("GET", "/admin/health", [&host](const HttpRequest&) {
    const HostHealth health = host.health();
    const std::string prices = host.market().price_problem();
    json venues = json::array();
    for (const auto& name : host.venue_names()) {
      HostedVenue* hosted = host.venue(name);
      venues.push_back(json{{"name", name}, {"protocol", std::string(hosted->venue->protocol())}, {"url", hosted->url}});
    }
    return HttpResponse::json(200, json{{"status", health.last_error.empty() && prices.empty() ? "ok" : "degraded"},
                                        {"prices", prices.empty() ? std::string("ok") : prices},
                                        {"admin_url", host.admin_url()},
                                        {"venues", std::move(venues)},
                                        {"ticks", health.ticks},
                                        {"tick_errors", health.tick_errors},
                                        {"last_error", health.last_error},
                                        {"funding_settlements", health.funding_settlements},
                                        {"next_funding_in_ms", health.next_funding_in.count()}});
  });

  router.add("GET", "/admin/venues", [&host](const HttpRequest&) {
    json venues = json::array();
    for (const auto& name : host.venue_names()) {
      HostedVenue* hosted = host.venue(name);
      json state;
      {
        std::lock_guard lock(hosted->call_mutex);
        state = hosted->venue->describe();
      }
      venues.push_back(json{{"name", name},
                            {"protocol", std::string(hosted->venue->protocol())},
                            {"url", hosted->url},
                            {"state", std::move(state)}});
    }
    return HttpResponse::json(200, json{{"venues", std::move(venues)}});
  });

  // The back office: every order the venue accepted (SimulatedVenue::accepted_orders).
  router.add("GET", "/admin/orders", [&host](const HttpRequest& request) {
    const auto venue = request.query.find("venue");
    if (venue == request.query.end() || venue->second.empty()) {
      return bad_request("venue: is required (?venue=<name>); hosted: " + known_venues(host));
    }
    HostedVenue* hosted = host.venue(venue->second);
    if (hosted == nullptr) return unknown_venue(host, venue->second);
    std::optional<json> orders;
    {
      std::lock_guard lock(hosted->call_mutex);
      orders = hosted->venue->accepted_orders();
    }
    if (!orders) return HttpResponse::error(404, "not_found", "venue: '" + venue->second + "' keeps no order log");
    (*orders)["venue"] = venue->second;
    return HttpResponse::json(200, std::move(*orders));
  });

  router.add("POST", "/admin/accounts", [&host](const HttpRequest& request) {
    auto parsed = parse_account_request(request.json);
    if (!parsed) return error_response(parsed.error());
    HostedVenue* hosted = host.venue(parsed->venue);
    if (hosted == nullptr) return unknown_venue(host, parsed->venue, 400);
    if (hosted->venue->protocol() == "okx" && parsed->spec.passphrase.empty()) {
      return bad_request("passphrase: is required for an okx account");
    }
    Status created = [&] {
      std::lock_guard lock(hosted->call_mutex);
      return hosted->venue->create_account(parsed->spec);
    }();
    if (!created) {
      if (created.error().code == Errc::already_exists) {
        return HttpResponse::error(409, "already_exists",
                                   "api_key: an account with this key already exists on " + parsed->venue);
      }
      return error_response(created.error());
    }
    json balances = json::object();
    for (const auto& [asset, amount] : parsed->spec.balances) balances[asset] = amount.to_string();
    // The secret is never echoed.
    return HttpResponse::json(201, json{{"venue", parsed->venue},
                                        {"api_key", parsed->spec.api_key},
                                        {"balances", std::move(balances)}});
  }, with_json);

  router.add("GET", "/admin/faults/{venue}", [&host](const HttpRequest& request) {
    HostedVenue* hosted = host.venue(request.params.at("venue"));
    if (hosted == nullptr) return unknown_venue(host, request.params.at("venue"));
    std::lock_guard lock(hosted->call_mutex);
    return HttpResponse::json(200, fault_plan_to_json(hosted->venue->faults()));
  });

  router.add("PUT", "/admin/faults/{venue}", [&host](const HttpRequest& request) {
    HostedVenue* hosted = host.venue(request.params.at("venue"));
    if (hosted == nullptr) return unknown_venue(host, request.params.at("venue"));
    std::lock_guard lock(hosted->call_mutex);
    auto merged = merge_fault_plan(hosted->venue->faults(), request.json);
    if (!merged) return error_response(merged.error());
    hosted->venue->set_faults(*merged);
    return HttpResponse::json(200, fault_plan_to_json(hosted->venue->faults()));
  }, with_json);

  router.add("POST", "/admin/faults/{venue}/reset", [&host](const HttpRequest& request) {
    HostedVenue* hosted = host.venue(request.params.at("venue"));
    if (hosted == nullptr) return unknown_venue(host, request.params.at("venue"));
    std::lock_guard lock(hosted->call_mutex);
    hosted->venue->set_faults(FaultPlan{});
    return HttpResponse::json(200, fault_plan_to_json(hosted->venue->faults()));
  });

  router.add("POST", "/admin/liquidate", [&host](const HttpRequest& request) {
    const json& body = request.json;
    for (const auto& [name, value] : body.items()) {
      if (name != "venue" && name != "symbol" && name != "mark") {
        return bad_request(name + ": unknown field; known: venue, symbol, mark");
      }
    }
    const auto venue = body.find("venue");
    if (venue == body.end() || !venue->is_string()) return bad_request("venue: must be a string");
    HostedVenue* hosted = host.venue(venue->get<std::string>());
    if (hosted == nullptr) return unknown_venue(host, venue->get<std::string>(), 400);
    const auto symbol = body.find("symbol");
    if (symbol == body.end() || !symbol->is_string()) return bad_request("symbol: must be a string such as BTC-USDT");
    bool listed = false;
    for (const auto& known : host.market().symbols()) listed |= known.symbol == symbol->get<std::string>();
    if (!listed) return bad_request("symbol: '" + symbol->get<std::string>() + "' is not listed");
    const auto mark_field = body.find("mark");
    if (mark_field == body.end()) return bad_request("mark: is required");
    auto mark = decimal_from_json(*mark_field, "mark");
    if (!mark) return error_response(mark.error());
    if (mark->sign() <= 0) return bad_request("mark: must be > 0");
    {
      std::lock_guard lock(hosted->call_mutex);
      hosted->venue->force_mark(symbol->get<std::string>(), *mark);
    }
    return HttpResponse::json(200, json{{"venue", venue->get<std::string>()},
                                        {"symbol", symbol->get<std::string>()},
                                        {"mark", mark->to_string()}});
  }, with_json);

  router.add("GET", "/admin/market", [&host](const HttpRequest&) { return HttpResponse::json(200, market_view(host)); });

  router.add("PUT", "/admin/market", [&host](const HttpRequest& request) {
    json patch = request.json;
    // Everything is checked before anything changes: a bad jump leaves the params alone.
    std::optional<JumpRequest> jump;
    if (const auto it = patch.find("jump"); it != patch.end()) {
      auto parsed = parse_jump(host, *it);
      if (!parsed) return error_response(parsed.error());
      jump = *parsed;
      patch.erase("jump");
    }
    auto merged = merge_market_params(host.market().params(), patch);
    if (!merged) return error_response(merged.error());
    if (Status updated = host.market().update(*merged); !updated) return error_response(updated.error());
    if (jump) {
      if (Status moved = apply_jump(host, *jump); !moved) return error_response(moved.error());
    }
    return HttpResponse::json(200, market_view(host));
  }, with_json);

  router.add("POST", "/admin/market/jump", [&host](const HttpRequest& request) {
    auto jump = parse_jump(host, request.json);
    if (!jump) return error_response(jump.error());
    if (Status moved = apply_jump(host, *jump); !moved) return error_response(moved.error());
    return HttpResponse::json(200, market_view(host));
  }, with_json);

  router.add("POST", "/admin/funding/settle", [&host](const HttpRequest& request) {
    auto body = optional_object(request);
    if (!body) return error_response(body.error());
    host.settle_funding();
    return HttpResponse::json(200, json{{"settled", host.venue_names()},
                                        {"funding_settlements", host.health().funding_settlements}});
  });

  add_account_adjust_route(router, host);
}

}  // namespace propbot::venues::sim
