// Fuzz targets for every JSON entry point (issue 10): the parser venue replies and
// export files go through, the audit verifier's strict parser and canonical form, the
// API's request bodies as a handler sees them (copied, canonicalised, dumped: the walks
// that recursed 70,000 deep and crashed the daemon), the venue simulator's admin API
// with the real Binance and OKX frontends behind it, and the recorded market a
// validation worker reads. Each runs for PROPBOT_FUZZ_SECONDS (3 s in CI) from a
// printed seed (PROPBOT_FUZZ_SEED replays one). "No crash" is the assertion the process
// makes by finishing; each target also checks what it can of the answers.
#include <filesystem>
#include <iterator>
#include <limits>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/net/router.hpp"
#include "core/bundle/recorded_market_json.hpp"
#include "core/common/clock.hpp"
#include "core/common/json_util.hpp"
#include "core/control/canonical_json.hpp"
#include "core/venues/sim/host/admin_routes.hpp"
#include "core/venues/sim/host/venue_factory.hpp"
#include "core/venues/sim/host/venue_sim_host.hpp"
#include "tests/fuzz/mutator.hpp"

namespace propbot::fuzz {
namespace {

using nlohmann::json;

const std::vector<std::string> kJsonTokens = {"[", "{", "]", "}", "\"", "\\", "\\u0000", "\\ud800", ":", ",",
                                              "{\"a\":", "[[[[", "1e999", "-0", "null", "true", "\xff", "\xc3\x28",
                                              "12345678901234567890", "0.1", "\"\"", "{}", "[]"};

// The canonical payloads of the real venues (tests/fixtures/venues) plus API bodies.
std::vector<std::string> json_seeds() {
  std::vector<std::string> seeds = {
      R"({"kind":"resume","reason":"ops","payload":{"a":[1,2,{"b":"c"}]}})",
      R"({"files":{"strategies/x.lua":"return {}"},"message":"why"})",
      R"({"severity":"P2","component":"ops","summary":"note"})",
      R"({"volatility_bps":2,"jump":{"venue":"binance","symbol":"BTC-USDT","bps":-500}})",
      R"({"venue":"okx","api_key":"k","api_secret":"s","passphrase":"p","balances":{"USDT":100000}})",
      R"({"reject_orders":true,"added_latency_ms":5,"rate_limit_storm":false})",
  };
  const std::filesystem::path fixtures = std::filesystem::path(PROPBOT_SOURCE_DIR) / "tests/fixtures/venues";
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(fixtures, error), end; !error && it != end; it.increment(error)) {
    if (it->path().extension() != ".json") continue;
    std::ifstream in(it->path());
    std::stringstream text;
    text << in.rdbuf();
    seeds.push_back(text.str());
  }
  return seeds;
}

// A structure-aware variant for entry points that refuse malformed JSON up front (the
// admin API): a well-formed document whose values were replaced by other values of any
// type — huge, negative, NaN-like, empty, deep, long — so the field checks behind the
// parser get exercised, not just the parser.
json random_value(Mutator& mutator, int depth = 0) {
  switch (mutator.pick(depth > 3 ? 9 : 11)) {
    case 0: return nullptr;
    case 1: return mutator.pick(2) == 0;
    case 2: return static_cast<std::int64_t>(mutator.pick(1u << 31)) - (1ll << 30);
    case 3: return std::vector<double>{1e308, -1e308, 5e-324, -0.0, 0.5, 1e9, -1e9}[mutator.pick(7)];
    case 4: return std::vector<std::string>{"", "NaN", "inf", "-1", "1e999", "0x10", "BTC-USDT", "binance", "okx",
                                            "USDT", "\u0000"}[mutator.pick(11)];
    case 5: return std::string(mutator.pick(5000), 'x');
    case 6: return std::numeric_limits<std::uint64_t>::max();
    case 7: return std::to_string(mutator.pick(100000)) + "." + std::to_string(mutator.pick(1000000));
    case 8: return json::object();
    case 9: {
      json array = json::array();
      for (std::size_t i = 0, n = mutator.pick(4); i < n; ++i) array.push_back(random_value(mutator, depth + 1));
      return array;
    }
    default: {
      json object = json::object();
      for (std::size_t i = 0, n = mutator.pick(4); i < n; ++i) object["k" + std::to_string(i)] = random_value(mutator, depth + 1);
      return object;
    }
  }
}

std::string mutate_values(const std::string& seed, Mutator& mutator) {
  json document = json::parse(seed, nullptr, false);
  if (!document.is_object() || document.empty()) return seed;
  json* node = &document;
  while (node->is_object() && !node->empty() && mutator.pick(3) != 0) {
    auto it = node->begin();
    std::advance(it, static_cast<std::ptrdiff_t>(mutator.pick(node->size())));
    if (!it->is_object() || it->empty()) {
      *it = random_value(mutator);
      return document.dump();
    }
    node = &*it;
  }
  if (node->is_object()) {
    if (mutator.pick(4) == 0) {
      (*node)["unexpected_" + std::to_string(mutator.pick(10))] = random_value(mutator);
    } else if (!node->empty()) {
      auto it = node->begin();
      std::advance(it, static_cast<std::ptrdiff_t>(mutator.pick(node->size())));
      *it = random_value(mutator);
    }
  }
  return document.dump();
}

const std::vector<std::string>& json_seeds_cache() {
  static const std::vector<std::string> seeds = json_seeds();
  return seeds;
}

template <typename Body>
void fuzz(const std::string& name, const std::vector<std::string>& seeds, Body body) {
  FuzzRun run(name);
  Mutator mutator(run.seed(), kJsonTokens);
  std::size_t i = 0;
  while (run.more()) {
    const std::string& seed = seeds[i++ % seeds.size()];
    const std::string& other = seeds[mutator.pick(seeds.size())];
    run.count(!body(mutator.mutate(seed, other)));
  }
}

TEST(JsonFuzz, ParsersAndTheCanonicalFormNeverCrashAndRefuseDeepDocuments) {
  fuzz("json fuzz (parse_json, parse_strict_json, canonicalize)", json_seeds(), [](const std::string& input) {
    auto parsed = parse_json(input);
    auto strict = control::parse_strict_json(input);
    auto canonical = control::canonicalize(input);
    if (parsed) {
      EXPECT_FALSE(json_depth_exceeded_at(input, kMaxJsonDepth).has_value());
      (void)parsed->dump(-1, ' ', false, json::error_handler_t::replace);
      json copy = *parsed;  // the recursive walks a deep document would overflow
      EXPECT_EQ(copy, *parsed);
    }
    if (canonical) {
      EXPECT_TRUE(control::is_canonical_json(*canonical));
    }
    return parsed.ok() && strict.ok();
  });
}

TEST(JsonFuzz, ApiBodiesReachHandlersOnlyWhenBoundedAndWellFormed) {
  net::Router router;
  router.add("POST", "/api/ui/approvals", [](const net::HttpRequest& request) {
    const json copy = request.json;  // what the approval route does with `payload`
    auto canonical = control::canonical_json(json{{"details", copy}});
    return net::HttpResponse::json(200, json{{"canonical", canonical.ok()}, {"size", copy.size()}});
  }, net::RouteOptions{.json_body = true});
  fuzz("json fuzz (API request bodies)", json_seeds(), [&router](const std::string& input) {
    net::HttpRequest request;
    request.method = "POST";
    request.target = "/api/ui/approvals";
    request.body = input;
    const net::HttpResponse response = router.dispatch(request);
    EXPECT_TRUE(response.status == 200 || response.status == 400) << response.status << " " << response.body;
    EXPECT_FALSE(parse_json(response.body).value().is_discarded());
    return response.status == 200;
  });
}

TEST(JsonFuzz, TheSimulatorAdminApiAnswersEveryBodyWithA2xxOr4xx) {
  venues::sim::VenueSimHostOptions options;
  options.seed = 3;
  options.market.tick_ms = 60'000;
  for (const std::string& protocol : venues::sim::built_protocols()) {
    auto factory = venues::sim::venue_factory(protocol);
    ASSERT_TRUE(factory.ok());
    options.venues.push_back(venues::sim::HostedVenueSpec{protocol, 0, *factory});
  }
  RealClock clock;
  venues::sim::VenueSimHost host(std::move(options), clock);
  ASSERT_TRUE(host.start().ok());
  net::Router router;
  venues::sim::add_admin_routes(router, host);
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"PUT", "/admin/market"},        {"POST", "/admin/market/jump"}, {"POST", "/admin/accounts"},
      {"PUT", "/admin/faults/binance"}, {"PUT", "/admin/faults/okx"},   {"POST", "/admin/liquidate"}};
  std::size_t n = 0;
  Mutator values(1, {});
  fuzz("json fuzz (venue simulator admin API)", json_seeds(), [&](const std::string& input) {
    const auto& [method, path] = routes[n++ % routes.size()];
    net::HttpRequest request;
    request.method = method;
    request.target = path;
    // Half the bodies are well-formed with odd values, half mutated bytes.
    request.body = n % 2 == 0 ? input : mutate_values(json_seeds_cache()[values.pick(json_seeds_cache().size())], values);
    const net::HttpResponse response = router.dispatch(request);
    EXPECT_LT(response.status, 500) << method << " " << path << " " << response.body.substr(0, 300);
    if (n % 64 == 0) host.tick_once();  // whatever the fuzz set, the market keeps quoting
    return response.status < 300;
  });
  // Faults and jumps the fuzz set must not have broken the market for good.
  for (const std::string& venue : host.venue_names()) {
    net::HttpRequest reset;
    reset.method = "POST";
    reset.target = "/admin/faults/" + venue + "/reset";
    EXPECT_EQ(router.dispatch(reset).status, 200);
  }
  host.tick_once();
  EXPECT_EQ(host.market().price_problem(), "");
  host.stop();
}

TEST(JsonFuzz, RecordedMarketsFromAnotherProcessAreCheckedFieldByField) {
  scripting::RecordedMarket market({"BINANCE", "OKX"}, UtcTime{});
  md::OrderBook book(md::InstrumentSpec{"OKX", "ETH-USDT", "PERP", 0.01, 0.1, 5.0});
  const std::vector<md::BookLevel> bids{{300'001, 5}, {300'000, 7}}, asks{{300'003, 2}};
  book.apply_snapshot(bids, asks, 42, MonoTime{});
  market.add(book);
  market.add_funding("OKX", "ETH-USDT", scripting::FundingView{0.0001, 3000.01, 2999.5, 1});
  const std::vector<std::string> seeds = {bundle::recorded_market_to_json(market).dump()};
  fuzz("json fuzz (recorded market for the validation worker)", seeds, [](const std::string& input) {
    auto document = parse_json(input);
    if (!document) return false;
    auto decoded = bundle::recorded_market_from_json(*document);
    if (decoded) {
      EXPECT_LE(decoded->books().size(), bundle::kMaxRecordedBooks);
    }
    return decoded.ok();
  });
}

}  // namespace
}  // namespace propbot::fuzz
