#include "core/shadow/shadow_replay.hpp"

#include <chrono>
#include <memory>
#include <vector>

#include "core/common/logging.hpp"
#include "core/engine/engine.hpp"
#include "core/shadow/tape_venue.hpp"

namespace propbot::shadow {
namespace {

using nlohmann::json;

// Counts each strategy's assessed proposals.
class ProposalCounter final : public engine::IntentSink {
 public:
  void on_intent(const Intent& intent, const engine::PolicyOutcome&, OpportunityStatus) override {
    ++counts[intent.strategy];
  }
  std::map<std::string, std::uint64_t> counts;
};

Logger silent() {
  LogOptions options;
  options.level = "error";
  options.to_stderr = false;
  return Logger::from_options(options);
}

// "strategies/x.lua:12" → {"strategies/x.lua", 12}; anything else keeps the text as file.
std::pair<std::string, int> split_where(const std::string& where) {
  const auto colon = where.rfind(':');
  if (colon == std::string::npos || colon + 1 >= where.size()) return {where == "?" ? "" : where, 0};
  int line = 0;
  for (std::size_t i = colon + 1; i < where.size(); ++i) {
    if (where[i] < '0' || where[i] > '9') return {where, 0};
    line = line * 10 + (where[i] - '0');
  }
  return {where.substr(0, colon), line};
}

}  // namespace

json StrategyFigures::to_json() const {
  json fault = nullptr;
  if (first_fault) {
    fault = json{{"at", first_fault->where()},
                 {"file", first_fault->file},
                 {"line", first_fault->line},
                 {"message", first_fault->message},
                 {"callback", first_fault->callback}};
  }
  return json{{"calls", calls},   {"proposals", proposals}, {"faults", faults}, {"first_fault", std::move(fault)},
              {"p50_us", p50_us}, {"p99_us", p99_us},       {"frozen", frozen}};
}

StrategyFigures StrategyFigures::from_json(const json& j) {
  StrategyFigures figures;
  if (!j.is_object()) return figures;
  figures.calls = j.value("calls", std::uint64_t{0});
  figures.proposals = j.value("proposals", std::uint64_t{0});
  figures.faults = j.value("faults", std::uint64_t{0});
  figures.p50_us = j.value("p50_us", 0.0);
  figures.p99_us = j.value("p99_us", 0.0);
  figures.frozen = j.value("frozen", false);
  if (auto fault = j.find("first_fault"); fault != j.end() && fault->is_object()) {
    figures.first_fault = ShadowFault{fault->value("file", std::string()), fault->value("line", 0),
                                      fault->value("message", std::string()), fault->value("callback", std::string())};
  }
  return figures;
}

Result<ReplayResult> replay(const config::Config& config, const bundle::Bundle& bundle,
                            const engine::MarketTapeView& tape, const std::set<std::string>* only) {
  const auto wall_start = std::chrono::steady_clock::now();
  try {
    config::Config shadow = config;
    shadow.validation.shadow_window_s = 0;  // the shadow engine records no tape of its own
    shadow.market_history.interval_s = 0;
    if (only != nullptr) {
      for (auto& strategy : shadow.strategies) {
        if (!only->contains(strategy.name)) strategy.enabled = false;
      }
    }
    // The clock starts at the window's first event.
    MonoTime first_at{};
    bool any = false;
    tape.for_each([&](const engine::TapeEvent& event, const engine::TapeBlock&) {
      if (!any) first_at = event.at;
      any = true;
    });
    SimClock clock(any ? tape.utc_of(first_at) : tape.ref_utc);
    const MonoTime origin = clock.now();

    const std::vector<md::InstrumentSpec>& instruments =
        tape.instruments ? *tape.instruments : std::vector<md::InstrumentSpec>{};
    std::vector<std::unique_ptr<TapeVenue>> venues;
    std::vector<TapeVenue*> by_instrument(instruments.size(), nullptr);
    std::vector<venues::Venue*> engine_venues;
    for (const config::VenueConfig& venue : shadow.venues) {
      std::vector<md::InstrumentSpec> specs;
      for (const auto& spec : instruments) {
        if (spec.venue == venue.id) specs.push_back(spec);
      }
      venues.push_back(std::make_unique<TapeVenue>(venue.id, std::move(specs), clock));
      engine_venues.push_back(venues.back().get());
      for (std::size_t i = 0; i < instruments.size(); ++i) {
        if (instruments[i].venue == venue.id) by_instrument[i] = venues.back().get();
      }
    }

    engine::SnapshotSlot slot;
    ProposalCounter proposals;
    engine::EngineSinks sinks;
    sinks.intents = &proposals;
    engine::Engine engine(shadow, clock, engine_venues, slot, std::move(sinks), silent());
    if (Status loaded = engine.load(&bundle); !loaded) return loaded.error();
    engine.start();

    ReplayResult result;
    tape.for_each([&](const engine::TapeEvent& event, const engine::TapeBlock& block) {
      if (event.instrument >= by_instrument.size() || by_instrument[event.instrument] == nullptr) return;
      clock.advance_to(origin + (event.at - first_at));
      by_instrument[event.instrument]->deliver(event, block, instruments[event.instrument]);
      ++result.events;
    });
    // One more snapshot, so the figures include the last event.
    clock.advance(std::chrono::milliseconds(shadow.engine.snapshot_interval_ms + 10));
    const auto snap = engine.snapshot();
    if (snap) {
      for (const engine::StrategyView& view : snap->strategies) {
        StrategyFigures figures;
        figures.calls = view.calls;
        figures.proposals = proposals.counts[view.name];
        figures.faults = view.faults;
        figures.frozen = view.state == "frozen";
        figures.p50_us = view.on_book_p50_us;
        figures.p99_us = view.on_book_p99_us;
        if (!view.first_fault_where.empty() || !view.first_fault.empty()) {
          auto [file, line] = split_where(view.first_fault_where);
          figures.first_fault = ShadowFault{file, line, view.first_fault, view.first_fault_callback};
        }
        result.strategies.emplace(view.name, std::move(figures));
      }
    }
    engine.stop();
    result.replay_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start).count();
    return result;
  } catch (const std::exception& e) {
    return make_error(Errc::internal, std::string("shadow replay failed: ") + e.what());
  }
}

}  // namespace propbot::shadow
