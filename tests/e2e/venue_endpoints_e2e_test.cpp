// Real endpoints end to end (issue 12 item 8): the daemon runs against an outside
// `propbot venue-sim` exactly as against an exchange. The test funds accounts at the
// simulator through its admin API, stores the same keys in a secrets store with the
// `propbot secrets` CLI, points the paper profile's BINANCE and OKX venues at the
// simulator (rest_url / ws_url in the YAML file for one run, PROPBOT_VENUES__… for the
// other) and checks that books arrive from it, that both private streams come up with
// those keys, and that a missing key refuses the start with `FATAL CONFIG:` naming the
// entry — with no key value in any output or API answer.
#include <csignal>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/outside_venue_sim.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using test_support::http_request;
using namespace std::chrono_literals;

// Distinctive values, so any leak is found by a plain substring search.
const std::map<std::string, std::string> kVenueKeys = {
    {"binance.api_key", "e2eBinanceKey7Q2w9"},   {"binance.api_secret", "e2eBinanceSecret4Zt8"},
    {"okx.api_key", "e2eOkxKey3Hy6"},            {"okx.api_secret", "e2eOkxSecret8Vb1"},
    {"okx.passphrase", "e2eOkxPassphrase5Kd2"},
};
const std::string kViewerToken = "e2e-viewer-token-0123456789abcdef";
const std::string kApproveToken = "e2e-approve-token-9f8e7d6c5b4a";

// A secrets store made only with the CLI, as an operator would.
class OperatorStore {
 public:
  explicit OperatorStore(const std::string& dir) : store_(dir + "/secrets.enc"), key_(dir + "/secrets.key") {}

  const std::string& store() const { return store_; }
  const std::string& key() const { return key_; }

  ::testing::AssertionResult init() {
    const CommandRun made =
        run_to_exit({PROPBOT_BINARY, "secrets", "init", "--store", store_, "--key-file", key_}, 20s);
    if (made.exit_code != 0) return ::testing::AssertionFailure() << "secrets init: " << made.err;
    const CommandRun token = run_to_exit({PROPBOT_BINARY, "secrets", "add-token", "--store", store_, "--key-file", key_,
                                          "--name", "viewer1", "--role", "viewer", "--token", kViewerToken},
                                         20s);
    if (token.exit_code != 0) return ::testing::AssertionFailure() << "secrets add-token: " << token.err;
    return set("approve_token", kApproveToken);
  }

  // `propbot secrets set NAME` with the value on stdin, never on the command line.
  ::testing::AssertionResult set(const std::string& name, const std::string& value) {
    return secrets_set(store_, key_, name, value);
  }

 private:
  std::string store_;
  std::string key_;
};

// Every place a key value could show up: the daemon's own output and what it answered.
void expect_no_key_in(const std::string& text, const std::string& where) {
  for (const auto& [name, value] : kVenueKeys) {
    EXPECT_EQ(text.find(value), std::string::npos) << "the value of " << name << " appears in " << where;
  }
}

std::vector<std::string> daemon_args(const std::string& data_dir, const OperatorStore& secrets,
                                     std::vector<std::string> extra = {}) {
  std::vector<std::string> args{PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_dir,
                                "--secrets", secrets.store(), "--secrets-key-file", secrets.key()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

bool has_log_line(const std::string& log, const std::string& event, const std::string& detail) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(event) != std::string::npos && line.find(detail) != std::string::npos) return true;
  }
  return false;
}

class VenueEndpointsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
#if !defined(PROPBOT_HAVE_BINANCE_SIM) || !defined(PROPBOT_HAVE_OKX_SIM)
    GTEST_SKIP() << "this build has no binance / okx simulator frontend";
#endif
    ASSERT_TRUE(secrets_.init());
  }

  // Starts `propbot venue-sim` on free ports and funds one account per venue there with
  // the keys the test stores in the secrets store.
  void start_simulator() {
    sim_ = std::make_unique<DaemonProcess>(std::vector<std::string>{
        PROPBOT_BINARY, "venue-sim", "--admin-port", "0", "--binance-port", "0", "--okx-port", "0", "--seed", "11"});
    ASSERT_TRUE(sim_->start());
    const auto ports = wait_for_venue_sim_listeners(*sim_, 20s);
    ASSERT_TRUE(ports.has_value()) << sim_->stderr_text();
    admin_ = ports->at("admin");
    binance_ = ports->at("binance");
    okx_ = ports->at("okx");
    const json accounts[] = {
        {{"venue", "binance"}, {"api_key", kVenueKeys.at("binance.api_key")},
         {"api_secret", kVenueKeys.at("binance.api_secret")}, {"balances", {{"USDT", 100000}}}},
        {{"venue", "okx"}, {"api_key", kVenueKeys.at("okx.api_key")}, {"api_secret", kVenueKeys.at("okx.api_secret")},
         {"passphrase", kVenueKeys.at("okx.passphrase")}, {"balances", {{"USDT", 100000}}}},
    };
    for (const json& account : accounts) ASSERT_TRUE(fund_sim_account(admin_, account));
  }

  void store_all_venue_keys() {
    for (const auto& [name, value] : kVenueKeys) ASSERT_TRUE(secrets_.set(name, value));
  }

  json market(int port, std::string* transcript) {
    const auto reply = http_request("127.0.0.1", static_cast<std::uint16_t>(port), "GET", "/api/ui/market", "",
                                    {{"Authorization", "Bearer " + kViewerToken}});
    *transcript += reply.body;
    return json::parse(reply.body, nullptr, false);
  }

  TempDir dir_;
  TempDir data_;
  OperatorStore secrets_{dir_.path()};
  std::unique_ptr<DaemonProcess> sim_;
  int admin_ = 0, binance_ = 0, okx_ = 0;
};

