#include "core/engine/strategy_set.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "core/bundle/validator.hpp"  // params_origin
#include "core/crypto/sha256.hpp"

namespace propbot::engine {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

scripting::SandboxLimits limits_of(const config::Config& config, const config::StrategyConfig& strategy,
                                   std::shared_ptr<scripting::ScriptWatchdog> watchdog) {
  scripting::SandboxLimits limits;
  limits.watchdog = std::move(watchdog);
  limits.instruction_budget = config.scripting.instruction_budget;
  limits.memory_limit_bytes = static_cast<std::size_t>(config.scripting.memory_limit_mb) << 20;
  limits.ffi = strategy.trusted;
  return limits;
}

// The fee tiers the strategies are given (ctx:fees): a change reloads them.
std::string fees_of(const config::Config& config) {
  std::string out;
  for (const config::VenueConfig& venue : config.venues) {
    out += "\n" + venue.id + ":" + std::to_string(venue.maker_fee_bps) + "/" + std::to_string(venue.taker_fee_bps);
  }
  return out;
}

std::string fingerprint(const std::string& source, const config::StrategyConfig& strategy,
                        const config::Config& config) {
  const std::string framed = crypto::sha256_hex(source) + "\n" + strategy.params.dump() + "\n" +
                             std::to_string(config.scripting.instruction_budget) + "\n" +
                             std::to_string(config.scripting.memory_limit_mb) + "\n" +
                             std::to_string(config.scripting.max_consecutive_errors) + "\n" +
                             std::to_string(config.scripting.max_faults_per_window) + "/" +
                             std::to_string(config.scripting.fault_window_s) + "\n" +
                             (strategy.trusted ? "trusted" : "sandboxed") + fees_of(config);
  return crypto::sha256_hex(framed);
}

// How load errors name the profile (a refused param value points at its line): its
// bundle path when the scripts come from a bundle, else the file that was loaded,
// relative to the bundle directory when it lies inside it.
std::string profile_file(const config::Config& config, const bundle::Bundle* bundle) {
  const std::string bundle_path = "configs/" + std::string(config::to_string(config.profile)) + ".yaml";
  if (bundle != nullptr || config.source_file.empty()) return bundle_path;
  const std::filesystem::path relative =
      std::filesystem::path(config.source_file).lexically_relative(config.scripting.bundle_dir);
  if (!relative.empty() && *relative.begin() != "..") return relative.generic_string();
  return config.source_file;
}

}  // namespace

StrategySet::StrategySet(const Clock& clock, const scripting::MarketView& market, Logger log,
                         std::shared_ptr<scripting::ScriptWatchdog> watchdog)
    : clock_(clock), market_(market), log_(std::move(log)), watchdog_(std::move(watchdog)) {}

