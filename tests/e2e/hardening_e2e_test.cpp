// Issue 10 against the real binary: one request must never crash or freeze the daemon.
// Each test replays a finding as an attacker or a careless operator would send it — a
// 70,000-deep JSON payload, a strategy whose string.find backtracks for ever, a YAML
// alias bomb, a thousand half-open connections — and checks that the daemon answers it
// with a clear error while /healthz and an operator's HOLD keep answering, and that
// SIGTERM still ends it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point started) {
  return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

// The strategy of finding 2: Lua's matcher backtracks exponentially on this pattern
// (N = 28: for ever), inside one C call that no instruction hook interrupts.
constexpr const char* kFreezingStrategy = R"(local M = {name = "cross_exchange_arb", params = {
  min_spread_bps = {type = "number", default = 4}, exit_spread_bps = {type = "number", default = 1},
  notional_usdt = {type = "number", default = 1000}, taker_fee_bps = {type = "number", default = 4}}}
function M.on_book(ctx, ev)
  return string.find(string.rep("a", 40), string.rep("a-", 28) .. "b")
end
return M
)";

std::size_t rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

class HardeningE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    // Shadow validation off: it would refuse the strategies that run away only live once
    // the market tape holds enough books (issue 15); here the live defences are under test.
    daemon_ = std::make_unique<DaemonProcess>(
        std::vector<std::string>{PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_.path()},
        std::vector<std::string>{"PROPBOT_VALIDATION__SHADOW_WINDOW_S=0"});
    ASSERT_TRUE(daemon_->start());
    auto port = daemon_->wait_for_listening(20s);
    ASSERT_TRUE(port.has_value()) << daemon_->stderr_text();
    port_ = static_cast<std::uint16_t>(*port);
    creds_ = read_dev_credentials(PROPBOT_BINARY, data_.path());
    ASSERT_EQ(creds_.tokens.count("operator1"), 1u);
  }

  void TearDown() override {
    if (daemon_ && daemon_->running()) {
      daemon_->send_signal(SIGTERM);
      EXPECT_EQ(daemon_->wait_exit(15s).value_or(-1), 0) << daemon_->stderr_text();
    }
  }

  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr, std::chrono::milliseconds timeout = 30s) {
    return api_call(port_, creds_, who, method, path, body, nullptr, timeout);
  }

  // Time for /healthz and an operator's HOLD while something else runs; both must answer.
  void expect_health_and_hold_answer(const char* during) {
    const auto health_started = Clock::now();
    auto health = test_support::http_request("127.0.0.1", port_, "GET", "/healthz", "", {}, 5s);
    const double health_ms = ms_since(health_started);
    const auto hold_started = Clock::now();
    auto [hold_status, hold] = call("operator1", "POST", "/api/ui/hold", json{{"reason", "hardening e2e"}}, 5s);
    const double hold_ms = ms_since(hold_started);
    std::cout << "[          ] during " << during << ": /healthz " << health.status << " in " << health_ms
              << " ms, POST /api/ui/hold " << hold_status << " in " << hold_ms << " ms\n";
    EXPECT_EQ(health.status, 200) << health.error;
    EXPECT_EQ(hold_status, 200) << hold.dump();
    // Not a performance assertion (the figures are printed and recorded in
    // PERFORMANCE.md): held hostage they would wait seconds, the time of what runs.
    EXPECT_LT(health_ms, 1000) << "/healthz waited for " << during;
    EXPECT_LT(hold_ms, 1000) << "POST /api/ui/hold waited for " << during;
  }

  // A bundle whose validation runs to the worker's deadline: the profile grants each
  // call 10^10 instructions and the strategy uses them (legal, just slow).
  static json slow_validation() {
    std::string yaml = read_text_file(std::string(PROPBOT_SOURCE_DIR) + "/configs/paper.yaml");
    const std::string budget = "instruction_budget: 1000000 ";
    EXPECT_NE(yaml.find(budget), std::string::npos);
    if (yaml.find(budget) != std::string::npos) {
      yaml.replace(yaml.find(budget), budget.size(), "instruction_budget: 10000000000 ");
    }
    std::string slow = kFreezingStrategy;
    slow.replace(slow.find("return string.find"), std::string("return string.find").size(),
                 "local x = 0 for i = 1, 4e9 do x = x + i end return string.find");
    return json{{"files", {{"configs/paper.yaml", yaml}, {"strategies/cross_exchange_arb.lua", slow}}}};
  }

  TempDir data_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::uint16_t port_ = 0;
  DevCredentials creds_;
};