TEST_F(VenueEndpointsE2E, TheDaemonStreamsBooksAndConnectsPrivateStreamsAtAnOutsideSimulator) {
  ASSERT_NO_FATAL_FAILURE(start_simulator());
  ASSERT_NO_FATAL_FAILURE(store_all_venue_keys());
  TempDir bundle;
  const std::string config = bundle_pointing_at(bundle.path(), binance_, okx_);
  DaemonProcess daemon(daemon_args(data_.path(), secrets_, {"--config", config}));
  ASSERT_TRUE(daemon.start());
  const auto port = daemon.wait_for_listening(30s);
  ASSERT_TRUE(port.has_value()) << daemon.stderr_text();

  // Valid books for both venues and both symbols, priced by the outside simulator
  // (BTC-USDT starts at 65000 there; the embedded one would start at paper's 60000).
  std::string transcript;
  std::map<std::string, json> books;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    books.clear();
    const json body = market(*port, &transcript);
    for (const json& book : body.value("books", json::array())) {
      if (book.value("valid", false)) books[book["venue"].get<std::string>() + "/" + book["symbol"].get<std::string>()] = book;
    }
    if (books.size() == 4) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(books.size(), 4u) << "valid books: " << json(books).dump() << "\nstderr:\n" << daemon.stderr_text();
  for (const char* venue : {"BINANCE", "OKX"}) {
    const json& btc = books.at(std::string(venue) + "/BTC-USDT");
    EXPECT_GT(btc["bid"].get<double>(), 0.0) << btc.dump();
    EXPECT_LT(btc["bid"].get<double>(), btc["ask"].get<double>()) << btc.dump();
    EXPECT_GT(btc["mid"].get<double>(), 62500.0) << "not the outside simulator's price: " << btc.dump();
  }

  // The private streams log in with the stored keys (the simulator refuses any other).
  const auto streams_deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < streams_deadline &&
         !(has_log_line(daemon.stderr_text(), "private_stream_up", "BINANCE") &&
           has_log_line(daemon.stderr_text(), "private_stream_up", "OKX"))) {
    std::this_thread::sleep_for(200ms);
  }
  const std::string log = daemon.stderr_text();
  EXPECT_TRUE(has_log_line(log, "private_stream_up", "BINANCE")) << log;
  EXPECT_TRUE(has_log_line(log, "private_stream_up", "OKX")) << log;
  EXPECT_TRUE(has_log_line(log, "venue_connected", "http://127.0.0.1:" + std::to_string(binance_))) << log;
  EXPECT_TRUE(has_log_line(log, "venue_connected", "http://127.0.0.1:" + std::to_string(okx_))) << log;
  EXPECT_FALSE(has_log_line(log, "venue_connected", "embedded_sim")) << log;
  // demo: true reached the OKX adapter (x-simulated-trading: 1, which the simulator accepts).
  EXPECT_TRUE(has_log_line(log, "okx_adapter_ready", "demo=true")) << log;

  const auto secrets_list = http_request("127.0.0.1", static_cast<std::uint16_t>(*port), "GET", "/api/ui/secrets/status", "",
                                         {{"Authorization", "Bearer " + kViewerToken}});
  transcript += secrets_list.body;

  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(15s).value_or(-1), 0) << daemon.stderr_text();
  expect_no_key_in(daemon.stdout_text() + daemon.stderr_text(), "the daemon's output");
  expect_no_key_in(transcript, "the API's answers");
}

TEST_F(VenueEndpointsE2E, AMissingKeyRefusesTheStartNamingTheEntryAndTheCommand) {
  // Everything but OKX's secret and passphrase; the endpoints come from the environment.
  for (const char* name : {"binance.api_key", "binance.api_secret", "okx.api_key"}) {
    ASSERT_TRUE(secrets_.set(name, kVenueKeys.at(name)));
  }
  DaemonProcess daemon(daemon_args(data_.path(), secrets_),
                       {"PROPBOT_VENUES__BINANCE__REST_URL=http://127.0.0.1:9",
                        "PROPBOT_VENUES__BINANCE__WS_URL=ws://127.0.0.1:9",
                        "PROPBOT_VENUES__OKX__REST_URL=http://127.0.0.1:9",
                        "PROPBOT_VENUES__OKX__WS_URL=ws://127.0.0.1:9/ws/v5/public",
                        "PROPBOT_VENUES__OKX__WS_PRIVATE_URL=ws://127.0.0.1:9/ws/v5/private"});
  ASSERT_TRUE(daemon.start());
  const auto code = daemon.wait_exit(20s);
  ASSERT_TRUE(code.has_value()) << "the daemon did not stop";
  EXPECT_EQ(*code, 2);
  const std::string err = daemon.stderr_text();
  EXPECT_EQ(daemon.stdout_text().find("listening on"), std::string::npos);
  const std::string command = "propbot secrets set --store " + secrets_.store() + " --key-file " + secrets_.key();
  for (const char* name : {"okx.api_secret", "okx.passphrase"}) {
    const std::string line = "FATAL CONFIG: " + std::string(name) + " = '': missing from the secrets store: venue OKX";
    EXPECT_NE(err.find(line), std::string::npos) << err;
    EXPECT_NE(err.find(command + " " + name + " (the command reads the value from stdin)"), std::string::npos) << err;
  }
  EXPECT_EQ(err.find("binance.api_key ="), std::string::npos) << err;  // present entries are not reported
  expect_no_key_in(daemon.stdout_text() + err, "the refused start's output");
}

}  // namespace
}  // namespace propbot::testing
