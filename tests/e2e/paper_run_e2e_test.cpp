// The paper run (issue 12, acceptance, last bullet): the real daemon in the paper
// profile, after a two-man resume, trades on its own for PROPBOT_PAPER_RUN_SECONDS (120
// by default; docs/PAPER_RUN_REPORT.md is a 1800 s run) and stays hedged; at the end its
// `exposure` equals the simulator's positions.
//
// The simulator is an OUTSIDE `propbot venue-sim` (its back office is where positions and
// accepted orders are counted; the embedded one has no reachable admin port) run with the
// paper config's `sim:` parameters (seed, tick, walk, spread, depth, dislocations), and
// the daemon runs the shipped bundle with only its venues' endpoints pointed at it, so the
// strategies, policies and risk caps are the paper profile's.
//
// Every PROPBOT_PAPER_RUN_SAMPLE_MS (3000): Σ net_qty per symbol over venues must be
// within one lot (the coarser venue's step). A trade caught between its legs is sampled
// again until it has ended (a hedge takes milliseconds); only an imbalance that outlives
// every working trade counts. Any P0 is reported with its summary (a `hedge_lost` names
// the unhedged leg) and fails the test. At the end: trades ≥ one per minute, fills on
// both venues, no hedge lost; then HOLD and the exposure per venue and symbol equal to
// the simulator's position. The summary (trades, fills, max |Σ net_qty|, PnL at the
// simulator, hedge latency p95) is printed and, with PROPBOT_PAPER_RUN_REPORT=FILE,
// written there as markdown.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/config/loader.hpp"
#include "core/exec/client_order_id.hpp"
#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/outside_venue_sim.hpp"
#include "tests/e2e/second_factor.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::map<std::string, std::string> kVenueKeys = {
    {"binance.api_key", "paperBinanceKey1"}, {"binance.api_secret", "paperBinanceSecret1"},
    {"okx.api_key", "paperOkxKey1"},         {"okx.api_secret", "paperOkxSecret1"},
    {"okx.passphrase", "paperOkxPass1"},
};
const std::vector<std::string> kSymbols = {"BTC-USDT", "ETH-USDT"};
// One lot per symbol: the coarser venue step (Binance 0.001 for both; OKX is finer).
const std::map<std::string, double> kLot = {{"BTC-USDT", 0.001}, {"ETH-USDT", 0.001}};

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

double number(const json& value) { return json_number(value); }

std::string fixed(double value, int decimals) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << value;
  return out.str();
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// (venue, symbol) -> base quantity.
using Book = std::map<std::pair<std::string, std::string>, double>;

// What the run measured; every figure of the report.
struct Summary {
  int seconds = 0;
  int samples = 0;
  int samples_in_flight = 0;  // samples that caught a trade between its legs (sampled again)
  double max_abs_net = 0;     // max over settled samples and symbols of |Σ net_qty|
  std::string max_abs_net_symbol;
  int hedge_violations = 0;   // settled samples beyond one lot
  std::string first_violation;
  json counters;
  std::set<std::string> trade_ids, hedged_ids, regimes;
  std::map<std::string, int> trades_per_symbol;
  std::map<std::string, int> filled_orders_per_venue;
  std::map<std::string, double> hedge_latency_ms;  // client order id -> latency
  std::optional<double> daemon_p95;
  std::vector<std::string> p0s;
  double wallet_start = 0, wallet_end = 0, unrealized = 0;
  Book exposure, simulator;
  bool exposure_matches = false;
};

