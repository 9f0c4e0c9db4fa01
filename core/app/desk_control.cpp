#include "core/app/desk_control.hpp"

#include <filesystem>
#include <mutex>

#include "core/secrets/paper_store.hpp"
#include "core/secrets/random_token.hpp"
#include "core/secrets/second_factor.hpp"
#include "core/secrets/store_key.hpp"

namespace propbot::app {

// The secrets store behind the approval checks and the bearer tokens.
class DeskControl::Credentials final : public control::ApprovalCredentials {
 public:
  Credentials(secrets::SecretsStore store, const Clock& clock) : store_(std::move(store)), clock_(clock) {}

  bool approve_token_matches(std::string_view supplied) override {
    std::lock_guard lock(mutex_);
    auto token = store_.get(secrets::kApproveTokenName, "control_plane");
    return token.ok() && !token->empty() && token->matches(supplied);
  }

  bool second_factor_matches(std::string_view supplied) override {
    std::lock_guard lock(mutex_);
    if (!second_factor_) {
      auto entry = store_.get(secrets::kApproveToken2faName, "control_plane");
      if (!entry) return false;
      auto factor = secrets::SecondFactor::from_secret(*entry, clock_);
      if (!factor) return false;
      second_factor_.emplace(std::move(*factor));  // kept: its TOTP verifier refuses replays
    }
    return second_factor_->verify(supplied) == crypto::TotpCheck::accepted;
  }

  std::optional<secrets::TokenIdentity> authenticate(std::string_view token) const {
    std::lock_guard lock(mutex_);
    return store_.authenticate(token);
  }

  secrets::SecretsStore& store() { return store_; }
  std::mutex& mutex() const { return mutex_; }

