// Shadow validation end to end (issue 15): the real binary in the paper profile records
// its embedded venues' books in its market tape; validate and apply replay the tape
// through the changed strategy in the shadow worker. A strategy that faults only after a
// 50-event warm-up — which the synthetic dry runs never reach — is refused by
// POST /api/ui/config/validate and by /apply with the fault's file:line and its counts;
// a correct change answers its proposal count beside the running version's.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Proposes on every `every`-th book; `warm_up` > 0: faults at line 8 once it has seen
// more than that many books.
std::string counter_source(int every, int warm_up = 0) {
  return "local M = { name = \"counter\" }\n"                                          // 1
         "function M.migrate(old) return old end\n"                                    // 2
         "function M.on_book(ctx, ev)\n"                                               // 3
         "  local n = (ctx.state.n or 0) + 1\n"                                        // 4
         "  ctx.state.n = n\n"                                                         // 5
         "  local warm_up = " + std::to_string(warm_up) + "\n"                         // 6
         "  if warm_up > 0 and n > warm_up then\n"                                     // 7
         "    local missing = nil; return missing.price\n"                             // 8
         "  end\n"                                                                     // 9
         "  if n % " + std::to_string(every) + " ~= 0 then return end\n"               // 10
         "  ctx:propose{ symbol = ev.symbol, long_venue = \"BINANCE\", short_venue = \"OKX\",\n"
         "               notional_usdt = 100, reason = \"n=\" .. n }\n"
         "end\n"
         "return M\n";
}

class ShadowValidationE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path source = PROPBOT_SOURCE_DIR;
    for (const char* dir : {"configs", "strategies", "policies"}) {
      fs::copy(source / dir, fs::path(bundle_.path()) / dir, fs::copy_options::recursive);
    }
    std::string profile = read_text_file((source / "configs/paper.yaml").string());
    const std::string anchor = "\nstrategies:\n";
    const auto at = profile.find(anchor);
    ASSERT_NE(at, std::string::npos);
    profile.insert(at + anchor.size(), "  - name: counter\n    file: strategies/counter.lua\n    enabled: true\n");
    write_text(fs::path(bundle_.path()) / "configs/paper.yaml", profile);
    write_text(fs::path(bundle_.path()) / "strategies/counter.lua", counter_source(1));

    daemon_ = std::make_unique<DaemonProcess>(std::vector<std::string>{
        PROPBOT_BINARY, "run", "--profile", "paper", "--config", bundle_.path() + "/configs/paper.yaml", "--port", "0",
        "--data-dir", data_.path()});
    ASSERT_TRUE(daemon_->start());
    auto port = daemon_->wait_for_listening(30s);
    ASSERT_TRUE(port.has_value()) << daemon_->stderr_text();
    port_ = static_cast<std::uint16_t>(*port);
    creds_ = read_dev_credentials(PROPBOT_BINARY, data_.path());
    ASSERT_EQ(creds_.tokens.count("operator1"), 1u);
  }

  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body);
  }

  // Waits until the engine has seen `events` book events, then for the tape to seal them
  // (it lags the engine by at most a second and a snapshot).
  void wait_for_events(std::uint64_t events) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::uint64_t seen = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      auto [status, body] = call("", "GET", "/api/opportunities");
      if (status == 200) seen = body.value("book_events", std::uint64_t{0});
      if (seen >= events) break;
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_GE(seen, events) << "the paper venues did not stream";
    std::this_thread::sleep_for(1500ms);
  }

  json counter_files(const std::string& text) { return json{{"files", {{"strategies/counter.lua", text}}}}; }

  TempDir bundle_;
  TempDir data_;
  std::unique_ptr<DaemonProcess> daemon_;
  DevCredentials creds_;
  std::uint16_t port_ = 0;
};

