#include "core/app/engine_thread.hpp"

#include <filesystem>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <mutex>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/app/paper_twins.hpp"
#include "core/app/venue_factory.hpp"
#include "core/exec/journal_store.hpp"
#include "core/exec/sqlite_journal.hpp"
#include "core/ledger/sqlite_ledger_entries.hpp"
#include "core/control/control_plane.hpp"

namespace propbot::app {
namespace {

// The ControlPlane as the engine's ControlPort.
class PlanePort final : public engine::ControlPort {
 public:
  explicit PlanePort(control::ControlPlane& plane) : plane_(plane) {}
  Mode mode() const override { return plane_.mode(); }
  bool safe_mode() const override { return plane_.safe_mode(); }
  bool dry_run_mode() const override { return plane_.dry_run_mode(); }
  control::ControlState state() const override { return plane_.state(); }
  Result<control::ControlOutcome> safety_action(const control::SafetyEvent& event) override {
    return plane_.safety_action(event);
  }
  void audit(const std::string& action, const nlohmann::json& details) override {
    (void)plane_.record(control::Actor::system(), action, "executor", details);
  }
  void recon_finished(bool clean, const std::string& summary) override { plane_.recon_finished(clean, summary); }
  void recon_desync(std::optional<std::string> summary) override { plane_.set_recon_desync(std::move(summary)); }
  Status save_state(std::string_view name, const nlohmann::json& value) override {
    return plane_.save_state(name, value);
  }
  std::optional<nlohmann::json> load_state(std::string_view name) override {
    auto loaded = plane_.load_state(name);
    if (!loaded) return std::nullopt;
    return *loaded;
  }
  void safe_mode_on(const std::string& reason) override {
    (void)plane_.set_safe_mode(true, "circuit breaker: " + reason.substr(0, 900), control::Actor::system());
  }

 private:
  control::ControlPlane& plane_;
};

// The executor's options from the configuration, the control state and the
// environment (a crash test's PROPBOT_FAILPOINT, refused in the live profile).
Result<exec::ExecutorOptions> execution_of(const config::Config& config, const control::ControlPlane& control) {
  exec::ExecutorOptions options;
  options.symbols = config.symbols;
  options.max_orders_per_min = config.risk.max_orders_per_min;
  options.max_cancels_per_min = config.risk.max_cancels_per_min;
  options.max_exposure_per_venue_usdt = config.risk.max_exposure_per_venue_usdt;
  options.dead_man_timeout = std::chrono::milliseconds(config.execution.dead_man_timeout_ms);
  options.post_only_max_distance_bps = config.execution.post_only_max_distance_bps;
  options.post_only_max_age = std::chrono::milliseconds(config.execution.post_only_max_age_ms);
  for (const auto& venue : config.venues) options.venue_fees[venue.id] = {venue.taker_fee_bps, venue.maker_fee_bps};
  const std::int64_t token = control.state().fencing_token;
  options.fencing_epoch = token > 0 && static_cast<std::uint64_t>(token) <= exec::kMaxFencingEpoch
                              ? static_cast<std::uint64_t>(token)
                              : 1;
  if (const char* failpoint = std::getenv("PROPBOT_FAILPOINT"); failpoint != nullptr && *failpoint != '\0') {
    if (config.profile == config::Profile::live) {
      return make_error(Errc::config_invalid, "PROPBOT_FAILPOINT is set: crash-test failpoints are refused in the "
                                              "live profile; unset it");
    }
    auto parsed = exec::Failpoint::parse(failpoint);
    if (!parsed) return parsed.error();
    options.failpoint = std::move(*parsed);
  }
  return options;
}

// Runs `work` on the engine thread (`io`) and waits for its answer. The waiter and the
// task agree through a shared state: a task that has not started when the waiter gives
// up after `timeout` never runs, so work reported as not done never lands later. nullopt:
// abandoned.
template <typename T>
std::optional<T> call_on_engine(boost::asio::io_context& io, std::chrono::milliseconds timeout,
                                std::function<T()> work) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable cv;
    bool started = false, abandoned = false;
    std::optional<T> answer;
    std::function<T()> work;
  };
  auto shared = std::make_shared<Shared>();
  shared->work = std::move(work);
  boost::asio::post(io, [shared] {
    {
      std::lock_guard lock(shared->mutex);
      if (shared->abandoned) return;
      shared->started = true;
    }
    shared->cv.notify_all();
    T answer = shared->work();
    std::lock_guard lock(shared->mutex);
    shared->answer.emplace(std::move(answer));
    shared->cv.notify_all();
  });
  std::unique_lock lock(shared->mutex);
  if (!shared->cv.wait_for(lock, timeout, [&] { return shared->started; })) {
    shared->abandoned = true;
    return std::nullopt;
  }
  shared->cv.wait(lock, [&] { return shared->answer.has_value(); });
  return std::move(shared->answer);
}

}  // namespace

