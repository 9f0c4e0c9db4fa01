#include "core/bundle/validator.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "core/bundle/scratch_directory.hpp"
#include "core/common/clock.hpp"
#include "core/common/intent.hpp"
#include "core/config/issue.hpp"
#include "core/config/loader.hpp"
#include "core/md/order_book.hpp"
#include "scripting/market_view.hpp"
#include "scripting/policy_pipeline.hpp"
#include "scripting/recorded_market.hpp"
#include "scripting/script_watchdog.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot::bundle {
namespace {

namespace fs = std::filesystem;

constexpr int kDryRunRounds = 3;
constexpr int kBookLevels = 20;
constexpr double kLevelNotionalUsdt = 50'000;
constexpr double kSpreadBps = 1.0;
constexpr double kDislocationBps = 25.0;  // round 2: wide enough to beat any sane entry threshold
constexpr double kFallbackPositionCapUsdt = 5'000;
constexpr double kFallbackTotalCapUsdt = 50'000;

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Finds "<file>:<line>" in a message from the loader or a script. When the message
// starts with the location ("strategies/x.lua:12: boom", "strategies/x.lua: param …")
// the location is cut off, since the error carries it.
ValidationError locate(const std::string& file, const std::string& message) {
  ValidationError error{file, 0, message};
  const std::string prefix = file + ":";
  const std::size_t at = message.find(prefix);
  if (at == std::string::npos) return error;
  std::size_t cursor = at + prefix.size();
  std::size_t digits_end = cursor;
  while (digits_end < message.size() && std::isdigit(static_cast<unsigned char>(message[digits_end]))) ++digits_end;
  if (digits_end > cursor && digits_end - cursor < 9) {
    error.line = std::atoi(message.substr(cursor, digits_end - cursor).c_str());
    cursor = digits_end;
  }
  if (at == 0) {
    if (cursor < message.size() && message[cursor] == ':') ++cursor;
    while (cursor < message.size() && message[cursor] == ' ') ++cursor;
    if (cursor < message.size()) error.message = message.substr(cursor);
  }
  return error;
}

ValidationError from_fault(const std::string& file, const std::string& what, const scripting::ScriptFault& fault) {
  ValidationError error = locate(file, fault.message);
  if (error.line == 0 && fault.line > 0 && (fault.file.empty() || fault.file == file)) error.line = fault.line;
  error.message = what + ": " + error.message;
  if (fault.budget_exceeded && error.message.find("budget") == std::string::npos) {
    error.message += " (instruction budget exceeded)";
  }
  return error;
}

// ---- 1. YAML ----------------------------------------------------------------------

}  // namespace

std::optional<config::Config> load_profile_at(const std::string& root, config::Profile profile,
                                              config::LoadOptions options, std::vector<ValidationError>& errors) {
  const std::string config_path = "configs/" + std::string(config::to_string(profile)) + ".yaml";
  options.profile = profile;
  options.config_file = (fs::path(root) / config_path).string();
  // Whatever bundle_dir the YAML or the environment names for the installed daemon,
  // the strategies are the ones of this bundle.
  options.env["PROPBOT_SCRIPTING__BUNDLE_DIR"] = root;
  options.search_roots.clear();
  config::LoadOutcome outcome = config::load_config(options);
  for (const config::ConfigIssue& issue : outcome.issues) {
    std::string text = config::format_fatal(issue);
    constexpr std::string_view kPrefix = "FATAL CONFIG: ";
    if (text.rfind(kPrefix, 0) == 0) text.erase(0, kPrefix.size());
    text = replace_all(std::move(text), root + "/", "");
    text = replace_all(std::move(text), root, "<bundle>");
    ValidationError error = locate(config_path, text);
    error.message = text;  // keep "set it in configs/paper.yaml:57" for the operator
    errors.push_back(std::move(error));
  }
  return outcome.config;
}

namespace {

// ---- 2. strategies ----------------------------------------------------------------

double start_price(const config::Config& config, const std::string& symbol) {
  if (const auto it = config.sim.start_prices.find(symbol); it != config.sim.start_prices.end() && it->second > 0) {
    return it->second;
  }
  if (symbol.rfind("BTC-", 0) == 0) return 50'000;
  if (symbol.rfind("ETH-", 0) == 0) return 3'000;
  return 100;
}

// A power of ten about 1e-6 of the price: fine enough for any spread the dry run sets.
double tick_for(double price) { return std::pow(10.0, std::floor(std::log10(price)) - 6); }

// Valid books for every configured symbol on every configured venue, at plausible
// prices. Round 1 dislocates the last venue upwards by kDislocationBps.
class SyntheticMarket final : public scripting::MarketView {
 public:
  SyntheticMarket(const config::Config& config, const Clock& clock) : clock_(clock) {
    for (const config::VenueConfig& venue : config.venues) venues_.push_back(venue.id);
    for (const std::string& symbol : config.symbols) {
      const double price = start_price(config, symbol);
      for (const std::string& venue : venues_) {
        md::InstrumentSpec spec;
        spec.venue = venue;
        spec.symbol = symbol;
        spec.tick_size = tick_for(price);
        spec.lot_size = 0.001;
        books_.emplace(key(venue, symbol), Entry{std::make_unique<md::OrderBook>(spec), price});
      }
    }
    set_round(0);
  }