class PaperRunE2E : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto* process : {daemon_.get(), sim_.get()}) {
      if (process != nullptr && process->running()) {
        process->send_signal(SIGTERM);
        (void)process->wait_exit(20s);
      }
    }
    if (HasFailure() && daemon_ != nullptr) {
      const std::string err = daemon_->stderr_text();
      std::cout << "--- daemon stderr (last 6000 bytes) ---\n" << err.substr(err.size() > 6000 ? err.size() - 6000 : 0);
    }
  }

  // The paper profile's sim parameters, read the daemon's way.
  static config::SimConfig paper_sim() {
    config::LoadOptions options;
    options.profile = config::Profile::paper;
    options.config_file = (fs::path(PROPBOT_SOURCE_DIR) / "configs" / "paper.yaml").string();
    options.data_dir = fs::temp_directory_path().string();
    const config::LoadOutcome loaded = config::load_config(options);
    EXPECT_TRUE(loaded.config.has_value()) << (loaded.issues.empty() ? "" : loaded.issues.front().message);
    return loaded.config ? loaded.config->sim : config::SimConfig{};
  }

  // A paper secrets store (made by a first start) with the venue keys added by the CLI.
  void make_store() {
    DaemonProcess first({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_.path()});
    ASSERT_TRUE(first.start());
    ASSERT_TRUE(first.wait_for_listening(60s).has_value()) << first.stderr_text();
    first.send_signal(SIGTERM);
    ASSERT_EQ(first.wait_exit(30s).value_or(-1), 0) << first.stderr_text();
    creds_ = read_dev_credentials(PROPBOT_BINARY, data_.path());
    for (const auto& [name, value] : kVenueKeys) {
      ASSERT_TRUE(secrets_set(data_.path() + "/secrets.enc", data_.path() + "/secrets.key", name, value));
    }
  }

  void start_simulator() {
    const config::SimConfig sim = paper_sim();
    sim_ = std::make_unique<DaemonProcess>(std::vector<std::string>{
        PROPBOT_BINARY, "venue-sim", "--admin-port", "0", "--binance-port", "0", "--okx-port", "0", "--seed",
        std::to_string(sim.seed)});
    ASSERT_TRUE(sim_->start());
    const auto ports = wait_for_venue_sim_listeners(*sim_, 30s);
    ASSERT_TRUE(ports.has_value()) << sim_->stderr_text();
    admin_ = ports->at("admin");
    admin("PUT", "/admin/market",
          {{"tick_ms", sim.tick_ms},
           {"volatility_bps", sim.volatility_bps},
           {"spread_bps", sim.spread_bps},
           {"depth_levels", sim.depth_levels},
           {"dislocation_probability", sim.dislocation_probability},
           {"dislocation_bps_min", sim.dislocation_bps_min},
           {"dislocation_bps_max", sim.dislocation_bps_max},
           {"dislocation_ticks", std::max(1, sim.dislocation_duration_ms / std::max(1, sim.tick_ms))}});
    // As the embedded simulator funds its paper accounts.
    ASSERT_TRUE(fund_sim_account(admin_, {{"venue", "binance"},
                                          {"api_key", kVenueKeys.at("binance.api_key")},
                                          {"api_secret", kVenueKeys.at("binance.api_secret")},
                                          {"balances", {{"USDT", 1000000}}}}));
    ASSERT_TRUE(fund_sim_account(admin_, {{"venue", "okx"},
                                          {"api_key", kVenueKeys.at("okx.api_key")},
                                          {"api_secret", kVenueKeys.at("okx.api_secret")},
                                          {"passphrase", kVenueKeys.at("okx.passphrase")},
                                          {"balances", {{"USDT", 1000000}}}}));
    config_ = bundle_pointing_at(bundle_.path(), ports->at("binance"), ports->at("okx"));
  }

  void start_daemon() { start_paper_daemon(daemon_, data_.path(), config_, port_, {}, 60s); }

  json admin(const std::string& method, const std::string& path, const json& body = nullptr) {
    const auto reply = test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(admin_), method, path,
                                                  body.is_null() ? "" : body.dump(),
                                                  {{"Content-Type", "application/json"}}, 30s);
    EXPECT_EQ(reply.status, 200) << method << " " << path << ": " << reply.body;
    return json::parse(reply.body, nullptr, false);
  }
  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body, nullptr, 30s);
  }
  json get(const std::string& path) { return call("viewer1", "GET", path).second; }
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready, std::chrono::seconds limit) {
    json last;
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      auto [status, body] = call("viewer1", "GET", path);
      last = body;
      if (status == 200 && ready(body)) return body;
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << path << " never became ready: " << last.dump();
    return last;
  }

  // Safe mode off and RESUME, each confirmed by a second operator (with the second
  // factor whenever the request asks for it).
  void two_man_resume() {
    const auto confirm_body = [&](const json& request) {
      json body = {{"token", creds_.approve_token}};
      if (request.value("second_factor_required", false)) body["totp"] = totp_now(creds_.totp_seed);
      return body;
    };
    auto [off, off_body] = call("operator1", "POST", "/api/ui/safe-mode", {{"enabled", false}, {"reason", "paper run"}});
    ASSERT_EQ(off, 200) << off_body.dump();
    const auto safe_id = off_body.contains("request_id") ? off_body["request_id"] : off_body["approval"]["id"];
    auto [confirmed, confirmed_body] =
        call("operator2", "POST", "/api/ui/approvals/" + safe_id.dump() + "/confirm", confirm_body(off_body));
    ASSERT_EQ(confirmed, 200) << confirmed_body.dump();
    auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "paper run"}});
    ASSERT_EQ(requested, 200) << request.dump();
    json body = confirm_body(request);
    body["request_id"] = request["request_id"];
    auto [ok, ok_body] = call("operator2", "POST", "/api/ui/resume-confirm", body);
    ASSERT_EQ(ok, 200) << ok_body.dump();
    auto [resumed, resumed_body] = call("operator2", "POST", "/api/ui/resume");
    ASSERT_EQ(resumed, 200) << resumed_body.dump();
    ASSERT_EQ(resumed_body["state"]["mode"], "RESUME") << resumed_body.dump();
  }

  static Book exposure_of(const json& positions) {
    Book out;
    for (const auto& row : positions["exposure"]) {
      out[{row["venue"].get<std::string>(), row["symbol"].get<std::string>()}] += number(row["net_qty"]);
    }
    return out;
  }
  static double symbol_net(const Book& book, const std::string& symbol) {
    double sum = 0;
    for (const auto& [key, qty] : book) sum += key.second == symbol ? qty : 0.0;
    return sum;
  }
  static bool any_working(const json& execution) {
    for (const auto& t : execution["trades"]) {
      if (t["state"] == "working") return true;
    }
    return false;
  }

  // The simulator's positions (base units) per daemon venue id and symbol, and the USDT
  // wallets summed over both venues (realised PnL, fees and funding included).
  std::pair<Book, double> simulator_state() {
    const SimulatorHoldings held = simulator_holdings(admin("GET", "/admin/venues"));
    return {held.positions, held.wallet_usdt};
  }

  static bool same(const Book& a, const Book& b) {
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& [k, v] : a) keys.insert(k);
    for (const auto& [k, v] : b) keys.insert(k);
    for (const auto& k : keys) {
      const double x = a.count(k) ? a.at(k) : 0.0, y = b.count(k) ? b.at(k) : 0.0;
      if (std::abs(x - y) > 1e-9) return false;
    }
    return true;
  }

  // P0 incidents not seen before, with their summaries.
  void collect_p0s() {
    const json incidents = get("/api/ui/incidents");
    for (const char* list : {"active", "recent_closed"}) {
      if (!incidents.contains(list)) continue;
      for (const auto& i : incidents[list]) {
        if (i.value("severity", "") != "P0") continue;
        const std::string line = i.value("code", "") + ": " + i.value("summary", "");
        if (std::find(summary_.p0s.begin(), summary_.p0s.end(), line) == summary_.p0s.end()) summary_.p0s.push_back(line);
      }
    }
  }

  // One sample: the hedge invariant on the exposure, the trades and hedges seen so far.
  void sample() {
    ++summary_.samples;
    json execution = get("/api/ui/execution");
    Book exposure = exposure_of(get("/api/ui/positions"));
    // A trade between its legs: look again until it has ended (a hedge takes ms; its
    // deadline bounds the wait).
    const auto unhedged = [&](const Book& book) {
      for (const auto& symbol : kSymbols) {
        if (std::abs(symbol_net(book, symbol)) > kLot.at(symbol) + 1e-9) return true;
      }
      return false;
    };
    if (unhedged(exposure)) {
      ++summary_.samples_in_flight;
      const auto deadline = Clock::now() + 10s;
      while (Clock::now() < deadline && unhedged(exposure) && any_working(execution)) {
        std::this_thread::sleep_for(100ms);
        execution = get("/api/ui/execution");
        exposure = exposure_of(get("/api/ui/positions"));
      }
    }
    for (const auto& symbol : kSymbols) {
      const double net = symbol_net(exposure, symbol);
      if (std::abs(net) > summary_.max_abs_net) {
        summary_.max_abs_net = std::abs(net);
        summary_.max_abs_net_symbol = symbol;
      }
      if (std::abs(net) > kLot.at(symbol) + 1e-9) {
        if (summary_.hedge_violations++ == 0) {
          std::ostringstream what;
          what << "sample " << summary_.samples << ": " << symbol << " Σ net_qty " << net << " (";
          for (const auto& [key, qty] : exposure) {
            if (key.second == symbol) what << key.first << " " << qty << " ";
          }
          what << ")";
          summary_.first_violation = what.str();
        }
      }
    }
    for (const auto& t : execution["trades"]) {
      const std::string id = t["trade_parent_id"];
      if (summary_.trade_ids.insert(id).second) ++summary_.trades_per_symbol[t["symbol"].get<std::string>()];
      if (t["state"] == "hedged") summary_.hedged_ids.insert(id);
    }
    const json hedges = get("/api/ui/hedge/log");  // named: a temporary's member would dangle in the loop
    for (const auto& h : hedges["hedges"]) {
      if (!h["hedge_latency_ms"].is_null()) summary_.hedge_latency_ms[h["client_order_id"]] = number(h["hedge_latency_ms"]);
    }
    const json market = get("/api/ui/market");
    for (const auto& r : market["policy"]["regimes"]) {
      summary_.regimes.insert(r["symbol"].get<std::string>() + " " + r["regime"].get<std::string>());
    }
    collect_p0s();
  }

  // HOLD, then the exposure against the simulator's positions once no trade works.
  void finish() {
    auto [held, held_body] = call("operator1", "POST", "/api/ui/hold", {{"reason", "paper run ends"}});
    EXPECT_EQ(held, 200) << held_body.dump();
    const auto deadline = Clock::now() + 30s;
    while (Clock::now() < deadline) {
      const json execution = get("/api/ui/execution");
      summary_.counters = execution["counters"];
      if (!execution["hedge_latency_p95_ms"].is_null()) summary_.daemon_p95 = number(execution["hedge_latency_p95_ms"]);
      summary_.exposure = exposure_of(get("/api/ui/positions"));
      std::tie(summary_.simulator, summary_.wallet_end) = simulator_state();
      if (!any_working(execution) && same(summary_.exposure, summary_.simulator)) break;
      std::this_thread::sleep_for(250ms);
    }
    summary_.exposure_matches = same(summary_.exposure, summary_.simulator);
    const json positions = get("/api/ui/positions");
    for (const auto& p : positions["positions"]) {
      for (const auto& leg : p["legs"]) summary_.unrealized += leg["unrealized_pnl_usdt"].is_null() ? 0.0 : number(leg["unrealized_pnl_usdt"]);
    }
    for (const char* venue : {"binance", "okx"}) {
      const json orders = admin("GET", std::string("/admin/orders?venue=") + venue);
      EXPECT_FALSE(orders.value("truncated", false)) << venue << ": the back office dropped orders";
      for (const auto& order : orders["orders"]) {
        if (number(order["filled_qty"]) > 0 && exec::parse_client_order_id(order["client_order_id"].get<std::string>())) {
          ++summary_.filled_orders_per_venue[venue == std::string("binance") ? "BINANCE" : "OKX"];
        }
      }
    }
    collect_p0s();
  }

  std::string report() const {
    const Summary& s = summary_;
    std::vector<double> latencies;
    for (const auto& [id, ms] : s.hedge_latency_ms) latencies.push_back(ms);
    std::ostringstream out;
    const auto counter = [&](const char* name) { return s.counters.contains(name) ? s.counters[name].dump() : "?"; };
    out << "| figure | value |\n|---|---|\n"
        << "| duration | " << s.seconds << " s, " << s.samples << " samples (" << s.samples_in_flight
        << " caught a trade between its legs and were sampled again) |\n"
        << "| trades started (daemon counter) | " << counter("trades_started") << " |\n"
        << "| trades seen hedged / seen (per symbol) | " << s.hedged_ids.size() << " / " << s.trade_ids.size() << " (";
    for (const auto& [symbol, n] : s.trades_per_symbol) out << symbol << " " << n << " ";
    out << ") |\n"
        << "| orders sent / fills (daemon counters) | " << counter("orders_sent") << " / " << counter("fills") << " |\n"
        << "| hedges sent / lost | " << counter("hedges_sent") << " / " << counter("hedges_lost") << " |\n"
        << "| orders filled at the simulator | BINANCE " << (s.filled_orders_per_venue.count("BINANCE") ? s.filled_orders_per_venue.at("BINANCE") : 0)
        << ", OKX " << (s.filled_orders_per_venue.count("OKX") ? s.filled_orders_per_venue.at("OKX") : 0) << " |\n"
        << "| max abs(Σ net_qty) per symbol, settled samples | " << s.max_abs_net
        << (s.max_abs_net_symbol.empty() ? "" : " (" + s.max_abs_net_symbol + ")") << " (one lot = 0.001) |\n"
        << "| samples beyond one lot | " << s.hedge_violations << (s.first_violation.empty() ? "" : ", first: " + s.first_violation)
        << " |\n"
        << "| exposure = simulator positions at the end | " << (s.exposure_matches ? "yes" : "NO") << " |\n"
        << "| realised PnL at the simulator (Δ USDT wallets, fees and funding in) | " << fixed(s.wallet_end - s.wallet_start, 4)
        << " USDT |\n"
        << "| unrealised PnL of what is open at the end (daemon) | " << fixed(s.unrealized, 4) << " USDT |\n"
        << "| hedge latency p50 / p95 / max (hedge log, " << latencies.size() << " hedges) | "
        << fixed(percentile(latencies, 50), 1) << " / " << fixed(percentile(latencies, 95), 1) << " / "
        << fixed(latencies.empty() ? std::nan("") : *std::max_element(latencies.begin(), latencies.end()), 1) << " ms |\n"
        << "| hedge_latency_p95_ms (daemon, last 200) | " << (s.daemon_p95 ? fixed(*s.daemon_p95, 1) : "null") << " |\n"
        << "| skipped intents | " << (s.counters.contains("skipped") ? s.counters["skipped"].dump() : "?") << " |\n"
        << "| regimes seen | ";
    for (const auto& r : s.regimes) out << r << "; ";
    out << " |\n| P0 incidents | " << (s.p0s.empty() ? "none" : "") << " |\n";
    for (const auto& p0 : s.p0s) out << "\n- P0 " << p0;
    out << "\n\nExposure at the end (daemon = simulator, base units):\n\n| venue | symbol | daemon | simulator |\n|---|---|---|---|\n";
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& [k, v] : s.exposure) keys.insert(k);
    for (const auto& [k, v] : s.simulator) keys.insert(k);
    for (const auto& k : keys) {
      out << "| " << k.first << " | " << k.second << " | " << (s.exposure.count(k) ? s.exposure.at(k) : 0.0) << " | "
          << (s.simulator.count(k) ? s.simulator.at(k) : 0.0) << " |\n";
    }
    return out.str();
  }

  TempDir data_;
  TempDir bundle_;
  std::string config_;
  DevCredentials creds_;
  std::unique_ptr<DaemonProcess> sim_;
  std::unique_ptr<DaemonProcess> daemon_;
  int admin_ = 0;
  std::uint16_t port_ = 0;
  Summary summary_;
};

