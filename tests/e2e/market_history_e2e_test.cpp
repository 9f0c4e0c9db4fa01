// Market history and capture end to end (issue 14 item 6, SPEC S-9.6): the real daemon
// in the paper profile — whose embedded venues speak the Binance and OKX wire protocols
// to the real adapters over loopback WebSocket — run with `--capture FILE` and
// market_history.interval_s = 1 for a few seconds. Then, through the binary's own CLI:
// `propbot capture info FILE` shows market frames and REST answers for every venue and
// a clean end;
// `propbot market-history --data-dir DIR` has rows with a mid from every venue for every
// symbol. A daemon killed with SIGKILL leaves a capture that still reads (whole frames,
// at most a torn tail), and an existing capture file is never overwritten.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_process.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::vector<std::string> kVenues = {"BINANCE", "OKX"};
const std::vector<std::string> kSymbols = {"BTC-USDT", "ETH-USDT"};

std::vector<std::string> run_args(const std::string& data_dir, const std::string& capture) {
  return {PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_dir, "--capture", capture};
}

json command_json(std::vector<std::string> args) {
  args.insert(args.begin(), PROPBOT_BINARY);
  const CommandRun run = run_to_exit(args, 30s);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  json parsed = json::parse(run.out, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << run.out;
  return parsed;
}

// Runs the paper daemon with a capture for `seconds`, then stops it with `signal`.
void run_paper(const std::string& data_dir, const std::string& capture, std::chrono::seconds seconds, int signal) {
  DaemonProcess daemon(run_args(data_dir, capture), {"PROPBOT_MARKET_HISTORY__INTERVAL_S=1"});
  ASSERT_TRUE(daemon.start());
  ASSERT_TRUE(daemon.wait_for_listening(20s).has_value()) << daemon.stderr_text();
  std::this_thread::sleep_for(seconds);
  daemon.send_signal(signal);
  const auto code = daemon.wait_exit(20s);
  ASSERT_TRUE(code.has_value());
  if (signal == SIGTERM) {
    EXPECT_EQ(*code, 0) << daemon.stderr_text();
  }
}

TEST(MarketHistoryE2E, PaperRunCapturesEveryVenueAndRecordsMidsForEverySymbol) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  std::filesystem::create_directories(data);
  const std::string capture = dir.path() + "/paper.pbcap";
  run_paper(data, capture, 5s, SIGTERM);

  const json info = command_json({"capture", "info", capture});
  EXPECT_EQ(info["stop"], "end");
  EXPECT_EQ(info["venues"], json(kVenues));
  for (const std::string& venue : kVenues) {
    EXPECT_GT(info["by_venue"][venue]["market_ws"]["frames"].get<int>(), 0) << venue << ": " << info.dump();
    // The start-up requests' answers (time, instruments, depth snapshots) as well.
    EXPECT_GT(info["by_venue"][venue]["rest"]["frames"].get<int>(), 0) << venue << ": " << info.dump();
  }
  EXPECT_GT(info["span_s"].get<double>(), 1.0);
  EXPECT_EQ(info["file_bytes"], std::filesystem::file_size(capture));

  const json rows = command_json({"market-history", "--data-dir", data, "--minutes", "5"});
  ASSERT_TRUE(rows.is_array());
  for (const std::string& symbol : kSymbols) {
    bool every_mid = false;
    for (const json& row : rows) {
      if (row["symbol"] != symbol) continue;
      bool all = true;
      for (const std::string& venue : kVenues) all = all && row["venues"][venue]["mid"].is_number();
      if (!all) continue;
      every_mid = true;
      EXPECT_TRUE(row["spread_bps"].is_number()) << row.dump();
      EXPECT_TRUE(row["ws_gap_p95_ms"].is_object()) << row.dump();
      EXPECT_TRUE(row["breaker_flags"].is_array()) << row.dump();
    }
    EXPECT_TRUE(every_mid) << symbol << " has no row with a mid from every venue: " << rows.dump();
  }
}

TEST(MarketHistoryE2E, ACaptureSurvivesSigkillUpToItsLastWholeFrame) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  std::filesystem::create_directories(data);
  const std::string capture = dir.path() + "/killed.pbcap";
  run_paper(data, capture, 3s, SIGKILL);
  const json info = command_json({"capture", "info", capture});
  EXPECT_TRUE(info["stop"] == "end" || info["stop"] == "torn_tail") << info.dump();
  EXPECT_GT(info["frames"].get<int>(), 0) << info.dump();
}

TEST(MarketHistoryE2E, AnExistingCaptureFileIsRefusedNotOverwritten) {
  TempDir dir;
  const std::string capture = dir.path() + "/old.pbcap";
  { std::ofstream(capture) << "yesterday's capture"; }
  DaemonProcess daemon(run_args(dir.path(), capture));
  ASSERT_TRUE(daemon.start());
  const auto code = daemon.wait_exit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(daemon.stderr_text().find("FATAL CONFIG: --capture"), std::string::npos) << daemon.stderr_text();
  EXPECT_EQ(read_text_file(capture), "yesterday's capture");
}

}  // namespace
}  // namespace propbot::testing
