#include "core/shadow/shadow_validation.hpp"

#include <filesystem>

#include "core/bundle/scratch_directory.hpp"

namespace propbot::shadow {
namespace {

using nlohmann::json;

std::string normal(const std::string& file) {
  return std::filesystem::path(file).lexically_normal().generic_string();
}

const config::StrategyConfig* enabled_named(const config::Config& config, const std::string& name) {
  for (const auto& strategy : config.strategies) {
    if (strategy.enabled && strategy.name == name) return &strategy;
  }
  return nullptr;
}

// The fault's message without the location Lua already put at its front.
std::string bare_message(const ShadowFault& fault) {
  const std::string at = fault.where() + ":";
  std::string message = fault.message;
  if (message.rfind(at, 0) == 0) message = message.substr(at.size());
  while (!message.empty() && message.front() == ' ') message.erase(message.begin());
  return message;
}

std::string counts(const StrategyFigures& figures) {
  return "calls " + std::to_string(figures.calls) + ", proposals " + std::to_string(figures.proposals) + ", faults " +
         std::to_string(figures.faults);
}

std::optional<config::Config> load_profile(const bundle::Bundle& bundle, config::Profile profile) {
  bundle::ScratchDirectory root;
  if (root.path().empty() || !bundle.write_to(root.path())) return std::nullopt;
  std::vector<bundle::ValidationError> errors;
  return bundle::load_profile_at(root.path(), profile, config::LoadOptions{}, errors);
}

}  // namespace

std::set<std::string> changed_strategies(const config::Config& running, const bundle::Bundle& running_bundle,
                                         const config::Config& candidate, const bundle::Bundle& candidate_bundle) {
  std::set<std::string> changed;
  for (const auto& strategy : candidate.strategies) {
    if (!strategy.enabled) continue;
    const config::StrategyConfig* before = enabled_named(running, strategy.name);
    if (before == nullptr) {
      changed.insert(strategy.name);
      continue;
    }
    const std::string* text_before = running_bundle.find(normal(before->file));
    const std::string* text_after = candidate_bundle.find(normal(strategy.file));
    const bool same_text = text_before != nullptr && text_after != nullptr && *text_before == *text_after;
    if (!same_text || before->params != strategy.params || before->trusted != strategy.trusted) {
      changed.insert(strategy.name);
    }
  }
  return changed;
}

ShadowReport compare(const config::Config& candidate_config, const bundle::Bundle& candidate,
                     const config::Config& running_config, const bundle::Bundle& running,
                     const engine::MarketTapeView& tape) {
  ShadowReport report;
  report.window_s = tape.window_s;
  const std::set<std::string> changed = changed_strategies(running_config, running, candidate_config, candidate);
  if (changed.empty() || tape.empty()) return report;
  // The seconds the events really cover: less than the window just after start, or when
  // validation.shadow_max_events cut the tape shorter.
  std::size_t events = 0;
  MonoTime first{}, last{};
  tape.for_each([&](const engine::TapeEvent& event, const engine::TapeBlock&) {
    if (events++ == 0) first = event.at;
    last = event.at;
  });
  const auto covered = std::chrono::duration_cast<std::chrono::seconds>(last - first + std::chrono::milliseconds(999));
  report.span_s = static_cast<int>(std::min<std::int64_t>(covered.count(), tape.window_s));
  const std::string replay_name =
      "shadow replay of the last " + std::to_string(report.span_s) + " s (" + std::to_string(events) + " events)";
  auto next = replay(candidate_config, candidate, tape, &changed);
  if (!next) {
    report.errors.push_back({"", 0, replay_name + ": the candidate did not load: " + next.error().message});
    return report;
  }
  report.ran = true;
  report.events = next->events;
  report.replay_ms = next->replay_ms;
  std::set<std::string> running_names;
  for (const auto& name : changed) {
    if (enabled_named(running_config, name) != nullptr) running_names.insert(name);
  }
  std::optional<ReplayResult> before;
  if (!running_names.empty()) {
    if (auto ran = replay(running_config, running, tape, &running_names)) {
      report.replay_ms += ran->replay_ms;
      before = std::move(*ran);
    } else {
      report.warnings.push_back(replay_name + ": the running version did not replay: " + ran.error().message);
    }
  }
  for (const auto& [name, figures] : next->strategies) {
    StrategyComparison comparison{figures, std::nullopt};
    if (before) {
      if (auto found = before->strategies.find(name); found != before->strategies.end()) comparison.running = found->second;
    }
    const std::string versus = comparison.running ? "; the running version: " + counts(*comparison.running)
                                                  : std::string("; a new strategy");
    if (figures.faults > 0) {
      const ShadowFault fault = figures.first_fault.value_or(ShadowFault{});
      report.errors.push_back({fault.file, fault.line,
                               replay_name + ": strategy '" + name + "' " +
                                   (fault.callback.empty() ? std::string("a callback") : fault.callback) +
                                   " failed at " + fault.where() + ": " + bare_message(fault) + " (" + counts(figures) +
                                   (figures.frozen ? ", frozen" : "") + versus + ")"});
    } else if (figures.proposals == 0) {
      report.warnings.push_back(replay_name + ": strategy '" + name + "' never proposed (" + counts(figures) + versus +
                                ")");
    }
    report.strategies.emplace(name, std::move(comparison));
  }
  return report;
}

ShadowReport shadow_validate(const bundle::Bundle& candidate, const bundle::Bundle& running, config::Profile profile,
                             const engine::MarketTapeView& tape) {
  if (tape.empty()) return ShadowReport{};
  auto candidate_config = load_profile(candidate, profile);
  auto running_config = load_profile(running, profile);
  if (!candidate_config) return ShadowReport{};  // bundle::validate reports why
  if (!running_config) running_config = config::Config{};  // every strategy counts as new
  return compare(*candidate_config, candidate, *running_config, running, tape);
}

json ShadowReport::shadow_json() const {
  json out = json::object();
  for (const auto& [name, comparison] : strategies) {
    out[name] = json{{"candidate", comparison.candidate.to_json()},
                     {"running", comparison.running ? comparison.running->to_json() : json(nullptr)},
                     {"events", events},
                     {"span_s", span_s},
                     {"window_s", window_s}};
  }
  return out;
}

json ShadowReport::to_json() const {
  json error_list = json::array();
  for (const auto& error : errors) error_list.push_back({{"file", error.file}, {"line", error.line}, {"message", error.message}});
  return json{{"ran", ran},         {"events", events},       {"window_s", window_s}, {"span_s", span_s}, {"replay_ms", replay_ms},
              {"shadow", shadow_json()}, {"errors", std::move(error_list)}, {"warnings", warnings}};
}

ShadowReport ShadowReport::from_json(const json& j) {
  ShadowReport report;
  if (!j.is_object()) return report;
  report.ran = j.value("ran", false);
  report.events = j.value("events", std::size_t{0});
  report.window_s = j.value("window_s", 0);
  report.span_s = j.value("span_s", 0);
  report.replay_ms = j.value("replay_ms", 0.0);
  if (auto shadow = j.find("shadow"); shadow != j.end() && shadow->is_object()) {
    for (const auto& [name, entry] : shadow->items()) {
      if (!entry.is_object()) continue;
      StrategyComparison comparison{StrategyFigures::from_json(entry.value("candidate", json::object())), std::nullopt};
      if (auto running = entry.find("running"); running != entry.end() && running->is_object()) {
        comparison.running = StrategyFigures::from_json(*running);
      }
      report.strategies.emplace(name, std::move(comparison));
    }
  }
  if (auto list = j.find("errors"); list != j.end() && list->is_array()) {
    for (const auto& error : *list) {
      if (!error.is_object()) continue;
      report.errors.push_back(
          {error.value("file", std::string()), error.value("line", 0), error.value("message", std::string())});
    }
  }
  if (auto list = j.find("warnings"); list != j.end() && list->is_array()) {
    for (const auto& warning : *list) {
      if (warning.is_string()) report.warnings.push_back(warning.get<std::string>());
    }
  }
  return report;
}

}  // namespace propbot::shadow
