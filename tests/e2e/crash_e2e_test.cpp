// The crash test (issue 12, acceptance, first bullet): the real daemon against an
// outside `propbot venue-sim`, killed with SIGKILL at each named lifecycle point
// (PROPBOT_FAILPOINT, core/exec/failpoint.hpp), then restarted on the same data
// directory without the failpoint. After each restart: the desk is in HOLD (KILL after a
// kill switch) and resume answers 409 recon_pending until the start-up reconciliation is
// clean; then, counted at the simulator's back office, no client order id was accepted
// twice and leg A of a trade at most once; the daemon's exposure per venue equals the
// simulator's position (= Σ fills there); leg B never filled more than leg A and, after
// recon, the pair is hedged within one lot or the daemon raised P0 hedge_lost.
//
// One venue-sim per case (it starts in well under a second), so every case begins flat.
// The results are printed as a markdown table; with PROPBOT_CRASH_REPORT=FILE the table
// is also written there (docs/CRASH_TEST_REPORT.md is made that way).
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/crypto/base32.hpp"
#include "core/crypto/totp.hpp"
#include "core/exec/client_order_id.hpp"
#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/desk_api.hpp"
#include "tests/e2e/second_factor.hpp"
#include "tests/e2e/outside_venue_sim.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::map<std::string, std::string> kVenueKeys = test_venue_keys("crash");
constexpr int kSigkillExit = 128 + SIGKILL;

// What drives the daemon to the failpoint.
enum class Action {
  pair,          // one manual pair
  partial_pair,  // one manual pair with partial_fill_ratio 0.3 on both venues
  kill_switch,   // a hedged manual pair, then the kill switch (two operators + TOTP)
  recon,         // a first crash at `first_crash` during a pair, then a restart armed at the point
};
const char* to_string(Action action) {
  switch (action) {
    case Action::pair: return "manual pair";
    case Action::partial_pair: return "manual pair, 30 % partial fills";
    case Action::kill_switch: return "hedged pair, then kill switch";
    case Action::recon: return "crash, then restart (recon)";
  }
  return "?";
}

struct CrashCase {
  const char* failpoint;
  Action action;
  const char* first_crash = "";  // Action::recon only
  const char* skip = "";         // non-empty: why no action of this test reaches the point
};

// gtest names a case by its failpoint.
void PrintTo(const CrashCase& c, std::ostream* out) { *out << c.failpoint; }

// One row of the report.
struct Row {
  std::string point, action, killed, recon, a_accepted, fills, exposure, verdict;
};
constexpr std::size_t kCaseCount = 24;  // the size of kCases below
std::vector<Row>& report_rows() {
  static std::vector<Row> rows;  // one per case; bounded by the case list
  return rows;
}

double number(const json& value) { return json_number(value); }

std::string qty_text(double q) {
  std::ostringstream out;
  out << q;
  return out.str();
}

// The dev credentials and venue keys every case shares: a paper store made once by a
// daemon's first start, with the venue keys added by the CLI; each case copies it.
struct SharedStore {
  TempDir dir;
  DevCredentials creds;
  bool ready = false;
};
SharedStore& shared_store() {
  static SharedStore store;
  return store;
}

// Failpoints whose crash hits a known defect of the executor, journal or recon (reported
// to the lead, see docs/CRASH_TEST_REPORT.md). Such a case runs every check; its
// failures are printed under KNOWN FAILURE and do not fail the test, but the case FAILS
// once it passes (so the entry is removed with the fix). PROPBOT_CRASH_STRICT=1 lets the
// failures through as they are.
// Defects this test found, fixed since (kept as history; a case listed in kKnownFailures
// may fail after its restart without failing the test, and fails once it passes):
// - lost fill: a crash between an order's new state and its fill records lost the fill
//   from the exposure — recon now reads each venue's fill history (Venue::fills_since);
// - hedge not resumed: recon drove the unhedged pair before the hedge venue's book had
//   arrived and declared it lost — a hedge now waits for the book until its deadline,
//   and recon ends only when the trades it resumed have ended.
struct KnownFailure {
  std::string why;
  bool blocks_the_point = false;  // the defect keeps the daemon from reaching the failpoint
};
const std::map<std::string, KnownFailure> kKnownFailures = {};

