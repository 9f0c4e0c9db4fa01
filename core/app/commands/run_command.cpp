#include "core/app/commands/run_command.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/net/http_server.hpp"
#include "core/config_service/config_service.hpp"
#include "core/app/desk_control.hpp"
#include "core/app/engine_thread.hpp"
#include "core/app/venue_keys.hpp"
#include "core/api/routes/routes.hpp"
#include "core/api/routes/stream_hub.hpp"
#include "core/app/shutdown_watchdog.hpp"
#include "core/app/strategy_streamer.hpp"
#include "core/bundle/isolated_validator.hpp"
#include "core/bundle/scratch_directory.hpp"
#include "core/shadow/shadow_worker.hpp"
#include "core/common/child_process.hpp"
#include "core/common/logging.hpp"
#include "core/config/loader.hpp"
#include "core/exec/journal_store.hpp"
#include "core/history/capture_writer.hpp"
#include "core/history/market_history_store.hpp"
#include "core/secrets/paper_store.hpp"
#include "core/status/status_monitor.hpp"
#include "core/status/status_watcher.hpp"
#include "core/store/backup_snapshotter.hpp"
#include "core/store/data_dir.hpp"
#include "core/store/data_dir_lock.hpp"
#include "core/store/statement.hpp"
#include "propbot/build_info.hpp"