  void set_round(int round) {
    ++sequence_;
    for (auto& [name, entry] : books_) {
      const md::InstrumentSpec& spec = entry.book->spec();
      const bool dislocated = round == 1 && !venues_.empty() && spec.venue == venues_.back();
      const double mid = entry.price * (1 + (dislocated ? kDislocationBps : 0) / 10'000);
      const double half_spread = mid * kSpreadBps / 20'000;
      const auto best_bid = static_cast<std::int64_t>(std::floor((mid - half_spread) / spec.tick_size));
      const auto best_ask = std::max(best_bid + 1, static_cast<std::int64_t>(std::ceil((mid + half_spread) / spec.tick_size)));
      const auto qty_lots = std::max<std::int64_t>(1, std::llround(kLevelNotionalUsdt / mid / spec.lot_size));
      const auto step = std::max<std::int64_t>(1, best_ask - best_bid);
      std::vector<md::BookLevel> bids, asks;
      for (int level = 0; level < kBookLevels; ++level) {
        bids.push_back({best_bid - level * step, qty_lots});
        asks.push_back({best_ask + level * step, qty_lots});
      }
      entry.book->apply_snapshot(bids, asks, sequence_, clock_.now());
    }
  }

  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    const auto it = books_.find(key(venue, symbol));
    return it == books_.end() ? nullptr : it->second.book.get();
  }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  struct Entry {
    std::unique_ptr<md::OrderBook> book;
    double price = 0;
  };
  static std::string key(std::string_view venue, std::string_view symbol) {
    return std::string(venue) + '\n' + std::string(symbol);
  }

  const Clock& clock_;
  std::vector<std::string> venues_;
  std::map<std::string, Entry, std::less<>> books_;
  std::uint64_t sequence_ = 0;
};

// The market a dry run sees: the recorded one (real books of the running daemon) for
// the first round when there is one, the synthetic one after.
class DryRunMarket final : public scripting::MarketView {
 public:
  DryRunMarket(const SyntheticMarket& synthetic, const scripting::RecordedMarket* recorded)
      : synthetic_(synthetic), recorded_(recorded) {}
  void use_recorded(bool on) { on_recorded_ = on && recorded_ != nullptr; }

  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    return on_recorded_ ? recorded_->book(venue, symbol) : synthetic_.book(venue, symbol);
  }
  const std::vector<std::string>& venue_ids() const override { return synthetic_.venue_ids(); }
  std::optional<scripting::FundingView> funding(std::string_view venue, std::string_view symbol) const override {
    return on_recorded_ ? recorded_->funding(venue, symbol) : synthetic_.funding(venue, symbol);
  }

 private:
  const SyntheticMarket& synthetic_;
  const scripting::RecordedMarket* recorded_;
  bool on_recorded_ = false;
};