StrategySet::Plan StrategySet::prepare(const config::Config& config, const bundle::Bundle* bundle,
                                       std::int64_t version, const scripting::StrategyEnv& env,
                                       const std::vector<std::string>& reset_state) {
  Plan plan;
  std::vector<bool> claimed(slots_.size(), false);
  const std::string config_file = profile_file(config, bundle);
  for (std::size_t index = 0; index < config.strategies.size(); ++index) {
    const config::StrategyConfig& strategy = config.strategies[index];
    if (!strategy.enabled) continue;
    const std::string file = std::filesystem::path(strategy.file).lexically_normal().generic_string();
    scripting::StrategySpec spec;
    spec.name = strategy.name;
    spec.display_name = file;
    spec.params = strategy.params;
    spec.params_origin = bundle::params_origin(config, index, config_file);
    spec.path = (std::filesystem::path(config.scripting.bundle_dir) / file).string();
    std::string source_for_fingerprint;
    if (bundle != nullptr) {
      const std::string* source = bundle->find(file);
      if (source == nullptr) {
        plan.errors.push_back({file, "strategy '" + strategy.name + "' is enabled but the bundle has no file " + file});
        continue;
      }
      spec.source = *source;
      source_for_fingerprint = *source;
    } else {
      source_for_fingerprint = "file:" + spec.path;  // read by the runner; never compared with a bundle text
    }
    const std::string print = fingerprint(source_for_fingerprint, strategy, config);

    std::size_t running = kNone;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (!claimed[i] && slots_[i].runner->name() == strategy.name) running = i;
    }
    if (running != kNone) claimed[running] = true;
    const bool reset = std::find(reset_state.begin(), reset_state.end(), strategy.name) != reset_state.end();
    if (running != kNone && slots_[running].fingerprint == print && !reset) {
      plan.slots.push_back(Slot{nullptr, file, print, slots_[running].version});
      plan.carry_from.push_back(running);
      plan.kept.push_back(strategy.name);
      continue;
    }
    std::optional<nlohmann::json> previous_state;
    if (running != kNone && !reset) {
      auto state = slots_[running].runner->state_snapshot();
      if (!state) {
        plan.errors.push_back({slots_[running].file, "strategy '" + strategy.name +
                                                         "': the running version's state cannot be handed over: " +
                                                         state.error().message + "; apply again with \"reset_state\": [\"" +
                                                         strategy.name + "\"] to start it with an empty ctx.state"});
        continue;
      }
      previous_state = std::move(*state);
    }
    if (reset) {
      plan.reset.push_back(strategy.name);
      log_.info("strategy_state_reset", {{"strategy", strategy.name}});
    }
    if (running != kNone && slots_[running].runner->stats().frozen) plan.replaced_frozen.push_back(strategy.name);
    const std::string name = strategy.name;
    Logger log = log_;
    auto runner = scripting::StrategyRunner::load(
        spec, limits_of(config, strategy, watchdog_), clock_, market_, config.scripting.max_consecutive_errors,
        [log](const std::string& who, const std::string& message) {
          log.warn("strategy_log", {{"strategy", who}, {"message", message}});
        },
        env, std::move(previous_state));
    if (!runner) {
      // A configured param the declaration refuses is the profile's line to fix.
      const std::string& message = runner.error().message;
      plan.errors.push_back({message.rfind(config_file + ":", 0) == 0 ? config_file : file, message});
      continue;
    }
    plan.slots.push_back(Slot{std::move(*runner), file, print, version});
    plan.carry_from.push_back(kNone);
    (running != kNone ? plan.replaced : plan.started).push_back(name);
  }
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (claimed[i]) continue;
    plan.stopped.push_back(slots_[i].runner->name());
    if (slots_[i].runner->stats().frozen) plan.replaced_frozen.push_back(slots_[i].runner->name());
  }
  return plan;
}

void StrategySet::commit(Plan plan) {
  std::vector<Slot> next;
  next.reserve(plan.slots.size());
  std::vector<bool> carried(slots_.size(), false);
  for (std::size_t i = 0; i < plan.slots.size(); ++i) {
    if (plan.carry_from[i] != kNone) {
      carried[plan.carry_from[i]] = true;
      next.push_back(std::move(slots_[plan.carry_from[i]]));
    } else {
      next.push_back(std::move(plan.slots[i]));
    }
  }
  // Free: the versions that left run on_stop now that their successors are in place.
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (carried[i] || !slots_[i].runner) continue;
    auto state = slots_[i].runner->stop();
    if (!state) {
      log_.warn("strategy_stop_failed", {{"strategy", slots_[i].runner->name()}, {"error", state.error().message}});
    }
  }
  slots_ = std::move(next);
}

void StrategySet::stop_all() {
  for (Slot& slot : slots_) {
    if (!slot.runner || slot.runner->stopped()) continue;
    auto state = slot.runner->stop();
    if (!state) log_.warn("strategy_stop_failed", {{"strategy", slot.runner->name()}, {"error", state.error().message}});
  }
}

}  // namespace propbot::engine