class CrashE2E : public ::testing::TestWithParam<CrashCase> {
 protected:
  static void SetUpTestSuite() {
    SharedStore& store = shared_store();
    if (store.ready) return;
    ASSERT_NO_FATAL_FAILURE(prepare_paper_store(store.dir.path(), kVenueKeys, store.creds));
    store.ready = true;
  }

  static void TearDownTestSuite() {
    std::ostringstream table;
    table << "| failpoint | action | killed | recon after restart | A accepted (max per trade) | B filled / A filled "
             "| exposure = simulator | verdict |\n|---|---|---|---|---|---|---|---|\n";
    for (const Row& r : report_rows()) {
      table << "| `" << r.point << "` | " << r.action << " | " << r.killed << " | " << r.recon << " | " << r.a_accepted
            << " | " << r.fills << " | " << r.exposure << " | " << r.verdict << " |\n";
    }
    std::cout << "\nCRASH TEST REPORT\n" << table.str() << std::flush;
    // The acceptance asks for at least 20 distinct points really hit (checked when every case ran).
    int killed = 0;
    for (const Row& r : report_rows()) killed += r.killed == "SIGKILL" ? 1 : 0;
    if (report_rows().size() == kCaseCount) {
      EXPECT_GE(killed, 20) << "distinct failpoints at which the daemon was really killed";
    }
    if (const char* file = std::getenv("PROPBOT_CRASH_REPORT"); file != nullptr && *file != '\0') {
      std::ofstream out(file, std::ios::trunc);
      out << "# Crash test report (issue 12)\n\n"
             "The real daemon against an outside `propbot venue-sim`, killed with SIGKILL at each lifecycle\n"
             "point named by `PROPBOT_FAILPOINT`, then restarted on the same data directory without it.\n"
             "After each restart the test checks: HOLD (also after a kill switch) and resume refused with\n"
             "409 `recon_pending` until recon is clean; at the simulator no client order id accepted twice\n"
             "and leg A at most once per trade; the daemon's exposure per venue equal to the simulator's\n"
             "position; leg B never over-hedged, and hedged within one lot or P0 `hedge_lost` raised.\n\n"
             "Produced by:\n\n"
             "```\ncmake --build build --target propbot crash_e2e_test\n"
             "PROPBOT_CRASH_REPORT=$PWD/docs/CRASH_TEST_REPORT.md build/tests/e2e/crash_e2e_test\n```\n\n"
          << table.str()
          << "\n## Defects this test found (fixed)\n\n"
          << "- Lost fill: a crash between an order's new state and its fill records lost the fill from the\n"
          << "  exposure. Start-up reconciliation now reads each venue's fill history (`Venue::fills_since`).\n"
          << "- Hedge not resumed: recon drove the unhedged pair before the hedge venue's book had arrived and\n"
          << "  declared it lost. A hedge now waits for the book until its deadline, and recon ends only when\n"
          << "  the trades it resumed have ended.\n\n"
          << "No case is a known failure now (`kKnownFailures` is empty); a case listed there may fail after\n"
          << "its restart without failing the test and fails once it passes. `PROPBOT_CRASH_STRICT=1` makes\n"
          << "them ordinary failures.\n";
    }
  }

  void TearDown() override {
    if (daemon_ != nullptr && daemon_->running()) {
      daemon_->send_signal(SIGTERM);
      (void)daemon_->wait_exit(20s);
    }
    if (sim_ != nullptr && sim_->running()) {
      sim_->send_signal(SIGTERM);
      (void)sim_->wait_exit(10s);
    }
    if (HasFailure() && daemon_ != nullptr) {
      std::cout << "--- last daemon's stderr ---\n" << daemon_->stderr_text() << "\n--- earlier runs ---\n" << logs_;
    }
    if (!row_.point.empty()) {
      if (row_.verdict.empty()) row_.verdict = HasFailure() ? "FAIL" : "PASS";
      report_rows().push_back(row_);
    }
  }