void check_strategy(const config::Config& config, std::size_t index, const std::string& root,
                    const Bundle& bundle, const scripting::RecordedMarket* recorded,
                    const std::shared_ptr<scripting::ScriptWatchdog>& watchdog, std::vector<ValidationError>& errors) {
  const config::StrategyConfig& strategy = config.strategies[index];
  const std::string file = fs::path(strategy.file).lexically_normal().generic_string();
  if (bundle.find(file) == nullptr) {
    errors.push_back({file, 0, "strategy '" + strategy.name + "' is enabled in configs/" +
                                   std::string(config::to_string(config.profile)) +
                                   ".yaml but the bundle has no such file"});
    return;
  }
  scripting::SandboxLimits limits;
  limits.instruction_budget = config.scripting.instruction_budget;
  limits.memory_limit_bytes = static_cast<std::size_t>(config.scripting.memory_limit_mb) << 20;
  limits.ffi = strategy.trusted;
  limits.watchdog = watchdog;
  scripting::StrategySpec spec;
  spec.name = strategy.name;
  spec.display_name = file;
  spec.path = (fs::path(root) / file).string();
  spec.params = strategy.params;
  spec.params_origin = params_origin(config, index, "configs/" + std::string(config::to_string(config.profile)) + ".yaml");

  SimClock clock;
  SyntheticMarket synthetic(config, clock);
  std::optional<scripting::RecordedMarket> restamped;
  if (recorded != nullptr && !recorded->empty()) {
    restamped = *recorded;
    restamped->restamp(clock.now());
  }
  DryRunMarket market(synthetic, restamped ? &*restamped : nullptr);
  market.use_recorded(true);
  auto runner = scripting::StrategyRunner::load(spec, limits, clock, market, config.scripting.max_consecutive_errors,
                                               {}, strategy_env(config));
  if (!runner) {
    // A configured param the declaration refuses is reported at the profile's line.
    const std::string& message = runner.error().message;
    const bool in_profile = message.rfind(spec.params_origin->file + ":", 0) == 0;
    errors.push_back(locate(in_profile ? spec.params_origin->file : file, message));
    return;
  }
  std::vector<Intent> intents;
  if (restamped) {  // round 0: the real books the daemon sees now
    for (const md::OrderBook& book : restamped->books()) {
      const auto& venues = synthetic.venue_ids();
      if (std::find(venues.begin(), venues.end(), book.spec().venue) == venues.end() ||
          std::find(config.symbols.begin(), config.symbols.end(), book.spec().symbol) == config.symbols.end()) {
        continue;
      }
      const std::uint64_t faults = (*runner)->stats().faults;
      (*runner)->on_book({book.spec().venue, book.spec().symbol}, intents);
      intents.clear();
      if ((*runner)->stats().faults != faults && (*runner)->stats().last_fault) {
        errors.push_back(from_fault(file, "on_book dry run on the recorded market (" + book.spec().venue + " " +
                                              book.spec().symbol + ")",
                                    *(*runner)->stats().last_fault));
        return;
      }
    }
  }
  market.use_recorded(false);
  for (int round = 0; round < kDryRunRounds; ++round) {
    synthetic.set_round(round);
    clock.advance(std::chrono::milliseconds(100));
    for (const std::string& symbol : config.symbols) {
      for (const std::string& venue : market.venue_ids()) {
        const std::uint64_t faults = (*runner)->stats().faults;
        (*runner)->on_book({venue, symbol}, intents);
        if ((*runner)->stats().faults != faults && (*runner)->stats().last_fault) {
          errors.push_back(from_fault(file, "on_book dry run (" + venue + " " + symbol + ")",
                                      *(*runner)->stats().last_fault));
          return;
        }
        intents.clear();
      }
    }
    (*runner)->fire_due_timers(clock.now(), intents);
    intents.clear();
  }
  const std::uint64_t faults = (*runner)->stats().faults;
  Result<nlohmann::json> state = (*runner)->stop();
  if (!state) {
    if ((*runner)->stats().faults != faults && (*runner)->stats().last_fault) {
      errors.push_back(from_fault(file, "on_stop", *(*runner)->stats().last_fault));
    } else {
      ValidationError error = locate(file, state.error().message);
      error.message = "on_stop: " + error.message;
      errors.push_back(std::move(error));
    }
  }
}

// ---- 3. policies ------------------------------------------------------------------