 private:
  secrets::SecretsStore store_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::optional<secrets::SecondFactor> second_factor_;
};

std::optional<std::string> offline_only_secret(std::string_view name) {
  const std::string fix = "set it offline on the host with 'propbot secrets set --store FILE --key-file FILE " +
                          std::string(name) + "' (value on stdin) and restart the daemon";
  if (name == secrets::kApproveTokenName || name == secrets::kApproveToken2faName) {
    return std::string(name) + " cannot be set through the API: it is the confirming operator's secret, and one "
                               "operator who could choose it would pass the two-man rule alone; " + fix;
  }
  if (name == kStateHmacKeyName) {
    return "state_hmac_key cannot be replaced while the daemon runs (the signed state would no longer verify): " +
           fix;
  }
  if (name.substr(0, secrets::kDevTokenPrefix.size()) == secrets::kDevTokenPrefix) {
    return "'" + std::string(name) + "' belongs to the paper store's generated development tokens and cannot be "
           "set through the API; " + fix;
  }
  return std::nullopt;
}

namespace {

// Opens the store named by the flags, or (paper only) the data directory's dev store.
Result<secrets::SecretsStore> open_store(const config::Config& config, const DeskControlOptions& options,
                                         const Clock& clock, std::string& notice, DeskControlError& error) {
  if (!options.secrets_file) {
    if (config.profile != config::Profile::paper) {
      error = {"--secrets", "", "testnet and live need a secrets store: pass --secrets FILE --secrets-key-file FILE "
                                "(create one with 'propbot secrets init' and add tokens with 'propbot secrets add-token')"};
      return make_error(Errc::config_invalid, error.message);
    }
    auto paper = secrets::ensure_paper_store(config.data_dir, clock);
    if (!paper) {
      error = {"data_dir", config.data_dir, "paper secrets store: " + paper.error().message};
      return paper.error();
    }
    if (paper->created) {
      notice = "paper secrets store created at " + paper->store_file +
               "; read the development tokens with: propbot secrets show-dev --data-dir " + config.data_dir;
    }
    return std::move(paper->store);
  }
  std::optional<Result<secrets::Secret>> key;
  if (options.key_file) {
    key.emplace(secrets::load_key_file(*options.key_file));
  } else {
    key = secrets::key_from_environment();
  }
  if (!key) {
    error = {"--secrets-key-file", "", "the secrets store needs its key: pass --secrets-key-file FILE or set "
                                       "PROPBOT_SECRETS_KEY"};
    return make_error(Errc::config_invalid, error.message);
  }
  if (!*key) {
    error = {"--secrets-key-file", options.key_file.value_or("PROPBOT_SECRETS_KEY"), key->error().message};
    return key->error();
  }
  auto store = secrets::SecretsStore::open(*options.secrets_file, std::move(**key), clock);
  if (!store) {
    error = {"--secrets", *options.secrets_file, store.error().message};
    return store.error();
  }
  return store;
}

}  // namespace

DeskControl::~DeskControl() {
  close_slow_calls();
  // Its thread records references through the plane: it ends before the plane does.
  if (forensics_) forensics_->stop();
}

std::unique_ptr<DeskControl> DeskControl::open(const config::Config& config, const DeskControlOptions& options,
                                               store::Database& database, const Clock& clock, Logger logger,
                                               std::string& notice, DeskControlError& error) {
  auto store = open_store(config, options, clock, notice, error);
  if (!store) return nullptr;
  if (!store->contains(secrets::kApproveTokenName)) {
    error = {"--secrets", store->path(), "the store has no 'approve_token' entry: add one with 'propbot secrets set "
                                         "--store FILE --key-file FILE approve_token'"};
    return nullptr;
  }
  // The state HMAC key: paper stores get one on first start; other stores must carry it.
  if (!store->contains(kStateHmacKeyName)) {
    if (config.profile != config::Profile::paper) {
      error = {"--secrets", store->path(), "the store has no 'state_hmac_key' entry (32+ random bytes, hex): add one "
                                           "with 'propbot secrets set --store FILE --key-file FILE state_hmac_key'"};
      return nullptr;
    }
    if (Status set = store->set(kStateHmacKeyName, secrets::random_token("hmac_")); !set) {
      error = {"data_dir", config.data_dir, "paper secrets store: " + set.error().message};
      return nullptr;
    }
  }
  auto state_key = store->get(kStateHmacKeyName, "control_plane");
  if (!state_key) {
    error = {"--secrets", store->path(), state_key.error().message};
    return nullptr;
  }

  std::unique_ptr<DeskControl> desk(new DeskControl());
  desk->credentials_ = std::make_unique<Credentials>(std::move(*store), clock);
  control::ControlPlaneOptions plane_options;
  plane_options.live = config.profile == config::Profile::live;
  plane_options.autopilot_enabled = config.autopilot_enabled;
  plane_options.dry_run_default = config.dry_run_mode;
  plane_options.recon_required = true;  // the daemon trades: resume waits for the start-up reconciliation
  desk->kill_relay_ = std::make_unique<KillRelay>(logger);
  desk->risk_gates_ = std::make_unique<RiskGates>();
  forensics::ForensicWriterOptions forensic_options;
  forensic_options.data_dir = config.data_dir;
  forensic_options.history_minutes = std::chrono::minutes(config.forensics.history_minutes);
  forensic_options.max_bundles = static_cast<std::size_t>(config.forensics.max_bundles);
  desk->forensics_ = std::make_unique<forensics::ForensicWriter>(forensic_options, clock, logger);
  auto plane = control::ControlPlane::open(database, state_key->reveal(), clock, desk->bus_, *desk->credentials_,
                                           plane_options, logger, desk->kill_relay_.get(), desk->risk_gates_.get(),
                                           desk->forensics_.get());
  if (!plane) {
    error = {"data_dir", config.data_dir, "control plane: " + plane.error().message};
    return nullptr;
  }
  desk->plane_ = std::move(*plane);
  control::ControlPlane* raw = desk->plane_.get();
  // A bundle written during the plane's start-up (a tamper P0) is recorded now.
  desk->forensics_->attach_recorder(
      [raw](std::int64_t incident_id, const std::string& forensic_ref, const nlohmann::json& details) -> Status {
        auto recorded = raw->record_forensic_ref(incident_id, forensic_ref, details);
        if (!recorded) return recorded.error();
        return {};
      });
  (void)raw->record_secret_access(std::string(kStateHmacKeyName), "control_plane", true);
  desk->credentials_->store().set_access_observer([raw](const secrets::SecretAccess& access) {
    (void)raw->record_secret_access(std::string(access.name), std::string(access.actor), access.found);
  });
  return desk;
}

std::optional<secrets::TokenIdentity> DeskControl::authenticate(std::string_view token) const {
  return credentials_->authenticate(token);
}

std::vector<secrets::SecretInfo> DeskControl::secret_names() const {
  std::lock_guard lock(credentials_->mutex());
  return credentials_->store().names();
}

Status DeskControl::set_secret(const std::string& name, std::string_view value) {
  if (auto refused = offline_only_secret(name)) return make_error(Errc::permission_denied, *refused);
  std::lock_guard lock(credentials_->mutex());
  return credentials_->store().set(name, secrets::Secret(value));
}

const std::string& DeskControl::store_path() const { return credentials_->store().path(); }

Result<secrets::Secret> DeskControl::read_secret(std::string_view name, std::string_view actor) const {
  std::lock_guard lock(credentials_->mutex());
  return credentials_->store().get(name, actor);
}

}  // namespace propbot::app