TEST_F(HardeningE2E, ADeeplyNestedApprovalPayloadIsRefusedAndTheDaemonLives) {
  // Finding 1: 70,000 levels (420 KB, under the 1 MiB body limit) crashed it (SIGSEGV).
  std::string payload;
  for (int i = 0; i < 70'000; ++i) payload += "{\"a\":";
  payload += "1";
  payload.append(70'000, '}');
  const std::string body = R"({"kind":"raise_limit","reason":"deep","payload":)" + payload + "}";
  auto reply = test_support::http_request("127.0.0.1", port_, "POST", "/api/ui/approvals", body,
                                          {{"Authorization", "Bearer " + creds_.tokens.at("operator1")},
                                           {"Content-Type", "application/json"}},
                                          10s);
  EXPECT_EQ(reply.status, 400) << reply.error << reply.body.substr(0, 300);
  EXPECT_THAT(reply.body, HasSubstr("JSON nests deeper than 32 levels"));
  EXPECT_TRUE(daemon_->running());
  expect_health_and_hold_answer("after the deep payload");
}

TEST_F(HardeningE2E, ValidatingAFreezingScriptIsAnErrorWithinTheBudget) {
  // Finding 2: this validate held the only API thread for ever and was reported valid.
  const auto started = Clock::now();
  auto [status, answer] = call("operator1", "POST", "/api/ui/config/validate",
                               json{{"files", {{"strategies/cross_exchange_arb.lua", kFreezingStrategy}}}}, 60s);
  const double took = ms_since(started);
  std::cout << "[          ] validate of the freezing script answered " << status << " in " << took << " ms\n";
  ASSERT_EQ(status, 200) << answer.dump();
  EXPECT_EQ(answer["valid"], false) << "a script that cannot finish is not valid";
  EXPECT_THAT(answer["errors"].dump(), HasSubstr("instruction budget exceeded"));
  EXPECT_THAT(answer["errors"].dump(), HasSubstr("string.find"));
  expect_health_and_hold_answer("after the validate");
}

TEST_F(HardeningE2E, ALongValidationNeverHoldsHealthOrHold) {
  // Whatever runs past its bounds in a validation (here a profile granting 10^10
  // instructions per call and a strategy using them) runs on a blocking worker in a
  // child process: /healthz and an operator's HOLD answer meanwhile, and the bundle is
  // refused at the worker's deadline.
  std::atomic<bool> validating{true};
  auto validation = std::async(std::launch::async, [&] {
    auto answer = call("operator1", "POST", "/api/ui/config/validate", slow_validation(), 60s);
    validating.store(false);
    return answer;
  });
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(validating.load()) << "the validation was meant to take seconds";
  expect_health_and_hold_answer("a validation that runs to its deadline");
  EXPECT_TRUE(validating.load());
  auto [status, answer] = validation.get();
  ASSERT_EQ(status, 200) << answer.dump();
  EXPECT_EQ(answer["valid"], false);
  // The worker's wall and CPU limits are both 10 s; a strategy burning CPU reaches
  // either first, depending on what else the machine runs. Both refuse the bundle.
  EXPECT_THAT(answer["errors"].dump(), ::testing::AnyOf(HasSubstr("validation did not finish within 10000 ms"),
                                                        HasSubstr("validation used more than 10 s of CPU")));
}

TEST_F(HardeningE2E, AStrategyThatRunsAwayOnlyLiveIsStoppedAndFrozenWhileTheDeskAnswers) {
  // Finding 2, live: validation passes (its dry runs call on_book a few dozen times),
  // then each book event runs a loop of 8 MiB string comparisons — one VM instruction of
  // ~1 ms each, which the instruction count alone let run for minutes on the engine
  // thread. The per-call time limit stops each call; three in a row freeze it (one P1).
  std::string runaway = kFreezingStrategy;
  runaway.replace(runaway.find("return string.find(string.rep(\"a\", 40), string.rep(\"a-\", 28) .. \"b\")"),
                  std::string("return string.find(string.rep(\"a\", 40), string.rep(\"a-\", 28) .. \"b\")").size(),
                  "ctx.state.n = (ctx.state.n or 0) + 1\n"
                  "  if ctx.state.n > 60 then\n"
                  "    local a = string.rep('a', 8 * 1024 * 1024)\n"
                  "    local b, c = a .. 'b', a .. 'c'\n"
                  "    for i = 1, 100000 do if b < c then end end\n"
                  "  end");
  auto [status, applied] = call("operator1", "POST", "/api/ui/config/apply",
                                json{{"files", {{"strategies/cross_exchange_arb.lua", runaway}}}, {"message", "runaway"}});
  ASSERT_EQ(status, 200) << applied.dump();
  const auto started = Clock::now();
  json market;
  bool frozen = false;
  while (!frozen && Clock::now() - started < 60s) {
    expect_health_and_hold_answer("a strategy running away on the engine thread");
    market = call("viewer1", "GET", "/api/ui/market").second;
    for (const auto& strategy : market["strategies"]) {
      frozen |= strategy["strategy"] == "cross_exchange_arb" && strategy["state"] == "frozen";
    }
    std::this_thread::sleep_for(200ms);
  }
  std::cout << "[          ] the runaway strategy was frozen after " << ms_since(started) << " ms\n";
  ASSERT_TRUE(frozen) << market.dump();
  for (const auto& strategy : market["strategies"]) {
    if (strategy["strategy"] != "cross_exchange_arb") continue;
    EXPECT_THAT(strategy["last_fault"].get<std::string>(), HasSubstr("time limit exceeded")) << strategy.dump();
  }
  auto [incidents_status, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  ASSERT_EQ(incidents_status, 200);
  int p1 = 0;
  for (const auto& incident : incidents["active"]) {
    if (incident["component"] == "strategy:cross_exchange_arb" && incident["severity"] == "P1") {
      ++p1;
      EXPECT_EQ(incident["code"], "strategy_degraded") << incident.dump();
    }
  }
  EXPECT_EQ(p1, 1) << incidents.dump();
}

TEST_F(HardeningE2E, AYamlAliasBombIsRefusedWithoutTheDaemonGrowing) {
  // Finding 3: 7 levels of aliases in a strategy's params took the daemon to 1.85 GB.
  std::string yaml = read_text_file(std::string(PROPBOT_SOURCE_DIR) + "/configs/paper.yaml");
  std::string bomb = "\n      l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 8; ++level) {
    bomb += "      l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *l" : "*l") + std::to_string(level - 1);
    bomb += "]\n";
  }
  const std::string anchor = "      taker_fee_bps: 4    # per leg, subtracted from the spread before deciding\n";
  ASSERT_NE(yaml.find(anchor), std::string::npos);
  yaml.insert(yaml.find(anchor) + anchor.size(), bomb.substr(1));
  const std::size_t before = rss_kib(daemon_->pid());
  const auto started = Clock::now();
  auto [status, answer] = call("operator1", "POST", "/api/ui/config/validate", json{{"files", {{"configs/paper.yaml", yaml}}}});
  const double took = ms_since(started);
  const std::size_t after = rss_kib(daemon_->pid());
  std::cout << "[          ] alias bomb: " << status << " in " << took << " ms; daemon RSS " << before / 1024 << " -> "
            << after / 1024 << " MiB\n";
  ASSERT_EQ(status, 200) << answer.dump();
  EXPECT_EQ(answer["valid"], false);
  EXPECT_THAT(answer["errors"].dump(), HasSubstr("expands to more than 100000 nodes"));
  EXPECT_LT(after, before + 64 * 1024) << "the daemon grew by more than 64 MiB";
  auto [apply_status, applied] = call("operator1", "POST", "/api/ui/config/apply", json{{"files", {{"configs/paper.yaml", yaml}}}});
  EXPECT_EQ(apply_status, 422) << applied.dump();
}