TEST_F(PaperRunE2E, TradesStaysHedgedAndItsExposureEqualsTheSimulatorsPositions) {
  summary_.seconds = std::max(10, env_int("PROPBOT_PAPER_RUN_SECONDS", 120));
  const auto sample_every = std::chrono::milliseconds(std::max(200, env_int("PROPBOT_PAPER_RUN_SAMPLE_MS", 3000)));
  ASSERT_NO_FATAL_FAILURE(make_store());
  ASSERT_NO_FATAL_FAILURE(start_simulator());
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  wait_for("/api/ui/execution", [](const json& b) { return b["recon"]["state"] == "clean"; }, 60s);
  summary_.wallet_start = simulator_state().second;
  ASSERT_NO_FATAL_FAILURE(two_man_resume());

  const auto end = Clock::now() + std::chrono::seconds(summary_.seconds);
  while (Clock::now() < end) {
    const auto next = Clock::now() + sample_every;
    sample();
    ASSERT_TRUE(daemon_->running()) << "the daemon exited";
    ASSERT_EQ(get("/api/ui/control-state")["mode"], "RESUME") << "the desk left RESUME: " << get("/api/ui/incidents").dump();
    // The recon daemon (S-9.2) never finds a difference in a clean run.
    const json recon = get("/api/ui/recon/status");
    ASSERT_NE(recon["status"], "MISMATCH") << recon.dump();
    std::this_thread::sleep_until(std::min(next, end));
  }
  finish();
  const json recon = get("/api/ui/recon/status");
  const json pnl = get("/api/ui/pnl");

  const std::string table = report();
  std::cout << "\nPAPER RUN SUMMARY\n" << table << std::flush;
  if (const char* file = std::getenv("PROPBOT_PAPER_RUN_REPORT"); file != nullptr && *file != '\0') {
    std::ofstream(file, std::ios::trunc) << table;
  }

  // The desk traded, on both venues.
  const int minimum_trades = std::max(2, summary_.seconds / 60);
  EXPECT_GE(summary_.counters.value("trades_started", 0), minimum_trades) << "fewer than one trade a minute";
  EXPECT_GE(static_cast<int>(summary_.hedged_ids.size()), minimum_trades);
  EXPECT_GT(summary_.filled_orders_per_venue["BINANCE"], 0);
  EXPECT_GT(summary_.filled_orders_per_venue["OKX"], 0);
  // Hedged at every settled sample; nothing lost, no P0 (a hedge_lost names the leg).
  EXPECT_EQ(summary_.hedge_violations, 0) << summary_.first_violation;
  EXPECT_EQ(summary_.counters.value("hedges_lost", 0), 0);
  EXPECT_TRUE(summary_.p0s.empty()) << summary_.p0s.front();
  // The daemon's exposure is what the venues hold.
  EXPECT_TRUE(summary_.exposure_matches) << table;
  // Every recon pass was clean (positions, orders, wallets, fees against the venues).
  EXPECT_EQ(recon["status"], "OK") << recon.dump();
  EXPECT_TRUE(recon["diffs"].empty()) << recon.dump();
  EXPECT_GE(recon["passes"].get<int>(), summary_.seconds / 10 - 2) << recon.dump();
  EXPECT_EQ(recon["last_error"], "") << recon.dump();
  // The PnL buckets add up to the total (S-9.3), and the desk paid fees.
  const json& a = pnl["attribution"];
  const double buckets = a["pnl_from_spread"].get<double>() + a["pnl_from_funding"].get<double>() +
                         a["pnl_from_basis"].get<double>() + a["pnl_from_rebate"].get<double>() -
                         a["fees_paid"].get<double>() - a["slippage_cost"].get<double>();
  EXPECT_NEAR(buckets, pnl["total_pnl_usdt"].get<double>(), 1e-6) << pnl.dump();
  EXPECT_GT(pnl["fees_paid_usdt"].get<double>(), 0) << pnl.dump();
  EXPECT_GT(pnl["tca"]["samples"]["fills"].get<int>(), 0) << pnl.dump();
}

}  // namespace
}  // namespace propbot::testing