TEST_F(ShadowValidationE2E, AFaultAfterAWarmUpIsRefusedAndACorrectChangeShowsItsProposals) {
  ASSERT_NO_FATAL_FAILURE(wait_for_events(200));

  // Faults after 50 books: the synthetic dry runs (a few dozen updates) never get there.
  const std::string broken = counter_source(1, 50);
  auto [valid_status, valid] = call("operator1", "POST", "/api/ui/config/validate", counter_files(broken));
  ASSERT_EQ(valid_status, 200) << valid.dump();
  EXPECT_EQ(valid["valid"], false) << valid.dump();
  ASSERT_EQ(valid["errors"].size(), 1u) << valid.dump();
  const json& error = valid["errors"][0];
  EXPECT_EQ(error["file"], "strategies/counter.lua") << error.dump();
  EXPECT_EQ(error["line"], 8) << error.dump();
  const std::string message = error["message"].get<std::string>();
  EXPECT_NE(message.find("shadow replay of the last " + std::to_string(valid["shadow"]["counter"]["span_s"].get<int>()) +
                         " s (" + std::to_string(valid["shadow"]["counter"]["events"].get<int>()) + " events)"),
            std::string::npos)
      << message;
  EXPECT_GE(valid["shadow"]["counter"]["span_s"].get<int>(), 2) << valid.dump();
  EXPECT_NE(message.find("on_book failed at strategies/counter.lua:8"), std::string::npos) << message;
  EXPECT_NE(message.find("proposals 50"), std::string::npos) << message;
  const json& figures = valid["shadow"]["counter"];
  EXPECT_GE(figures["candidate"]["calls"].get<int>(), 51) << figures.dump();
  EXPECT_EQ(figures["candidate"]["proposals"], 50) << figures.dump();
  EXPECT_GE(figures["candidate"]["faults"].get<int>(), 1) << figures.dump();
  EXPECT_EQ(figures["candidate"]["first_fault"]["at"], "strategies/counter.lua:8") << figures.dump();
  EXPECT_EQ(figures["candidate"]["first_fault"]["callback"], "on_book") << figures.dump();
  EXPECT_EQ(figures["running"]["faults"], 0) << figures.dump();
  EXPECT_GE(figures["events"].get<int>(), 200) << figures.dump();
  EXPECT_EQ(figures["window_s"], 300) << figures.dump();

  json apply_body = counter_files(broken);
  apply_body["message"] = "warm-up then fault";
  auto [refused_status, refused] = call("operator1", "POST", "/api/ui/config/apply", apply_body);
  EXPECT_EQ(refused_status, 422) << refused.dump();
  EXPECT_EQ(refused["applied"], false);
  ASSERT_FALSE(refused["errors"].empty()) << refused.dump();
  EXPECT_EQ(refused["errors"][0]["file"], "strategies/counter.lua");
  EXPECT_EQ(refused["errors"][0]["line"], 8);
  EXPECT_EQ(refused["shadow"]["counter"]["candidate"]["first_fault"]["at"], "strategies/counter.lua:8");

  // A correct change: every second book. Its proposals beside the running version's
  // (every book) over the same events.
  apply_body = counter_files(counter_source(2));
  apply_body["message"] = "every second book";
  auto [apply_status, applied] = call("operator1", "POST", "/api/ui/config/apply", apply_body);
  ASSERT_EQ(apply_status, 200) << applied.dump();
  EXPECT_EQ(applied["applied"], true) << applied.dump();
  const json& shown = applied["shadow"]["counter"];
  const auto candidate = shown["candidate"]["proposals"].get<std::int64_t>();
  const auto running = shown["running"]["proposals"].get<std::int64_t>();
  EXPECT_GT(candidate, 0) << shown.dump();
  EXPECT_GE(running, 200) << shown.dump();
  EXPECT_NEAR(static_cast<double>(candidate), static_cast<double>(running) / 2.0, 1.0) << shown.dump();
  EXPECT_EQ(shown["candidate"]["faults"], 0);
  EXPECT_TRUE(applied["warnings"].empty()) << applied.dump();

  // A change that never proposes is applied with a warning naming it.
  apply_body = counter_files(counter_source(1'000'000'000));
  apply_body["message"] = "silent";
  auto [silent_status, silent] = call("operator1", "POST", "/api/ui/config/validate", apply_body);
  ASSERT_EQ(silent_status, 200) << silent.dump();
  EXPECT_EQ(silent["valid"], true) << silent.dump();
  ASSERT_EQ(silent["warnings"].size(), 1u) << silent.dump();
  EXPECT_NE(silent["warnings"][0].get<std::string>().find("strategy 'counter' never proposed"), std::string::npos);
}

}  // namespace
}  // namespace propbot::testing