void check_policies(const std::optional<config::Config>& config, const std::string& root,
                    const std::shared_ptr<scripting::ScriptWatchdog>& watchdog, std::vector<ValidationError>& errors) {
  scripting::PolicyPipelineSpec spec;
  spec.directory = (fs::path(root) / "policies").string();
  spec.display_prefix = "policies/";
  scripting::SandboxLimits limits;
  limits.watchdog = watchdog;
  spec.caps = {kFallbackPositionCapUsdt, kFallbackTotalCapUsdt};
  if (config) {
    limits.instruction_budget = config->scripting.instruction_budget;
    limits.memory_limit_bytes = static_cast<std::size_t>(config->scripting.memory_limit_mb) << 20;
    // A cap of 0 means "guard off" in paper/testnet; the dry run still needs a size.
    if (config->risk.max_notional_per_position_usdt > 0) {
      spec.caps.max_position_notional_usdt = config->risk.max_notional_per_position_usdt;
    }
    if (config->risk.max_total_notional_usdt > 0) {
      spec.caps.max_total_notional_usdt = config->risk.max_total_notional_usdt;
    }
  }
  SimClock clock;
  auto pipeline = scripting::PolicyPipeline::load(spec, limits, clock);
  if (!pipeline) {
    // The message names its file ("policies/regime.lua:3: …"); find which one.
    const std::string& message = pipeline.error().message;
    std::string file = "policies/";
    for (const char* name : {"regime.lua", "policy_matrix.lua", "sizing.lua", "circuit_breakers.lua"}) {
      if (message.find(std::string("policies/") + name) != std::string::npos) {
        file += name;
        break;
      }
    }
    errors.push_back(locate(file, message));
    return;
  }
  auto report_fault = [&](const std::string& what) {
    const scripting::ScriptFault& fault = *(*pipeline)->stats().last_fault;
    const std::string file = fault.file.empty() ? "policies/" : fault.file;
    errors.push_back(from_fault(file, what, fault));
  };
  // A calm, liquid market and a modest request: every script must answer in bounds.
  const scripting::RegimeFeatures features{.realised_vol_bps = 2,
                                           .spread_std_bps = 1,
                                           .depth_usdt = 1'000'000,
                                           .funding_rate = 0.0001,
                                           .basis_bps = 0,
                                           .trend_bps = 0};
  const scripting::SizingRequest request{.intent_notional_usdt = 1'000,
                                         .risk_level = 50,
                                         .vol_baseline_bps = 2,
                                         .position_notional_usdt = 0,
                                         .open_notional_usdt = 0};
  (void)(*pipeline)->decide(features, request);
  if ((*pipeline)->stats().faults > 0 && (*pipeline)->stats().last_fault) report_fault("decide dry run");

  // A quiet desk and one quiet route (every metric 0): no rule may fire, none may raise.
  scripting::BreakerMetrics quiet_route;
  quiet_route.scope = scripting::BreakerScope::route;
  quiet_route.symbol = "BTC-USDT";
  quiet_route.venues = "A/B";
  for (const scripting::BreakerMetrics& quiet : {scripting::BreakerMetrics{}, quiet_route}) {
    const std::uint64_t faults = (*pipeline)->stats().faults;
    std::vector<scripting::BreakerVerdict> verdicts;
    (*pipeline)->evaluate_breakers(quiet, verdicts);
    if ((*pipeline)->stats().faults != faults && (*pipeline)->stats().last_fault) {
      report_fault("circuit breakers dry run");
      return;
    }
    for (const scripting::BreakerVerdict& verdict : verdicts) {
      errors.push_back({"policies/circuit_breakers.lua", 0,
                        "breaker '" + verdict.rule + "' fires on all-zero " +
                            std::string(scripting::to_string(quiet.scope)) +
                            " metrics (no drawdown, no rejects, no latency): it would " +
                            std::string(scripting::to_string(verdict.action)) + " at once (" + verdict.reason + ")"});
    }
  }
}

}  // namespace

scripting::StrategyEnv strategy_env(const config::Config& config) {
  scripting::StrategyEnv env;
  env.fault_rate.max_faults = config.scripting.max_faults_per_window;
  env.fault_rate.window = std::chrono::seconds(config.scripting.fault_window_s);
  for (const config::VenueConfig& venue : config.venues) {
    env.fees[venue.id] = scripting::FeeSchedule{venue.maker_fee_bps, venue.taker_fee_bps};
  }
  env.symbols = config.symbols;
  return env;
}

scripting::ParamsOrigin params_origin(const config::Config& config, std::size_t index, std::string config_file) {
  scripting::ParamsOrigin origin;
  origin.file = std::move(config_file);
  origin.key = "strategies[" + std::to_string(index) + "].params";
  if (index < config.strategies.size()) origin.lines = config.strategies[index].param_lines;
  return origin;
}

std::string format(const ValidationError& error) {
  return error.file + ":" + std::to_string(error.line) + ": " + error.message;
}

std::vector<ValidationError> validate(const Bundle& bundle, config::Profile profile,
                                      const scripting::RecordedMarket* recorded) {
  std::vector<ValidationError> errors;
  const std::string config_path = "configs/" + std::string(config::to_string(profile)) + ".yaml";
  if (bundle.find(config_path) == nullptr) {
    errors.push_back({config_path, 0, "missing: the " + std::string(config::to_string(profile)) +
                                          " profile is configured by " + config_path});
  }
  ScratchDirectory root;  // the loader and the runners read files
  if (root.path().empty()) {
    errors.push_back({config_path, 0, "internal: cannot create a temporary directory to validate in"});
    return errors;
  }
  if (Status written = bundle.write_to(root.path()); !written) {
    errors.push_back({config_path, 0, "internal: " + replace_all(written.error().message, root.path() + "/", "")});
    return errors;
  }

  // One watchdog bounds the time of every dry-run call (SandboxLimits::watchdog).
  std::shared_ptr<scripting::ScriptWatchdog> watchdog;
  try {
    watchdog = std::make_shared<scripting::ScriptWatchdog>();
  } catch (const std::exception& e) {
    errors.push_back({config_path, 0, std::string("internal: cannot start the script watchdog: ") + e.what()});
    return errors;
  }

  std::optional<config::Config> config;
  // No process environment: the bundle must stand on its own.
  if (errors.empty()) config = load_profile_at(root.path(), profile, config::LoadOptions{}, errors);
  if (config) {
    for (std::size_t i = 0; i < config->strategies.size(); ++i) {
      if (config->strategies[i].enabled) check_strategy(*config, i, root.path(), bundle, recorded, watchdog, errors);
    }
  }
  if (bundle.has_policies()) check_policies(config, root.path(), watchdog, errors);
  return errors;
}

}  // namespace propbot::bundle
