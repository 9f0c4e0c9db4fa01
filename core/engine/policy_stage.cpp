#include "core/engine/policy_stage.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

#include "core/crypto/sha256.hpp"
#include "core/risk/notional_caps.hpp"

namespace propbot::engine {
namespace {

namespace fs = std::filesystem;

constexpr std::array<const char*, 4> kPolicyFiles = {"regime.lua", "policy_matrix.lua", "sizing.lua",
                                                     "circuit_breakers.lua"};
constexpr int kDepthLevels = 10;
risk::NotionalCaps caps_of(const config::Config& config) {
  return risk::caps_from_config(config.risk.max_notional_per_position_usdt, config.risk.max_total_notional_usdt);
}

double top_depth_usdt(const md::OrderBook& book) {
  const md::InstrumentSpec& spec = book.spec();
  double total = 0;
  const auto add = [&](std::span<const md::BookLevel> levels) {
    const std::size_t n = std::min<std::size_t>(levels.size(), kDepthLevels);
    for (std::size_t i = 0; i < n; ++i) total += spec.price_of(levels[i].price_ticks) * spec.qty_of(levels[i].qty_lots);
  };
  add(book.bids());
  add(book.asks());
  return total;
}

// The worse of two legs for a trader: more volatile, noisier spread, thinner book.
void merge_worst(scripting::RegimeFeatures& into, const scripting::RegimeFeatures& other) {
  into.realised_vol_bps = std::max(into.realised_vol_bps, other.realised_vol_bps);
  into.spread_std_bps = std::max(into.spread_std_bps, other.spread_std_bps);
  into.depth_usdt = std::min(into.depth_usdt, other.depth_usdt);
  into.trend_bps = std::fabs(other.trend_bps) > std::fabs(into.trend_bps) ? other.trend_bps : into.trend_bps;
  into.funding_rate = other.funding_rate - into.funding_rate;  // what the pair's carry sees
}

}  // namespace

PolicyStage::PolicyStage(scripting::FeatureTrackerConfig features) : tracker_(features) {}

std::string PolicyStage::fingerprint(const config::Config& config, const bundle::Bundle* bundle) {
  std::string framed;
  for (const char* file : kPolicyFiles) {
    const std::string path = std::string("policies/") + file;
    if (bundle != nullptr) {
      const std::string* source = bundle->find(path);
      if (source == nullptr) return {};
      framed += crypto::sha256_hex(*source);
    } else {
      const fs::path on_disk = fs::path(config.scripting.bundle_dir) / path;
      std::error_code error;
      if (!fs::exists(on_disk, error)) return {};
      framed += "file:" + on_disk.string();
    }
    framed += '\n';
  }
  framed += std::to_string(config.risk.max_notional_per_position_usdt) + "\n" +
            std::to_string(config.risk.max_total_notional_usdt) + "\n" +
            std::to_string(config.scripting.instruction_budget) + "\n" + std::to_string(config.scripting.memory_limit_mb) +
            "\n" + std::to_string(config.scripting.max_consecutive_errors);
  return crypto::sha256_hex(framed);
}

Result<LoadedPipeline> PolicyStage::build(const config::Config& config, const bundle::Bundle* bundle,
                                          const Clock& clock, std::shared_ptr<scripting::ScriptWatchdog> watchdog) {
  LoadedPipeline loaded;
  loaded.fingerprint = fingerprint(config, bundle);
  if (loaded.fingerprint.empty()) {
    if (bundle != nullptr && bundle->has_policies()) {
      for (const char* file : kPolicyFiles) {
        const std::string path = std::string("policies/") + file;
        if (bundle->find(path) == nullptr) {
          return make_error(Errc::not_found, path + ": missing: policies/ must hold regime.lua, policy_matrix.lua, "
                                                    "sizing.lua and circuit_breakers.lua together");
        }
      }
    }
    return loaded;  // no policies: intents are sized by the caps alone
  }
  scripting::PolicyPipelineSpec spec;
  spec.directory = (fs::path(config.scripting.bundle_dir) / "policies").string();
  spec.display_prefix = "policies/";
  if (bundle != nullptr) {
    for (const char* file : kPolicyFiles) spec.sources[file] = *bundle->find(std::string("policies/") + file);
  }
  const risk::NotionalCaps caps = caps_of(config);
  spec.caps = {caps.per_position_usdt, caps.total_usdt};
  spec.max_consecutive_faults = config.scripting.max_consecutive_errors;
  scripting::SandboxLimits limits;
  limits.instruction_budget = config.scripting.instruction_budget;
  limits.memory_limit_bytes = static_cast<std::size_t>(config.scripting.memory_limit_mb) << 20;
  limits.watchdog = std::move(watchdog);
  auto pipeline = scripting::PolicyPipeline::load(spec, limits, clock);
  if (!pipeline) return pipeline.error();
  loaded.pipeline = std::move(*pipeline);
  return loaded;
}

void PolicyStage::install(LoadedPipeline loaded) {
  loaded_ = std::move(loaded);
  verdicts_.clear();
}

const PolicyStage::SeriesKey* PolicyStage::find(std::string_view venue, std::string_view symbol) const {
  for (const SeriesKey& key : series_) {
    if (key.venue == venue && key.symbol == symbol) return &key;
  }
  return nullptr;
}

void PolicyStage::on_book(const md::OrderBook& book, MonoTime now) {
  if (!book.valid()) return;
  const auto mid = book.mid_price();
  const auto spread = book.spread_bps();
  if (!mid || !spread) return;
  const md::InstrumentSpec& spec = book.spec();
  const SeriesKey* key = find(spec.venue, spec.symbol);
  if (key == nullptr) {
    series_.push_back({spec.venue, spec.symbol, tracker_.series(spec.venue, spec.symbol)});
    key = &series_.back();
  }
  tracker_.record(key->id, now, *mid, *spread, top_depth_usdt(book));
}

void PolicyStage::on_funding(std::string_view venue, std::string_view symbol, double funding_rate) {
  if (const SeriesKey* key = find(venue, symbol); key != nullptr && std::isfinite(funding_rate)) {
    tracker_.set_funding(key->id, funding_rate, 0);
  }
}

bool PolicyStage::features_of(std::string_view venue, std::string_view symbol, MonoTime now,
                              scripting::RegimeFeatures& out) {
  const SeriesKey* key = find(venue, symbol);
  return key != nullptr && tracker_.features(key->id, now, out);
}

PolicyOutcome PolicyStage::assess(const Intent& intent, const config::Config& config, bool safe_mode,
                                  MonoTime now) {
  PolicyOutcome outcome;
  // The caps and sizing.lua work in doubles; this one reads back as the script's number.
  const double notional_usdt = intent.notional_usdt.to_double();
  if (intent.reduce_only) {
    // A close only reduces risk: no edge to clear, no cap to fit (the executor sizes it
    // to the position it closes, never beyond).
    outcome.verdict = PolicyVerdict::ok;
    outcome.sized_notional_usdt = notional_usdt;
    return outcome;
  }
  if (!loaded_.pipeline) {
    // Nothing is open until the executor exists.
    const risk::ClampedNotional sized =
        risk::clamp_notional(notional_usdt, risk::notional_headroom(caps_of(config), 0, 0));
    outcome.sized_notional_usdt = sized.notional_usdt;
    outcome.clamped = sized.clamped;
    return outcome;
  }
  scripting::RegimeFeatures features;
  const bool pair = intent.kind == IntentKind::hedged_pair;
  const std::string& first_venue = pair ? intent.long_venue : intent.venue;
  if (!features_of(first_venue, intent.symbol, now, features)) {
    outcome.verdict = PolicyVerdict::warming_up;
    return outcome;
  }
  if (pair) {
    scripting::RegimeFeatures other;
    if (!features_of(intent.short_venue, intent.symbol, now, other)) {
      outcome.verdict = PolicyVerdict::warming_up;
      return outcome;
    }
    merge_worst(features, other);
  }
  scripting::SizingRequest request;
  request.intent_notional_usdt = notional_usdt;
  request.risk_level = safe_mode ? config.scripting.risk_level / 2 : config.scripting.risk_level;
  const scripting::PolicyDecision decision = loaded_.pipeline->decide(features, request);
  outcome.regime = scripting::to_string(decision.regime.regime);
  outcome.confidence = decision.regime.confidence;
  outcome.min_edge_bps = decision.policy.min_edge_bps;
  outcome.sized_notional_usdt = decision.size.notional_usdt;
  outcome.clamped = decision.size.clamped;
  if (pair && intent.net_spread_bps < decision.policy.min_edge_bps) {
    outcome.verdict = PolicyVerdict::below_min_edge;
  } else if (!(outcome.sized_notional_usdt > 0)) {
    outcome.verdict = PolicyVerdict::size_zero;
  } else {
    outcome.verdict = PolicyVerdict::ok;
  }
  return outcome;
}

std::optional<scripting::RegimeVerdict> PolicyStage::regime(std::string_view symbol, MonoTime now) {
  if (!loaded_.pipeline) return std::nullopt;
  scripting::RegimeFeatures merged;
  bool any = false;
  for (const SeriesKey& key : series_) {
    if (key.symbol != symbol) continue;
    scripting::RegimeFeatures one;
    if (!tracker_.features(key.id, now, one)) continue;
    if (!any) {
      merged = one;
      any = true;
    } else {
      merge_worst(merged, one);
    }
  }
  if (!any) return std::nullopt;
  return loaded_.pipeline->classify(merged);
}

void PolicyStage::evaluate_breakers(const std::vector<scripting::BreakerMetrics>& snapshots) {
  verdicts_.clear();
  if (!loaded_.pipeline) return;
  for (const scripting::BreakerMetrics& metrics : snapshots) {
    const bool was_degraded = loaded_.pipeline->degraded();
    loaded_.pipeline->evaluate_breakers(metrics, scope_verdicts_);
    for (scripting::BreakerVerdict& verdict : scope_verdicts_) verdicts_.push_back(std::move(verdict));
    if (was_degraded) break;  // the same "degraded" answer for every other scope
  }
}

}  // namespace propbot::engine