struct EngineThread::Running {
  explicit Running(Logger log) : log(std::move(log)), clock(io) {}
  Logger log;
  boost::asio::io_context io;
  RealClock clock;
  std::unique_ptr<PlanePort> port;
  std::unique_ptr<exec::SqliteJournal> journal;  // outlives the engine (declared before it)
  std::unique_ptr<ledger::SqliteLedgerEntries> ledger_entries;  // beside the journal's tables
  std::unique_ptr<VenueSet> venues;
  std::unique_ptr<PaperTwins> twins;  // dry run's venues; outlive the engine
  std::unique_ptr<engine::Engine> engine;  // declared after the venues: destroyed first
  std::thread thread;

  void run() {
    auto guard = boost::asio::make_work_guard(io);
    for (;;) {
      try {
        io.run();
        break;
      } catch (const std::exception& e) {
        log.error("engine_loop_exception", {{"error", e.what()}});
      } catch (...) {
        log.error("engine_loop_exception", {{"error", "unknown exception (a foreign one, e.g. from Lua)"}});
      }
    }
  }
};

EngineThread::EngineThread(config::Config config, Logger log, control::ControlPlane* control,
                           std::shared_ptr<const VenueKeyring> venue_keys)
    : config_(std::move(config)), log_(std::move(log)), control_(control), venue_keys_(std::move(venue_keys)) {}

EngineThread::~EngineThread() { stop(); }

Status EngineThread::start(const bundle::Bundle* initial, std::int64_t version) {
  if (running_) return make_error(Errc::conflict, "engine already started");
  reloads_ = std::make_unique<CallGate>();  // a restarted thread takes reloads again
  auto running = std::make_unique<Running>(log_);
  auto venues = VenueSet::build(config_, venue_keys_.get(), running->io, running->clock, log_, raw_taps_);
  if (!venues) return venues.error();
  running->venues = std::move(*venues);
  engine::EngineSinks sinks;
  sinks.market_history = market_history_;
  if (control_ != nullptr) {
    running->port = std::make_unique<PlanePort>(*control_);
    sinks.control = running->port.get();
    // The daemon trades: the journal first, then the executor the engine builds on it.
    auto execution = execution_of(config_, *control_);
    if (!execution) return execution.error();
    auto policy = exec::parse_journal_fsync(config_.execution.journal_fsync);
    auto journal = exec::SqliteJournal::open(config_.data_dir, policy.value_or(exec::JournalFsync::batch), log_);
    if (!journal) return make_error(journal.error().code, "journal: " + journal.error().message);
    running->journal = std::move(*journal);
    sinks.execution.journal = running->journal.get();
    // The ledger's cash entries live in the journal's database (its migration made the table).
    auto entries = ledger::SqliteLedgerEntries::open(
        (std::filesystem::path(config_.data_dir) / std::string(exec::kJournalDatabaseFileName)).string());
    if (!entries) return make_error(entries.error().code, "ledger: " + entries.error().message);
    running->ledger_entries = std::move(*entries);
    sinks.execution.ledger_entries = running->ledger_entries.get();
    sinks.execution.options = std::move(*execution);
    running->twins = std::make_unique<PaperTwins>(config_, running->venues->venues(), running->clock);
    sinks.execution.twins = running->twins.get();
  }
  running->engine = std::make_unique<engine::Engine>(config_, running->clock, running->venues->venues(), snapshots_,
                                                     std::move(sinks), log_);
  if (auto loaded = running->engine->load(initial, version); !loaded) return loaded;
  // The io_context does not run yet, so starting here, on the owning thread, is the
  // same as starting on the engine thread: everything it arms runs there afterwards.
  try {
    running->engine->start();
  } catch (const std::exception& e) {
    return make_error(Errc::internal, std::string("engine start failed: ") + e.what());
  }
  Running* raw = running.get();
  raw->thread = std::thread([raw] { raw->run(); });
  running_ = std::move(running);
  return {};
}

namespace {

// `work` on the engine thread, waited for at most `timeout`; an exception is an
// internal error naming `what`, a timeout means nothing was done.
template <typename Work>
Result<nlohmann::json> engine_call(boost::asio::io_context& io, std::chrono::milliseconds timeout, const char* what,
                                   Work work) {
  auto answer = call_on_engine<Result<nlohmann::json>>(io, timeout, [what, work]() -> Result<nlohmann::json> {
    try {
      return work();
    } catch (const std::exception& e) {
      return make_error(Errc::internal, std::string(what) + " failed: " + e.what());
    }
  });
  if (!answer) return make_error(Errc::unavailable, "the engine thread did not take the request in time; nothing was done");
  return std::move(*answer);
}

}  // namespace