TEST_F(HardeningE2E, ABodyWithoutFilesIsRefusedByValidateAndApply) {
  // Finding 9: {"files": null} was accepted.
  for (const char* path : {"/api/ui/config/validate", "/api/ui/config/apply"}) {
    auto [status, answer] = call("operator1", "POST", path, json{{"files", nullptr}});
    EXPECT_EQ(status, 400) << path << " " << answer.dump();
    EXPECT_THAT(answer["error"]["message"].get<std::string>(), HasSubstr("field 'files' is required")) << path;
  }
  auto [status, answer] = call("operator1", "POST", "/api/ui/config/apply",
                               json{{"files", json::object()}, {"message", std::string(901, 'm')}});
  EXPECT_EQ(status, 400) << answer.dump();
  EXPECT_THAT(answer["error"]["message"].get<std::string>(), HasSubstr("field 'message': at most 900 bytes"));
}

TEST_F(HardeningE2E, TheDataDirectoryAndItsFilesArePrivate) {
  // Finding 9: propbot.db was created 0644.
  for (const std::string name : {"", "/propbot.db", "/propbot.db-wal", "/secrets.enc", "/secrets.key"}) {
    struct stat info {};
    const std::string path = data_.path() + name;
    ASSERT_EQ(::stat(path.c_str(), &info), 0) << path;
    EXPECT_EQ(info.st_mode & 077, 0u) << path << " is readable by group or others: " << std::oct << (info.st_mode & 0777);
  }
}