namespace propbot::app {
namespace {

constexpr int kExitConfig = 2;
constexpr int kExitRuntime = 1;
// How long an orderly shutdown may take before the daemon ends itself (README).
constexpr std::chrono::milliseconds kShutdownDeadline{10'000};

void fatal_config(const std::string& key, const std::string& value, const std::string& message) {
  std::cerr << config::format_fatal(config::ConfigIssue{key, value, message}) << std::endl;
}

std::string url_host(const std::string& bind) {
  return bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
}

// Where profiles are looked for when --config is not given, most specific first.
std::vector<std::string> search_roots(const std::string& executable) {
  std::vector<std::string> roots;
  if (const char* home = std::getenv("PROPBOT_HOME"); home != nullptr && *home != '\0') roots.emplace_back(home);
  roots.push_back(std::filesystem::current_path().string());
  std::error_code ec;
  const auto exe = std::filesystem::weakly_canonical(std::filesystem::path(executable), ec);
  if (!ec) {
    roots.push_back(exe.parent_path().parent_path().string());
    roots.push_back(exe.parent_path().parent_path().parent_path().string());
  }
  roots.emplace_back(build_info::source_dir);
  return roots;
}

struct RunFlags {
  std::optional<std::string> profile, config_file, data_dir, bind, secrets, secrets_key_file, capture;
  std::optional<int> port;
  int capture_max_mb = 1024;
};

// Returns false after printing FATAL CONFIG lines for every bad flag.
bool parse_flags(const std::vector<std::string>& args, RunFlags& flags) {
  bool ok = true;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string name = arg;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const bool known = name == "--profile" || name == "--config" || name == "--data-dir" || name == "--bind" ||
                       name == "--port" || name == "--secrets" || name == "--secrets-key-file" ||
                       name == "--capture" || name == "--capture-max-mb";
    if (!known) {
      fatal_config(arg, arg,
                   "unknown option; allowed: --profile, --config, --data-dir, --bind, --port, --secrets, "
                   "--secrets-key-file, --capture, --capture-max-mb");
      ok = false;
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        fatal_config(name, "", "missing value after " + name);
        ok = false;
        continue;
      }
      value = args[++i];
    }
    if (name == "--profile") flags.profile = *value;
    if (name == "--config") flags.config_file = *value;
    if (name == "--data-dir") flags.data_dir = *value;
    if (name == "--bind") flags.bind = *value;
    if (name == "--secrets") flags.secrets = *value;
    if (name == "--secrets-key-file") flags.secrets_key_file = *value;
    if (name == "--capture") flags.capture = *value;
    if (name == "--capture-max-mb") {
      char* end = nullptr;
      const long mb = std::strtol(value->c_str(), &end, 10);
      if (value->empty() || *end != '\0' || mb < 1 || mb > 1'048'576) {
        fatal_config("--capture-max-mb", *value, "must be an integer in [1, 1048576] (MiB the capture file may reach)");
        ok = false;
      } else {
        flags.capture_max_mb = static_cast<int>(mb);
      }
    }
    if (name == "--port") {
      char* end = nullptr;
      const long port = std::strtol(value->c_str(), &end, 10);
      if (value->empty() || *end != '\0' || port < 0 || port > 65535) {
        fatal_config("--port", *value, "must be an integer in [0, 65535] (0 picks a free port)");
        ok = false;
      } else {
        flags.port = static_cast<int>(port);
      }
    }
  }
  return ok;
}

// How the operator adds an entry to the store this daemon opened: the paper store in
// the data directory, or the --secrets file with --secrets-key-file (or the key from
// PROPBOT_SECRETS_KEY, which the CLI reads as well).
std::string secrets_set_command(const RunFlags& flags, const config::Config& config, const std::string& store) {
  std::string command = "propbot secrets set --store " + store;
  if (flags.secrets_key_file) {
    command += " --key-file " + *flags.secrets_key_file;
  } else if (!flags.secrets) {
    command += " --key-file " + (std::filesystem::path(config.data_dir) / secrets::kKeyFileName).string();
  }
  return command;
}

// One row per start: when, which build, which profile (an operator's "when did it restart").
Status record_daemon_start(store::Database& db, const std::string& started_at, std::string_view profile) {
  auto insert = db.prepare("INSERT INTO daemon_starts(started_at, version, build, profile, pid) VALUES (?, ?, ?, ?, ?)");
  if (!insert) return insert.error();
  for (Status bound : {insert->bind(1, std::string_view(started_at)), insert->bind(2, std::string_view(build_info::version)),
                       insert->bind(3, std::string_view(build_info::git_sha)), insert->bind(4, profile),
                       insert->bind(5, static_cast<std::int64_t>(getpid()))}) {
    if (!bound) return bound;
  }
  if (auto stepped = insert->step(); !stepped) return stepped.error();
  return {};
}

int wait_for_stop_signal(const sigset_t& signals) {
  int received = 0;
  while (sigwait(&signals, &received) != 0) {
  }
  return received;
}

// Half-open connections are cheap for a client and cost the daemon a descriptor each:
// the soft limit (often 1024) goes up to the hard one so a flood meets the server's
// own limits (503) before the kernel's (EMFILE).
void raise_descriptor_limit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? 1u << 20 : limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

int run_command(const std::vector<std::string>& args, char** envp, const std::string& executable) {
  // Block the stop signals in every thread (threads inherit the mask) and take them
  // synchronously below: no async-signal handler touches daemon state.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Everything the daemon creates (database, exports, forensic files) is private to its
  // user; what an older version left readable is fixed by open_store().
  ::umask(077);
  raise_descriptor_limit();
  // Read now: the file on disk may be replaced by an upgrade while we run.
  const std::string self = current_executable();

  RunFlags flags;
  if (!parse_flags(args, flags)) return kExitConfig;
  auto profile = config::parse_profile(flags.profile.value_or("paper"));
  if (!profile) {
    fatal_config("--profile", flags.profile.value_or(""), profile.error().message);
    return kExitConfig;
  }

  config::LoadOptions options;
  options.profile = *profile;
  options.config_file = flags.config_file;
  options.env = config::environment_from(envp);
  options.bind = flags.bind;
  options.port = flags.port;
  options.data_dir = flags.data_dir;
  options.search_roots = search_roots(executable);
  config::LoadOutcome loaded = config::load_config(options);
  if (!loaded.issues.empty() || !loaded.config) {
    for (const auto& issue : loaded.issues) std::cerr << config::format_fatal(issue) << '\n';
    std::cerr.flush();
    return kExitConfig;
  }
  const config::Config& cfg = *loaded.config;

  LogOptions log_options;
  log_options.level = cfg.logging.level;
  if (!cfg.logging.file.empty()) log_options.file = cfg.logging.file;
  log_options.json = cfg.logging.json;
  std::optional<Logger> maybe_log;
  try {
    maybe_log.emplace(Logger::from_options(log_options));
  } catch (const std::exception& e) {
    fatal_config("logging", cfg.logging.file, e.what());
    return kExitConfig;
  }
  const Logger log = *maybe_log;

  // The status registry's thresholds (configs/status_thresholds.yaml beside the profile
  // file): absent → the built-in defaults; present and bad → FATAL CONFIG naming the key.
  const std::string thresholds_path =
      (std::filesystem::path(cfg.source_file).parent_path() / "status_thresholds.yaml").string();
  auto status_thresholds = status::load_status_thresholds(thresholds_path, config::to_string(cfg.profile));
  if (!status_thresholds && status_thresholds.error().code != Errc::not_found) {
    fatal_config("status_thresholds", thresholds_path, status_thresholds.error().message);
    return kExitConfig;
  }
  if (!status_thresholds) log.warn("status_thresholds_defaults", {{"path", thresholds_path}});
  const status::StatusThresholds thresholds = status_thresholds ? *status_thresholds : status::StatusThresholds{};

  // One daemon per data directory: the lock is taken before anything in it is written
  // and held until the process ends (the kernel drops it even on SIGKILL).
  if (auto checked = store::check_data_dir(cfg.data_dir); !checked) {
    fatal_config("data_dir", cfg.data_dir, checked.error().message);
    return kExitConfig;
  }
  auto data_dir_lock = store::DataDirLock::acquire(cfg.data_dir);
  if (!data_dir_lock) {
    std::cerr << "FATAL: " << data_dir_lock.error().message << std::endl;
    return kExitRuntime;
  }

  RealClock clock;
  const std::string started_at = format_iso8601_ms(clock.utc());
  auto store = store::open_store(cfg.data_dir, started_at);
  if (!store) {
    fatal_config("data_dir", cfg.data_dir, store.error().message);
    return kExitConfig;
  }
  if (auto recorded = record_daemon_start(*store, started_at, config::to_string(cfg.profile)); !recorded) {
    std::cerr << "FATAL: store: " << recorded.error().message << std::endl;
    return kExitRuntime;
  }

  DeskControlOptions desk_options;
  desk_options.secrets_file = flags.secrets;
  desk_options.key_file = flags.secrets_key_file;
  std::string notice;
  DeskControlError desk_error;
  std::unique_ptr<DeskControl> desk = DeskControl::open(cfg, desk_options, *store, clock, log, notice, desk_error);
  if (!desk) {
    fatal_config(desk_error.key, desk_error.value, desk_error.message);
    return kExitConfig;
  }
  if (!notice.empty()) std::cout << notice << std::endl;

  // The keys of the venues that name their own endpoints: every missing entry is one
  // FATAL CONFIG line with the command that adds it, before anything connects.
  VenueKeyringOutcome venue_keys = read_venue_keys(
      cfg, [&desk](std::string_view name, std::string_view actor) { return desk->read_secret(name, actor); },
      secrets_set_command(flags, cfg, desk->store_path()));
  if (!venue_keys.issues.empty()) {
    for (const auto& issue : venue_keys.issues) std::cerr << config::format_fatal(issue) << '\n';
    std::cerr.flush();
    return kExitConfig;
  }
  const auto keyring = std::make_shared<const VenueKeyring>(std::move(venue_keys.keys));

  // The config bundle gets its own connection: its writes never land inside another
  // component's transaction on a shared one.
  auto config_db = store::Database::open((std::filesystem::path(cfg.data_dir) / "propbot.db").string());
  if (!config_db) {
    fatal_config("data_dir", cfg.data_dir, config_db.error().message);
    return kExitConfig;
  }
  config_service::ConfigServiceOptions config_options;
  config_options.load_options = options;
  // Every swap is announced on the event bus (the stream's status topic: config.applied).
  config_options.on_applied = [&desk, &clock](const nlohmann::json& applied) {
    desk->bus().publish("config.applied", format_iso8601_ms(clock.utc()), applied);
  };
  // Uploaded bundles are validated in a bounded child process: their scripts and
  // documents can neither stall nor crash the daemon (isolated_validator.hpp).
  bundle::ScratchDirectory::sweep_abandoned();
  // Set at shutdown: a validation still running is cancelled (its worker killed), so the
  // API server's workers finish within its stop grace.
  std::atomic<bool> stopping{false};
  if (!self.empty()) {
    bundle::IsolationOptions isolation;
    isolation.executable = self;
    isolation.limits.cancel = &stopping;
    config_options.validator = [isolation](const bundle::Bundle& candidate, config::Profile profile,
                                           const scripting::RecordedMarket* recorded) {
      return bundle::validate_isolated(isolation, candidate, profile, recorded);
    };
    // Shadow validation replays minutes of market data: its own worker and limits.
    bundle::IsolationOptions shadow_isolation = isolation;
    shadow_isolation.limits = shadow::shadow_limits();
    shadow_isolation.limits.cancel = &stopping;
    config_options.shadow = [shadow_isolation](const bundle::Bundle& candidate, const bundle::Bundle& running,
                                               config::Profile profile, const engine::MarketTapeView& tape) {
      return shadow::shadow_validate_isolated(shadow_isolation, candidate, running, profile, tape);
    };
  } else {
    log.warn("validation_not_isolated",
             {{"reason", "/proc/self/exe cannot be read: uploaded bundles are validated inside the daemon, "
                         "bounded only by the script budget"}});
  }
  config_service::ConfigService::Startup startup;
  auto opened = config_service::ConfigService::open(std::move(*config_db), clock, &desk->plane(), log, config_options, cfg, startup);
  if (!opened) {
    fatal_config("scripting.bundle_dir", cfg.scripting.bundle_dir, opened.error().message);
    return kExitConfig;
  }
  // Shared with the config routes, whose blocking workers may outlive the server's stop.
  const std::shared_ptr<config_service::ConfigService> configs = std::move(*opened);

  // Market history (SPEC S-9.6) and the raw-message capture (run --capture): their writer
  // threads are declared before the engine, so they outlive it.
  std::unique_ptr<history::MarketHistoryStore> market_history;
  if (cfg.market_history.interval_s > 0) {
    history::MarketHistoryOptions history_options;
    history_options.retention = std::chrono::hours(cfg.market_history.retention_h);
    auto opened_history = history::MarketHistoryStore::open(cfg.data_dir, clock, history_options, log);
    if (!opened_history) {
      fatal_config("market_history.interval_s", std::to_string(cfg.market_history.interval_s),
                   opened_history.error().message + "; fix the data directory or set market_history.interval_s: 0");
      return kExitConfig;
    }
    market_history = std::move(*opened_history);
  }
  std::unique_ptr<history::CaptureWriter> capture;
  if (flags.capture) {
    history::CaptureOptions capture_options;
    capture_options.path = *flags.capture;
    for (const auto& venue : cfg.venues) capture_options.venues.push_back(venue.id);
    capture_options.max_bytes = static_cast<std::uint64_t>(flags.capture_max_mb) << 20;
    auto opened_capture = history::CaptureWriter::open(std::move(capture_options), clock, log);
    if (!opened_capture) {
      fatal_config("--capture", *flags.capture, opened_capture.error().message);
      return kExitConfig;
    }
    capture = std::move(*opened_capture);
    log.info("capture_started", {{"path", capture->path()}, {"max_mb", flags.capture_max_mb}});
  }
  const auto attach_history = [&](EngineThread& thread) {
    thread.set_market_history(market_history.get());
    if (capture) thread.set_raw_taps([&capture](const std::string& venue) { return capture->tap(venue); });
  };

  auto engine_holder = std::make_unique<EngineThread>(startup.config, log, &desk->plane(), keyring);
  attach_history(*engine_holder);
  if (auto started = engine_holder->start(&startup.bundle, startup.version); !started) {
    if (!startup.resumed) {
      fatal_config("strategies", "", started.error().message);
      return kExitConfig;
    }
    // A resumed (API-applied) version that no longer starts must not keep the desk down.
    log.error("config_resume_failed", {{"version", startup.version}, {"error", started.error().message}});
    auto disk = configs->disk_startup("config version " + std::to_string(startup.version) +
                                             " failed to start (" + started.error().message + ")");
    if (!disk) {
      std::cerr << "FATAL: store: " << disk.error().message << std::endl;
      return kExitRuntime;
    }
    startup = std::move(*disk);
    engine_holder = std::make_unique<EngineThread>(startup.config, log, &desk->plane(), keyring);
    attach_history(*engine_holder);
    if (auto again = engine_holder->start(&startup.bundle, startup.version); !again) {
      fatal_config("strategies", "", again.error().message);
      return kExitConfig;
    }
  }
  EngineThread& engine = *engine_holder;
  desk->kill_relay().attach([&engine](const std::string& reason) { engine.flatten(reason); });
  desk->risk_gates().attach([&engine]() -> std::vector<std::string> {
    const auto snap = engine.snapshots().load();
    if (!snap || !snap->risk) return {};
    return snap->risk->value("autopilot_blockers", std::vector<std::string>{});
  });
  // A P0's forensic bundle holds the engine's snapshot of that instant and the last
  // forensics.history_minutes of market history (without the store — market_history
  // off — market_history.json says {"available": false}).
  desk->forensics().attach_snapshots([&engine] { return engine.snapshots().load(); });
  if (market_history) {
    desk->forensics().attach_history([store = market_history.get()](std::chrono::minutes minutes) -> nlohmann::json {
      auto rows = store->recent(minutes);
      return rows ? nlohmann::json(std::move(*rows)) : nlohmann::json(nullptr);
    });
  }
  // A confirmed unfreeze_strategy / raise_limit takes effect on the engine thread (posted:
  // the plane calls this under its lock, which the engine thread may be waiting for).
  for (const auto kind : {control::ApprovalKind::unfreeze_strategy, control::ApprovalKind::raise_limit}) {
    desk->plane().on_approved(kind, [&engine, kind](const control::ApprovalRequest& request) {
      const auto action = kind == control::ApprovalKind::unfreeze_strategy ? engine::RiskAction::unfreeze_strategy
                                                                             : engine::RiskAction::raise_limit;
      nlohmann::json payload = nlohmann::json::parse(request.payload_json, nullptr, false);
      if (payload.is_discarded()) payload = nlohmann::json::object();
      engine.post_risk_action(action, payload,
                              request.requested_by + "+" + request.confirmed_by.value_or(std::string("?")));
    });
  }
  if (auto recorded = configs->started(engine, startup); !recorded) {
    configs->close();
    desk->kill_relay().detach();
    desk->risk_gates().detach();
    desk->forensics().detach_snapshots();
    desk->forensics().detach_history();
    engine.stop();
    std::cerr << "FATAL: store: " << recorded.error().message << std::endl;
    return kExitRuntime;
  }

  // Rolling online backups of the ledger (SPEC S-9.5); the journal exists once the engine started.
  store::BackupSnapshotterOptions backup_options;
  backup_options.source_path = (std::filesystem::path(cfg.data_dir) / exec::kJournalDatabaseFileName).string();
  backup_options.backup_dir = (std::filesystem::path(cfg.data_dir) / store::kBackupDirectoryName).string();
  backup_options.interval = std::chrono::minutes(cfg.backup.interval_min);
  backup_options.keep = cfg.backup.keep;
  store::BackupSnapshotter backups(backup_options, clock, log);
  backups.start();

  // The live stream's hub (its endpoints are added to the server below).
  auto stream = std::make_shared<api::StreamHub>();
  const auto stream_clients = [stream] { return std::pair<std::size_t, std::size_t>{stream->sessions(), api::kMaxStreamSessions}; };

  // The status registry (SPEC S-11.3): a component turning ERROR goes through the one
  // safety-action function (edge-triggered); the watcher evaluates it every second.
  status::StatusMonitor status_monitor(
      thresholds,
      [&desk, &log](const control::SafetyEvent& event) {
        if (auto acted = desk->plane().safety_action(event); !acted) {
          log.error("status_alert_failed", {{"component", event.component}, {"error", acted.error().message}});
        }
      },
      clock.now());
  status::StatusWatcher status_watcher(status_monitor,
                                       {&engine.snapshots(), &desk->plane(), &backups, &clock, cfg.data_dir,
                                        std::string(config::to_string(cfg.profile)), clock.now(), stream_clients},
                                       log, std::chrono::seconds(1),
                                       [&desk, &clock](const std::string& type, const nlohmann::json& payload) {
                                         desk->bus().publish(type, format_iso8601_ms(clock.utc()), payload);
                                       });
  status_watcher.start();

  api::RouteContext routes;
  routes.snapshots = &engine.snapshots();
  routes.engine = &engine;
  routes.clock = &clock;
  routes.profile = std::string(config::to_string(cfg.profile));
  routes.desk = desk.get();
  routes.config = configs;
  routes.data_dir = cfg.data_dir;
  routes.stream_clients = stream_clients;
  routes.started_at = clock.now();
  routes.status_monitor = &status_monitor;
  routes.backups = &backups;
  routes.started_at_utc = started_at;
  net::HttpServerOptions server_options;
  server_options.bind = cfg.api.bind;
  server_options.port = static_cast<std::uint16_t>(cfg.api.port);
  server_options.max_body_bytes = static_cast<std::size_t>(cfg.api.max_body_bytes);
  server_options.request_timeout = std::chrono::milliseconds(cfg.api.request_timeout_ms);
  server_options.max_connections = static_cast<std::size_t>(cfg.api.max_connections);
  server_options.max_connections_per_address = static_cast<std::size_t>(cfg.api.max_connections_per_address);
  server_options.header_timeout = std::chrono::milliseconds(cfg.api.header_timeout_ms);
  server_options.blocking_workers = static_cast<std::size_t>(cfg.api.blocking_workers);
  server_options.blocking_queue = static_cast<std::size_t>(cfg.api.blocking_queue);
  server_options.log = [log](std::string_view line) { log.debug("http_access", {{"line", line}}); };
  net::HttpServer server(server_options, api::build_routes(routes));
  // The live stream (S-11.6): control events to WebSocket clients with a viewer token.
  if (Status streaming = api::add_stream_endpoints(server, desk->bus(), stream); !streaming) {
    log.error("stream_not_served", {{"error", streaming.error().message}});
  }
  if (auto listening = server.start(); !listening) {
    configs->close();  // before the engine goes, as on the normal path
    desk->kill_relay().detach();
    desk->risk_gates().detach();
    desk->forensics().detach_snapshots();
    desk->forensics().detach_history();
    engine.stop();
    fatal_config("api.port", std::to_string(cfg.api.port), listening.error().message + "; choose another --port or --bind");
    return kExitConfig;
  }

  StrategyStreamer strategy_stream(engine, stream);  // strategy.<name> topics
  strategy_stream.start();

  const std::string base = "http://" + url_host(server.bind_address()) + ":" + std::to_string(server.port());
  std::cout << "listening on " << base << '\n'
            << "dashboard on " << base << "/ui/dashboard" << std::endl;
  log.info("daemon_ready", {{"profile", config::to_string(cfg.profile)},
                            {"data_dir", cfg.data_dir},
                            {"api", base},
                            {"mode", std::string(to_string(desk->plane().mode()))}});

  const int signal = wait_for_stop_signal(stop_signals);
  log.info("shutdown_requested", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
  {
    ShutdownWatchdog watchdog(stop_signals, kShutdownDeadline, [&log](const std::string& why) {
      std::cerr << "FATAL: " << why << std::endl;
      log.error("shutdown_forced", {{"reason", why}});
      log.flush();
      std::_Exit(kExitRuntime);
    });
    strategy_stream.stop();  // before the engine: it reads strategy views through it
    watchdog.stage("stopping the API server");
    stopping.store(true);
    server.stop();
    watchdog.stage("stopping the config service");
    configs->close();  // waits for calls in flight and joins its worker, while the engine runs
    desk->close_slow_calls();  // an audit export still running on an abandoned worker
    watchdog.stage("stopping the status watcher");
    status_watcher.stop();
    watchdog.stage("stopping the ledger backups");
    backups.stop();  // after a backup in progress
    watchdog.stage("stopping the engine");
    desk->kill_relay().detach();
    desk->risk_gates().detach();
    desk->forensics().detach_snapshots();
    desk->forensics().detach_history();  // before the store it reads closes
    engine.stop();
    watchdog.stage("closing the market history and the capture");
    if (market_history) market_history->close();
    if (capture) {
      capture->close();
      const history::CaptureStats stats = capture->stats();
      log.info("capture_closed", {{"path", capture->path()}, {"frames", stats.frames_written},
                                  {"bytes", stats.file_bytes}, {"dropped", stats.dropped},
                                  {"refused", stats.refused}, {"bound_reached", stats.bound_reached}});
    }
  }
  log.info("daemon_stopped");
  log.flush();
  return 0;
}

}  // namespace propbot::app
