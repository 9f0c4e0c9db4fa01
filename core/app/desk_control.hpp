// DeskControl: the daemon's governance wiring (issue 4). It opens the secrets store —
// the paper profile creates a development store in the data directory on first start;
// testnet and live refuse to start without one — takes the state HMAC key from it,
// checks approve tokens and the second factor against it, authenticates API bearer
// tokens, and opens the ControlPlane on the daemon's database. Every secret read after
// start-up is audited by name (access_secret).
//
// It also owns the plane's ForensicSink, a forensics::ForensicWriter (issue 14): every P0
// writes <data_dir>/incidents_forensic/<id>/ and the incident links it; the daemon
// attaches the engine's snapshots to it once the engine runs.
//
// Threads: authenticate() and the ControlPlane may be called from any thread; the
// secrets store is only read under the credentials' mutex.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/api/routes/control_desk.hpp"
#include "core/app/kill_relay.hpp"
#include "core/app/risk_gates.hpp"
#include "core/common/call_gate.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/control/control_plane.hpp"
#include "core/control/event_bus.hpp"
#include "core/forensics/forensic_writer.hpp"
#include "core/secrets/secrets_store.hpp"
#include "core/store/database.hpp"

namespace propbot::app {

inline constexpr std::string_view kStateHmacKeyName = "state_hmac_key";

// Why the secret `name` may not be set while the daemon runs (through the API), or
// nullopt when it may. Refused (issue 10):
//   approve_token, approve_token_2fa  the second operator's secrets: one operator who
//                                     could choose them would confirm their own requests
//                                     (two-man rule, S-6.2/S-6.3)
//   state_hmac_key                    the signed state would no longer verify
//   dev.*                             a paper store's generated development tokens
// Bearer tokens are not secrets of this kind (only their hashes are stored, and only
// `propbot secrets add-token` writes them), and venue keys stay rotatable (S-6.4).
// Each message names the fix: `propbot secrets set` offline, on the host.
std::optional<std::string> offline_only_secret(std::string_view name);

struct DeskControlOptions {
  std::optional<std::string> secrets_file;  // --secrets
  std::optional<std::string> key_file;      // --secrets-key-file (or PROPBOT_SECRETS_KEY)
};

// What went wrong at start-up, as a FATAL CONFIG line's parts.
struct DeskControlError {
  std::string key;
  std::string value;
  std::string message;
};

class DeskControl final : public api::ControlDesk {
 public:
  // `notice` receives one line for the operator when a paper store was just created.
  static std::unique_ptr<DeskControl> open(const config::Config& config, const DeskControlOptions& options,
                                           store::Database& database, const Clock& clock, Logger logger,
                                           std::string& notice, DeskControlError& error);
  ~DeskControl() override;

  control::ControlPlane& plane() override { return *plane_; }
  control::EventBus& bus() override { return bus_; }
  // The token's {name, role}, or nullopt (unknown token).
  std::optional<secrets::TokenIdentity> authenticate(std::string_view token) const override;
  // Names and update times of the stored secrets, never values (S-6.4 status).
  std::vector<secrets::SecretInfo> secret_names() const override;
  std::optional<std::string> offline_only(std::string_view name) const override { return offline_only_secret(name); }
  // Replaces a named secret's value (audited by the caller). Errors: permission_denied
  // for a name offline_only_secret() refuses, the store's errors.
  Status set_secret(const std::string& name, std::string_view value) override;
  const std::string& store_path() const override;
  // One named secret (the venues' keys at start-up), audited as access_secret by
  // `actor`. Errors: not_found naming the entry (never a value).
  Result<secrets::Secret> read_secret(std::string_view name, std::string_view actor) const;

  // The gate of the routes that use the desk from the API server's blocking workers
  // (the audit export), which may outlive the server's stop. close_slow_calls() waits
  // for the ones in flight and refuses later ones; the daemon calls it after the server
  // stopped, the destructor too.
  const std::shared_ptr<CallGate>& slow_calls() const override { return slow_calls_; }
  // Where a KILL's cancel-all-and-flatten goes: the daemon attaches the engine thread.
  KillRelay& kill_relay() { return *kill_relay_; }
  RiskGates& risk_gates() { return *risk_gates_; }
  // The P0 forensic bundles: attach the engine's snapshots (and the market history) to it.
  forensics::ForensicWriter& forensics() { return *forensics_; }
  void close_slow_calls() { slow_calls_->close(); }

 private:
  class Credentials;
  DeskControl() = default;

  std::shared_ptr<CallGate> slow_calls_ = std::make_shared<CallGate>();
  std::unique_ptr<Credentials> credentials_;
  control::EventBus bus_;
  std::unique_ptr<KillRelay> kill_relay_;  // before plane_: the plane holds a pointer to it
  std::unique_ptr<RiskGates> risk_gates_;  // likewise
  std::unique_ptr<forensics::ForensicWriter> forensics_;  // likewise; stopped before the plane goes
  std::unique_ptr<control::ControlPlane> plane_;
};

}  // namespace propbot::app