TEST_F(HardeningE2E, AThousandHalfOpenConnectionsFromOneAddressDoNotStopAnOperatorFromHolding) {
  // Finding 4: ~400 half-open connections starved every client, HOLD included.
  struct rlimit limit {};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_max < 1200) GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << limit.rlim_max << " < 1200";
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);

  std::vector<int> flood;
  sockaddr_in source{};
  source.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.2", &source.sin_addr);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(port_);
  ::inet_pton(AF_INET, "127.0.0.1", &target.sin_addr);
  int connected = 0;
  for (int i = 0; i < 1000; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    flood.push_back(fd);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) continue;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) continue;
    ++connected;
    const char partial[] = "POST /api/ui/hold HTTP/1.1\r\nHost: x\r\n";  // never finished
    (void)::send(fd, partial, sizeof partial - 1, MSG_NOSIGNAL);
  }
  std::cout << "[          ] " << connected << " half-open connections from 127.0.0.2\n";
  EXPECT_GT(connected, 500);
  expect_health_and_hold_answer("1000 half-open connections from another address");
  for (int fd : flood) ::close(fd);
}

TEST_F(HardeningE2E, SigtermEndsTheDaemonPromptlyWhileAValidationRuns) {
  // Finding 2: frozen that way, the daemon ignored SIGTERM (only SIGKILL ended it). The
  // validation in flight is cancelled (its worker killed) so the stop stays prompt.
  auto validation = std::async(std::launch::async, [&] {
    return call("operator1", "POST", "/api/ui/config/validate", slow_validation(), 30s);
  });
  std::this_thread::sleep_for(300ms);
  const auto started = Clock::now();
  daemon_->send_signal(SIGTERM);
  const auto code = daemon_->wait_exit(20s);
  const double took = ms_since(started);
  std::cout << "[          ] SIGTERM during a validate: exit " << code.value_or(-1) << " after " << took << " ms\n";
  EXPECT_EQ(code.value_or(-1), 0) << daemon_->stderr_text();
  EXPECT_LT(took, 5000) << "the stop waited for the validation (it runs 10 s)";
  validation.wait();
}

}  // namespace
}  // namespace propbot::testing