  void start_simulator() {
    std::map<std::string, int> ports;
    ASSERT_NO_FATAL_FAILURE(start_outside_venue_sim(sim_, "11", ports));
    admin_ = ports.at("admin");
    ASSERT_TRUE(fund_venue_accounts(admin_, kVenueKeys));
    config_ = bundle_pointing_at(bundle_.path(), ports.at("binance"), ports.at("okx"));
    disable_strategies(config_);  // only the test's own pairs reach the failpoints
    const std::string& from = shared_store().dir.path();
    for (const char* file : {"secrets.enc", "secrets.key"}) {
      fs::copy_file(fs::path(from) / file, fs::path(data_.path()) / file, fs::copy_options::overwrite_existing);
    }
  }

  json admin(const std::string& method, const std::string& path, const json& body = nullptr) {
    const auto reply = test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(admin_), method, path,
                                                  body.is_null() ? "" : body.dump(),
                                                  {{"Content-Type", "application/json"}});
    EXPECT_EQ(reply.status, 200) << method << " " << path << ": " << reply.body;
    return json::parse(reply.body, nullptr, false);
  }
  void set_partial_fills(double ratio) {
    for (const char* venue : {"binance", "okx"}) {
      admin("PUT", std::string("/admin/faults/") + venue, {{"partial_fill_ratio", ratio}});
    }
  }

  // Starts the daemon (armed at `failpoint` unless empty) and waits for its API unless
  // `dies_at_start` (a failpoint in the start-up recon may kill it before it listens).
  void start_daemon(const std::string& failpoint, bool dies_at_start = false) {
    if (daemon_ != nullptr) logs_ += daemon_->stderr_text();
    std::vector<std::string> env;
    if (!failpoint.empty()) env.push_back("PROPBOT_FAILPOINT=" + failpoint);
    daemon_ = std::make_unique<DaemonProcess>(
        std::vector<std::string>{PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir",
                                 data_.path(), "--config", config_},
        env);
    ASSERT_TRUE(daemon_->start());
    if (dies_at_start) return;
    auto port = daemon_->wait_for_listening(30s);
    ASSERT_TRUE(port.has_value()) << daemon_->stderr_text();
    port_ = static_cast<std::uint16_t>(*port);
  }

  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, shared_store().creds, who, method, path, body, nullptr, 10s);
  }
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready, std::chrono::seconds limit) {
    return poll_api(port_, shared_store().creds, path, ready, limit);
  }
  static bool recon_clean(const json& b) { return b["recon"]["state"] == "clean"; }

  // Safe mode off and a confirmed resume request (two operators); the resume itself is
  // the caller's. False when it could not be had: a failure, unless `may_be_locked` and
  // a P0 awaiting its postmortem locks trading (then resume is refused for that reason).
  bool authorize_resume(bool may_be_locked) {
    auto [off, off_body] = call("operator1", "POST", "/api/ui/safe-mode", {{"enabled", false}, {"reason", "crash"}});
    if (off == 200 && (off_body.contains("request_id") || off_body.contains("approval"))) {
      const auto safe_id = off_body.contains("request_id") ? off_body["request_id"] : off_body["approval"]["id"];
      call("operator2", "POST", "/api/ui/approvals/" + safe_id.dump() + "/confirm",
           {{"token", shared_store().creds.approve_token}});
    }
    auto locked = [&](int status, const json& body) {
      return may_be_locked && status == 409 && body.dump().find("postmortem_required") != std::string::npos;
    };
    auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "crash"}});
    if (locked(requested, request)) return false;
    EXPECT_EQ(requested, 200) << request.dump();
    if (requested != 200) return false;
    auto [ok, ok_body] = call("operator2", "POST", "/api/ui/resume-confirm",
                              {{"request_id", request["request_id"]}, {"token", shared_store().creds.approve_token}});
    if (locked(ok, ok_body)) return false;
    EXPECT_EQ(ok, 200) << ok_body.dump();
    return ok == 200;
  }
  void resume() {
    wait_for("/api/ui/execution", recon_clean, 20s);
    ASSERT_TRUE(authorize_resume(false));
    auto [resumed, body] = call("operator2", "POST", "/api/ui/resume");
    ASSERT_EQ(resumed, 200) << body.dump();
  }

  const json pair_ = {{"symbol", "BTC-USDT"}, {"long_venue", "BINANCE"}, {"short_venue", "OKX"}, {"notional_usdt", 1000}};

  // A manual pair the daemon would trade now (the preview answers once books and private
  // streams are up from the simulator), null after 20 s. Leg A goes to the venue with the
  // thinner touch; a partial fill of an IOC order is simulated on Binance only, so
  // `a_on_binance` waits for a pair (either way round) whose A is there.
  json fitting_pair(bool a_on_binance) {
    json reversed = pair_;
    reversed["long_venue"] = "OKX";
    reversed["short_venue"] = "BINANCE";
    for (int i = 0; i < 200; ++i) {
      for (const json& candidate : {pair_, reversed}) {
        auto [previewed, body] = call("operator1", "POST", "/api/arb/preview", candidate);
        execute_answer_ = "(preview) " + body.dump();
        if (previewed == 200 && (!a_on_binance || body["leg_a"]["venue"] == "BINANCE")) return candidate;
      }
      std::this_thread::sleep_for(100ms);
    }
    return nullptr;
  }

  // Resume, then whatever reaches the point; the daemon is expected to die on the way.
  void drive(Action action) {
    ASSERT_NO_FATAL_FAILURE(resume());
    json pair = fitting_pair(action == Action::partial_pair);
    ASSERT_FALSE(pair.is_null()) << "no preview fit: " << execute_answer_;
    if (action == Action::partial_pair) set_partial_fills(0.3);
    auto [executed, trade] = call("operator1", "POST", "/api/arb/execute", pair);
    execute_answer_ = std::to_string(executed) + " " + trade.dump();
    // Whether A's partial is journaled as `partial` or straight as `expired` depends on
    // which of the venue's answers (stream update, REST reply) comes first: a partial case
    // trades again, up to 4 pairs, until the daemon dies.
    for (int again = 1; action == Action::partial_pair && again < 4 && executed == 200; ++again) {
      if (daemon_->wait_exit(3s).has_value()) break;  // killed_within() reads the same status
      pair = fitting_pair(true);
      if (pair.is_null()) break;
      std::tie(executed, trade) = call("operator1", "POST", "/api/arb/execute", pair);
      execute_answer_ += " / " + std::to_string(executed) + " " + trade.dump();
    }
    if (action != Action::kill_switch) return;  // the answer may be lost with the process
    ASSERT_EQ(executed, 200) << trade.dump();
    wait_for("/api/ui/execution", [&](const json& b) {
      for (const auto& t : b["trades"]) {
        if (t["trade_parent_id"] == trade["trade_parent_id"] && t["state"] != "working") return true;
      }
      return false;
    }, 20s);
    auto [requested, request] = call("operator1", "POST", "/api/admin/kill_switch", {{"action", "request"}, {"reason", "crash"}});
    ASSERT_EQ(requested, 200) << request.dump();
    call("operator2", "POST", "/api/admin/kill_switch",
         {{"action", "confirm"},
          {"request_id", request["request_id"]},
          {"token", shared_store().creds.approve_token},
          {"totp", totp_now(shared_store().creds.totp_seed)}});
  }

  // True when the daemon died by SIGKILL within the limit.
  bool killed_within(std::chrono::seconds limit) {
    const auto code = daemon_->wait_exit(limit);
    return code.has_value() && *code == kSigkillExit;
  }

  // After the restart: HOLD first (also after a kill switch); every resume attempt while recon is pending
  // is refused with recon_pending; recon becomes clean. Answers the recon column.
  std::string check_hold_until_reconciled() {
    auto [status, state] = call("viewer1", "GET", "/api/ui/control-state");
    EXPECT_EQ(status, 200);
    EXPECT_EQ(state["mode"], "HOLD") << "a restart never trades by itself: " << state.dump();
    const bool authorized = authorize_resume(true);
    int refused = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    json execution;
    while (std::chrono::steady_clock::now() < deadline) {
      execution = call("viewer1", "GET", "/api/ui/execution").second;
      if (recon_clean(execution)) break;
      EXPECT_NE(execution["recon"]["state"], "unclean") << execution.dump();
      if (!authorized) {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      auto [resumed, body] = call("operator2", "POST", "/api/ui/resume");
      if (resumed == 409 && body.dump().find("recon_pending") != std::string::npos) {
        ++refused;
      } else {
        // Only a recon that finished in between may let the resume through (the
        // execution view is a snapshot: it may show clean a moment later).
        EXPECT_TRUE(resumed == 200 || (resumed == 409 && body.dump().find("postmortem_required") != std::string::npos))
            << "resume answered " << resumed << " " << body.dump() << " while recon was pending";
        json later = wait_for("/api/ui/execution", recon_clean, 3s);
        EXPECT_TRUE(recon_clean(later)) << "resume answered " << resumed << " " << body.dump() << " while recon was pending";
        if (resumed == 200) {
          execution = later;
          break;
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(recon_clean(execution)) << "recon never became clean: " << execution.dump();
    return std::string(recon_clean(execution) ? "clean" : execution["recon"]["state"].get<std::string>()) +
           (refused > 0 ? " (" + std::to_string(refused) + "× 409 recon_pending before)" : "") +
           (!authorized ? " (resume locked by a P0)" : "");
  }

  // The simulator's positions (base units) per daemon venue id.
  std::map<std::string, double> sim_positions() {
    const SimulatorHoldings held = simulator_holdings(admin("GET", "/admin/venues"));
    return {{"BINANCE", held.position("BINANCE", "BTC-USDT")}, {"OKX", held.position("OKX", "BTC-USDT")}};
  }
  std::map<std::string, double> daemon_exposure() {
    std::map<std::string, double> out{{"BINANCE", 0.0}, {"OKX", 0.0}};
    const json positions = call("viewer1", "GET", "/api/ui/positions").second;
    for (const auto& row : positions["exposure"]) {
      if (row["symbol"] == "BTC-USDT") out[row["venue"].get<std::string>()] += number(row["net_qty"]);
    }
    return out;
  }
  static bool same(const std::map<std::string, double>& a, const std::map<std::string, double>& b) {
    for (const auto& [venue, qty] : a) {
      if (std::abs(qty - b.at(venue)) > 1e-9) return false;
    }
    return true;
  }

  // The invariants at the simulator and against the daemon; fills the report's columns.
  void check_invariants() {
    // Settle: no trade working and the daemon's exposure equal to the simulator's.
    std::map<std::string, double> ours, theirs;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      bool working = false;
      for (const auto& t : call("viewer1", "GET", "/api/ui/execution").second["trades"]) {
        if (t["state"] == "working") working = true;
      }
      ours = daemon_exposure();
      theirs = sim_positions();
      if (!working && same(ours, theirs)) break;
      std::this_thread::sleep_for(200ms);
    }
    const bool exposure_ok = same(ours, theirs);
    EXPECT_TRUE(exposure_ok) << "daemon exposure BINANCE " << ours["BINANCE"] << " OKX " << ours["OKX"]
                             << " vs simulator BINANCE " << theirs["BINANCE"] << " OKX " << theirs["OKX"]
                             << "\npositions: " << call("viewer1", "GET", "/api/ui/positions").second.dump()
                             << "\nexecution: " << call("viewer1", "GET", "/api/ui/execution").second.dump();
    row_.exposure = exposure_ok ? "yes (B " + qty_text(theirs["BINANCE"]) + ", O " + qty_text(theirs["OKX"]) + ")"
                                : "NO";

    // The back office: every accepted order, by intent.
    std::set<std::string> seen;
    struct Legs {
      int a_accepted = 0;
      double a_filled = 0, b_filled = 0;
    };
    std::map<std::uint64_t, Legs> trades;
    std::map<std::string, double> filled_sum{{"BINANCE", 0.0}, {"OKX", 0.0}};
    for (const char* venue : {"binance", "okx"}) {
      const json orders = admin("GET", std::string("/admin/orders?venue=") + venue);
      EXPECT_FALSE(orders["truncated"].get<bool>());
      for (const auto& order : orders["orders"]) {
        const std::string coid = order["client_order_id"];
        EXPECT_TRUE(seen.insert(coid).second) << "client order id " << coid << " accepted twice";
        const double filled = number(order["filled_qty"]);
        filled_sum[venue == std::string("binance") ? "BINANCE" : "OKX"] += order["side"] == "buy" ? filled : -filled;
        auto parts = exec::parse_client_order_id(coid);
        EXPECT_TRUE(static_cast<bool>(parts)) << "an order the daemon did not make: " << coid;
        if (!parts) continue;
        Legs& legs = trades[parts->intent_id];
        if (parts->leg == exec::Leg::a) {
          ++legs.a_accepted;
          legs.a_filled += filled;
        } else if (parts->leg == exec::Leg::b) {
          legs.b_filled += filled;
        }
      }
    }
    EXPECT_TRUE(same(filled_sum, theirs)) << "the simulator's positions are not its Σ fills";
    const json incidents = call("viewer1", "GET", "/api/ui/incidents").second;
    const bool hedge_lost = incidents.dump().find("hedge_lost") != std::string::npos;
    int max_a = 0;
    std::string fills;
    for (const auto& [intent, legs] : trades) {
      if (legs.a_accepted == 0 && legs.b_filled == 0) continue;  // a single order (flatten)
      max_a = std::max(max_a, legs.a_accepted);
      EXPECT_LE(legs.a_accepted, 1) << "leg A of intent " << intent << " accepted " << legs.a_accepted << " times";
      EXPECT_LE(legs.b_filled, legs.a_filled + 1e-9) << "intent " << intent << " over-hedged";
      const double lot = 0.01;  // OKX BTC-USDT-SWAP: ctVal 0.01 × lotSz 1, the coarser venue
      EXPECT_TRUE(legs.a_filled - legs.b_filled < lot + 1e-9 || hedge_lost)
          << "intent " << intent << " unhedged (A " << legs.a_filled << ", B " << legs.b_filled << ") without P0 hedge_lost";
      fills += (fills.empty() ? "" : ", ") + qty_text(legs.b_filled) + " / " + qty_text(legs.a_filled);
    }
    row_.a_accepted = std::to_string(max_a);
    row_.fills = (fills.empty() ? "no trade reached a venue" : fills) + (hedge_lost ? " (P0 hedge_lost)" : "");
  }

  // Drives the daemon to the point and checks that it died there by SIGKILL.
  void crash_at(const CrashCase& c) {
    ASSERT_TRUE(shared_store().ready);
    ASSERT_NO_FATAL_FAILURE(start_simulator());
    if (c.action == Action::recon) {
      ASSERT_NO_FATAL_FAILURE(start_daemon(c.first_crash));
      ASSERT_NO_FATAL_FAILURE(drive(Action::pair));
      ASSERT_TRUE(killed_within(20s)) << "the first crash at " << c.first_crash << " did not happen";
      ASSERT_NO_FATAL_FAILURE(start_daemon(c.failpoint, true));  // recon runs at start-up
    } else {
      ASSERT_NO_FATAL_FAILURE(start_daemon(c.failpoint));
      ASSERT_NO_FATAL_FAILURE(drive(c.action));
    }
    const bool killed = killed_within(20s);
    row_.killed = killed ? "SIGKILL" : "no";
    ASSERT_TRUE(killed) << c.failpoint << " was not reached; execute answered " << execute_answer_ << "\n"
                        << daemon_->stderr_text();
    if (c.action == Action::partial_pair) set_partial_fills(0.0);
  }

  // Restarts without the failpoint on the same data directory and checks every invariant.
  void restart_and_check() {
    ASSERT_NO_FATAL_FAILURE(start_daemon(""));
    row_.recon = check_hold_until_reconciled();
    check_invariants();
  }

  TempDir data_;
  TempDir bundle_;
  std::string config_;
  std::unique_ptr<DaemonProcess> sim_;
  std::unique_ptr<DaemonProcess> daemon_;
  int admin_ = 0;
  std::uint16_t port_ = 0;
  std::string logs_;
  std::string execute_answer_;
  Row row_;
};

TEST_P(CrashE2E, KilledAtThePointRestartsIntoHoldReconcilesAndKeepsEveryInvariant) {
#if !defined(PROPBOT_HAVE_BINANCE_SIM) || !defined(PROPBOT_HAVE_OKX_SIM)
  GTEST_SKIP() << "this build has no binance / okx simulator frontend";
#endif
  const CrashCase& c = GetParam();
  row_.point = c.failpoint;
  row_.action = to_string(c.action);
  if (*c.skip != '\0') {
    row_.killed = row_.recon = row_.a_accepted = row_.fills = row_.exposure = "—";
    row_.verdict = std::string("SKIP: ") + c.skip;
    GTEST_SKIP() << c.skip;
  }
  const auto known = kKnownFailures.find(c.failpoint);
  const char* strict = std::getenv("PROPBOT_CRASH_STRICT");
  if (known == kKnownFailures.end() || (strict != nullptr && std::string(strict) == "1")) {
    ASSERT_NO_FATAL_FAILURE(crash_at(c));
    restart_and_check();
    return;
  }
  // Only what the defect explains is tolerated: reaching the point (and dying there) is
  // asserted as usual unless the defect is what keeps the daemon from it.
  if (!known->second.blocks_the_point) {
    ASSERT_NO_FATAL_FAILURE(crash_at(c));
  }
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter intercept(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    if (known->second.blocks_the_point) crash_at(c);
    if (row_.killed == "SIGKILL") restart_and_check();
  }
  if (failures.size() == 0) {
    ADD_FAILURE() << c.failpoint << " is listed as a known failure but passes now: remove it from kKnownFailures";
    return;
  }
  std::cout << "KNOWN FAILURE at " << c.failpoint << ": " << known->second.why << "\n";
  for (int i = 0; i < failures.size(); ++i) {
    const auto& failure = failures.GetTestPartResult(i);
    std::cout << "  " << (failure.file_name() != nullptr ? failure.file_name() : "") << ":" << failure.line_number()
              << ": " << std::string(failure.summary()).substr(0, 400) << "\n";
  }
  std::string bugs;
  for (const char* bug : {"bug 1", "bug 2"}) {
    if (known->second.why.find(bug) != std::string::npos) bugs += (bugs.empty() ? "" : ", ") + std::string(bug);
  }
  row_.verdict = "KNOWN FAILURE (" + bugs + ")";
}

const CrashCase kCases[] = {
    {"intent_a_recorded", Action::pair},
    {"intent_b_recorded", Action::pair},
    {"new_a_recorded", Action::pair},
    {"sent_a_recorded", Action::pair},
    {"place_a_called", Action::pair},
    {"a_acknowledged", Action::pair},
    {"a_partial_recorded", Action::partial_pair},
    {"hedge_planned", Action::pair},
    {"sent_b_recorded", Action::pair},
    {"place_b_called", Action::pair},
    {"b_acknowledged", Action::pair},
    {"between_fills_of_a", Action::partial_pair, "",
     "leg A is IOC: the simulator answers its partial fill and its expiry together, so the hedge never goes out "
     "while A can still fill"},
    {"fill_recorded", Action::pair},
    {"b_filled", Action::pair},
    {"trade_hedged", Action::pair},
    {"cancel_sent", Action::pair, "",
     "every order the executor sends is IOC: cancel() is only reached for an order still open after a place "
     "deadline or after recon's query, and the simulator answers every IOC order final"},
    {"recon_started", Action::recon, "place_a_called"},
    {"recon_order_resolved", Action::recon, "a_acknowledged"},
    {"recon_hedge_resumed", Action::recon, "hedge_planned"},
    {"cancel_all_sent", Action::kill_switch},
    {"flatten_started", Action::kill_switch},
    {"flatten_order_sent", Action::kill_switch},
    {"flatten_done", Action::kill_switch},
    {"single_sent", Action::kill_switch},
};

static_assert(std::size(kCases) == kCaseCount);

INSTANTIATE_TEST_SUITE_P(Failpoints, CrashE2E, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<CrashCase>& info) { return std::string(info.param.failpoint); });

}  // namespace
}  // namespace propbot::testing