Result<nlohmann::json> EngineThread::manual_trade(const Intent& intent, bool execute, const std::string& operator_name,
                                                  std::chrono::milliseconds timeout) {
  const CallGate::Scope call(*reloads_);
  if (!call || !running_) return make_error(Errc::unavailable, "the engine is not running");
  Running* raw = running_.get();
  return engine_call(raw->io, timeout, "manual trade", [raw, intent, execute, operator_name] {
    return raw->engine->manual_trade(intent, execute, operator_name);
  });
}

Result<nlohmann::json> EngineThread::reset_breaker(const std::optional<std::string>& strategy,
                                                   const std::string& operator_name,
                                                   std::chrono::milliseconds timeout) {
  const CallGate::Scope call(*reloads_);
  if (!call || !running_) return make_error(Errc::unavailable, "the engine is not running");
  Running* raw = running_.get();
  return engine_call(raw->io, timeout, "breaker reset", [raw, strategy, operator_name] {
    return raw->engine->reset_breaker(strategy, operator_name);
  });
}

Result<nlohmann::json> EngineThread::risk_action(engine::RiskAction action, const nlohmann::json& payload,
                                                 const std::string& operator_name, std::chrono::milliseconds timeout) {
  const CallGate::Scope call(*reloads_);
  if (!call || !running_) return make_error(Errc::unavailable, "the engine is not running");
  Running* raw = running_.get();
  return engine_call(raw->io, timeout, "risk action", [raw, action, payload, operator_name] {
    return raw->engine->risk_action(action, payload, operator_name);
  });
}

Result<nlohmann::json> EngineThread::strategy_detail(const std::string& name, std::chrono::milliseconds timeout) {
  const CallGate::Scope call(*reloads_);
  if (!call || !running_) return make_error(Errc::unavailable, "the engine is not running");
  Running* raw = running_.get();
  return engine_call(raw->io, timeout, "strategy view", [raw, name] { return raw->engine->strategy_detail(name); });
}

void EngineThread::post_risk_action(engine::RiskAction action, nlohmann::json payload, std::string operator_name) {
  if (!running_) return;
  Running* raw = running_.get();
  boost::asio::post(raw->io, [raw, action, payload = std::move(payload), operator_name = std::move(operator_name)] {
    try {
      if (auto done = raw->engine->risk_action(action, payload, operator_name); !done) {
        raw->log.error("risk_action_failed", {{"operator", operator_name}, {"error", done.error().message}});
      }
    } catch (const std::exception& e) {
      raw->log.error("risk_action_exception", {{"error", e.what()}});
    }
  });
}

void EngineThread::flatten(const std::string& reason) {
  if (!running_) return;
  Running* raw = running_.get();
  boost::asio::post(raw->io, [raw, reason] {
    try {
      raw->engine->flatten(reason);
    } catch (const std::exception& e) {
      raw->log.error("flatten_exception", {{"error", e.what()}});
    }
  });
}

void EngineThread::stop() {
  if (!running_) return;
  reloads_->close();  // waits for a reload in flight; later ones are refused
  Running* raw = running_.get();
  // The dead-man switches are disarmed first (bounded by kDisarmWait: a venue that does
  // not answer leaves its switch armed, which then fires on what the desk left open).
  boost::asio::post(raw->io, [raw] {
    auto stopped = std::make_shared<bool>(false);
    auto stop_now = [raw, stopped] {
      if (std::exchange(*stopped, true)) return;
      try {
        raw->engine->stop();
      } catch (const std::exception& e) {
        raw->log.error("engine_stop_exception", {{"error", e.what()}});
      } catch (...) {
        raw->log.error("engine_stop_exception", {{"error", "unknown exception"}});
      }
      raw->io.stop();  // whatever stop() did, the thread ends
    };
    constexpr std::chrono::seconds kDisarmWait{2};
    (void)raw->clock.call_after(kDisarmWait, stop_now);
    try {
      raw->engine->disarm_dead_man(stop_now);
    } catch (const std::exception& e) {
      raw->log.error("dead_man_disarm_exception", {{"error", e.what()}});
      stop_now();
    }
  });
  if (raw->thread.joinable()) raw->thread.join();
  running_.reset();
}

engine::ReloadReport EngineThread::reload(engine::EngineBundle next, std::chrono::milliseconds timeout) {
  engine::ReloadReport refused;
  const CallGate::Scope call(*reloads_);
  if (!call || !running_) {
    refused.errors.push_back({"", 0, "the engine is not running"});
    return refused;
  }
  Running* raw = running_.get();
  auto shared_next = std::make_shared<engine::EngineBundle>(std::move(next));
  auto report = call_on_engine<engine::ReloadReport>(raw->io, timeout, [raw, shared_next] {
    return raw->engine->reload(*shared_next);
  });
  if (!report) {
    refused.timed_out = true;
    refused.errors.push_back({"", 0, "the engine thread did not take the reload within " +
                                         std::to_string(timeout.count()) + " ms; nothing was changed"});
    return refused;
  }
  return std::move(*report);
}

}  // namespace propbot::app
