// Forensic bundles end to end (issue 14 item 4): the real binary in the paper profile
// with its embedded venues; an operator's P0 — the cheapest P0 there is — produces
// <data dir>/incidents_forensic/<id>/ with its manifest and files, GET /api/ui/incidents
// links it (forensic_captured: yes, forensic_ref), and the audit log vouches for the
// manifest's hash.
#include <csignal>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/crypto/sha256.hpp"
#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/desk_api.hpp"

namespace propbot::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

json incident_in(const json& view, std::int64_t id) {
  for (const auto& incident : view.value("active", json::array())) {
    if (incident.value("id", std::int64_t{-1}) == id) return incident;
  }
  return nullptr;
}

TEST(ForensicsE2E, AP0WritesItsBundleAndTheIncidentLinksIt) {
  TempDir data;
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data.path()});
  ASSERT_TRUE(daemon.start());
  const auto listening = daemon.wait_for_listening(20s);
  ASSERT_TRUE(listening.has_value()) << daemon.stderr_text();
  const auto port = static_cast<std::uint16_t>(*listening);
  const DevCredentials creds = read_dev_credentials(PROPBOT_BINARY, data.path());
  ASSERT_FALSE(creds.tokens.empty());
  std::string transcript;

  // Books first, so the bundle has a market to show.
  poll_api(port, creds, "/api/ui/market", [](const json& body) {
    for (const auto& book : body.value("books", json::array())) {
      if (book.value("valid", false)) return true;
    }
    return false;
  }, 30s, 100ms, &transcript);

  auto [logged, body] = api_call(port, creds, "operator1", "POST", "/api/ui/incidents/manual_log",
                                 {{"severity", "P0"}, {"component", "recon"}, {"summary", "BINANCE position mismatch"}},
                                 &transcript, 10s);
  ASSERT_EQ(logged, 200) << body.dump();
  const auto id = body["incident"]["id"].get<std::int64_t>();

  const json view = poll_api(port, creds, "/api/ui/incidents", [id](const json& incidents) {
    const json incident = incident_in(incidents, id);
    return incident.is_object() && incident["forensic_captured"] == "yes";
  }, 20s, 100ms, &transcript);
  const json incident = incident_in(view, id);
  ASSERT_TRUE(incident.is_object()) << view.dump();
  const fs::path bundle = fs::path(data.path()) / "incidents_forensic" / std::to_string(id);
  EXPECT_EQ(incident["forensic_ref"], bundle.string());

  // The manifest lists every file with its size and hash; the files are there and match.
  const json manifest = json::parse(read_text_file((bundle / "manifest.json").string()), nullptr, false);
  ASSERT_TRUE(manifest.is_object()) << "no manifest in " << bundle;
  EXPECT_EQ(manifest["incident_id"], id);
  std::set<std::string> names;
  for (const auto& file : manifest["files"]) {
    const std::string bytes = read_text_file((bundle / file["name"].get<std::string>()).string());
    names.insert(file["name"].get<std::string>());
    EXPECT_EQ(file["bytes"], bytes.size()) << file.dump();
    EXPECT_EQ(file["sha256"], crypto::sha256_hex(bytes)) << file.dump();
  }
  EXPECT_EQ(names, (std::set<std::string>{"incident.json", "books.json", "strategy_inputs.json", "proposals.json",
                                          "execution.json", "positions.json", "risk.json", "market_history.json"}));
  const json books = json::parse(read_text_file((bundle / "books.json").string()), nullptr, false);
  ASSERT_TRUE(books.is_object());
  EXPECT_FALSE(books["books"].empty()) << "the engine's books at the P0";
  const json recorded = json::parse(read_text_file((bundle / "incident.json").string()), nullptr, false);
  EXPECT_EQ(recorded["summary"], "BINANCE position mismatch");
  const json execution = json::parse(read_text_file((bundle / "execution.json").string()), nullptr, false);
  EXPECT_TRUE(execution.contains("hedge_log")) << execution.dump().substr(0, 400);

  // The audit chain holds the manifest's hash.
  auto [audited, page] = api_call(port, creds, "auditor1", "GET", "/api/ui/audit_log?action=forensic_bundle_written",
                                  nullptr, &transcript, 10s);
  ASSERT_EQ(audited, 200) << page.dump();
  ASSERT_EQ(page["entries"].size(), 1u) << page.dump();
  EXPECT_EQ(page["entries"][0]["details"]["manifest_sha256"],
            crypto::sha256_hex(read_text_file((bundle / "manifest.json").string())));

  // No secret of the daemon's store in any file of the bundle.
  for (const auto& entry : fs::directory_iterator(bundle)) {
    const std::string text = read_text_file(entry.path().string());
    for (const auto& [name, token] : creds.tokens) EXPECT_EQ(text.find(token), std::string::npos) << name;
    EXPECT_EQ(text.find(creds.approve_token), std::string::npos);
  }

  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(15s).value_or(-1), 0) << daemon.stderr_text();
}

}  // namespace
}  // namespace propbot::testing
