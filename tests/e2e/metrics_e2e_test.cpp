// GET /metrics end to end (issue 16 item 3, SPEC S-11.7): the real binary in the paper
// profile, its embedded venues streaming books, scraped over HTTP without a token; the
// scrape must pass `promtool check metrics` (Debian's prometheus package, installed by
// deploy/bootstrap-deps.sh — the test is skipped, saying so, only where /usr/bin/promtool
// is absent), its figures must move with the engine, its mode gauge must agree with
// /api/health, an operator's incident shows in it, and no development token may appear
// in it.
#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

using namespace std::chrono_literals;
constexpr const char* kPromtool = "/usr/bin/promtool";

// The value of the sample line that starts with `series` followed by a space.
std::optional<double> sample_value(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

struct Scrape {
  int status = 0;
  std::string content_type;
  std::string body;
};

Scrape scrape(std::uint16_t port) {
  auto result = test_support::http_request("127.0.0.1", port, "GET", "/metrics");
  return {result.status, result.header("Content-Type"), result.body};
}

// promtool's exit code and what it printed for `text` on its standard input.
std::pair<int, std::string> promtool_check(const std::string& text, const std::string& dir) {
  const std::string input = dir + "/scrape.prom";
  const std::string output = dir + "/promtool.out";
  std::ofstream(input, std::ios::binary) << text;
  const std::string command = std::string(kPromtool) + " check metrics < " + input + " > " + output + " 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text_file(output)};
}

TEST(MetricsE2E, ALiveScrapePassesPromtoolAndMovesWithTheEngine) {
  if (!std::filesystem::exists(kPromtool)) {
    GTEST_SKIP() << kPromtool << " is absent: install Debian's prometheus package (deploy/bootstrap-deps.sh) "
                 << "to validate the exposition format";
  }
  TempDir data;
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data.path()});
  ASSERT_TRUE(daemon.start());
  const auto port_value = daemon.wait_for_listening(30s);
  ASSERT_TRUE(port_value.has_value()) << daemon.stderr_text();
  const auto port = static_cast<std::uint16_t>(*port_value);

  // Some books first: the engine has processed events and published them.
  Scrape first;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  do {
    first = scrape(port);
    if (sample_value(first.body, "propbot_book_events_total").value_or(0) > 0) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(first.status, 200) << "no token needed, as /healthz";
  EXPECT_TRUE(first.content_type.starts_with("text/plain; version=0.0.4")) << first.content_type;
  const double events = sample_value(first.body, "propbot_book_events_total").value_or(0);
  ASSERT_GT(events, 0) << first.body;

  const auto [code, report] = promtool_check(first.body, data.path());
  EXPECT_EQ(code, 0) << "promtool check metrics:\n" << report << "\nthe scrape:\n" << first.body;

  // The families S-11.7 asks for that the paper daemon measures.
  for (const char* series : {"propbot_mode{mode=\"HOLD\"}", "propbot_cancels_failed_total", "propbot_orders_rejected_total",
                             "propbot_incidents_active{severity=\"P0\"}", "propbot_pnl_usdt{bucket=\"unrealized\"}",
                             "propbot_book_age_seconds{venue=\"BINANCE\",symbol=\"BTC-USDT\"}"}) {
    EXPECT_TRUE(sample_value(first.body, series).has_value()) << series << " missing from:\n" << first.body;
  }

  // Bounded labels: every venue label is a configured venue of the paper profile.
  std::istringstream lines(first.body);
  int venue_labels = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find("venue=\"");
    if (line.starts_with("#") || at == std::string::npos) continue;
    const auto start = at + 7;
    const std::string venue = line.substr(start, line.find('"', start) - start);
    EXPECT_TRUE(venue == "BINANCE" || venue == "OKX") << line;
    ++venue_labels;
  }
  EXPECT_GT(venue_labels, 0);

  // The mode gauge says what /api/health says (the paper desk starts held).
  const auto health = nlohmann::json::parse(test_support::http_request("127.0.0.1", port, "GET", "/api/health").body,
                                            nullptr, false);
  ASSERT_TRUE(health.is_object());
  const std::string mode = health.value("mode", "");
  EXPECT_EQ(mode, "HOLD");
  EXPECT_EQ(sample_value(first.body, "propbot_mode{mode=\"" + mode + "\"}"), 1.0);
  for (const char* other : {"HOLD", "RESUME", "KILL"}) {
    if (other != mode) {
      EXPECT_EQ(sample_value(first.body, std::string("propbot_mode{mode=\"") + other + "\"}"), 0.0);
    }
  }

  // Figures move: more books processed, one more render timed (the histogram's count),
  // one more active P2 incident after an operator logged one.
  const DevCredentials credentials = read_dev_credentials(PROPBOT_BINARY, data.path());
  ASSERT_EQ(credentials.tokens.count("operator1"), 1u);
  const auto p2_before = sample_value(first.body, "propbot_incidents_active{severity=\"P2\"}");
  ASSERT_TRUE(p2_before.has_value());
  const auto [logged, logged_body] = api_call(port, credentials, "operator1", "POST", "/api/ui/incidents/manual_log",
                                              {{"severity", "P2"}, {"component", "metrics_e2e"}, {"summary", "a test"}});
  ASSERT_EQ(logged, 200) << logged_body.dump();
  std::this_thread::sleep_for(1500ms);
  const Scrape second = scrape(port);
  ASSERT_EQ(second.status, 200);
  EXPECT_GT(sample_value(second.body, "propbot_book_events_total").value_or(0), events);
  const auto renders_before = sample_value(first.body, "propbot_metrics_render_seconds_count");
  const auto renders_after = sample_value(second.body, "propbot_metrics_render_seconds_count");
  ASSERT_TRUE(renders_before && renders_after) << second.body;
  EXPECT_GE(*renders_after, *renders_before + 1);
  EXPECT_EQ(sample_value(second.body, "propbot_metrics_render_seconds_bucket{le=\"+Inf\"}"), renders_after);
  EXPECT_EQ(sample_value(second.body, "propbot_incidents_active{severity=\"P2\"}"), *p2_before + 1);
  EXPECT_EQ(promtool_check(second.body, data.path()).first, 0) << second.body;

  // No secret: none of the store's development tokens appears in a scrape.
  for (const auto& [name, token] : credentials.tokens) {
    EXPECT_EQ(second.body.find(token), std::string::npos) << name << "'s token leaked into /metrics";
  }

  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(20s).value_or(-1), 0) << daemon.stderr_text();
}

}  // namespace
}  // namespace propbot::testing
