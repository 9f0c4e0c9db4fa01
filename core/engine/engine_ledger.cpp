// The ledger's side of the engine loop (SPEC S-9.1, S-9.2): the cash ledger fed with
// every journaled fill, its invariants, the recon daemon and its views. A part of
// Engine::Loop (engine_loop.hpp), on the driving thread.
#include <nlohmann/json.hpp>

#include "core/engine/engine_loop.hpp"

namespace propbot::engine {
namespace {

constexpr std::chrono::seconds kInvariantPeriod{10};

}  // namespace

void Engine::Loop::start_ledger() {
  ledger_entries = sinks.execution.ledger_entries;
  if (ledger_entries == nullptr) {
    own_entries = std::make_unique<ledger::MemoryLedgerEntries>();
    ledger_entries = own_entries.get();
  }
  if (auto kept = ledger_entries->all(); !kept) {
    exec_desk.safety_action(IncidentCode::ledger_invariant_violated, "ledger",
                            "the ledger's cash entries could not be read: " + kept.error().message);
  } else {
    for (const auto& entry : *kept) {
      if (auto applied = cash.on_entry(entry); !applied) {
        log.error("ledger_entry_failed", {{"id", entry.id}, {"error", applied.error().message}});
      }
      pnl_funding(entry);
    }
  }
  // Every fill is in by now (the positions' rebuild replayed them): the whole ledger once.
  if (std::string broken = cash.check_invariants(); !broken.empty()) {
    invariant_breaks.insert("*");
    exec_desk.safety_action(IncidentCode::ledger_invariant_violated, "ledger", "at start: " + broken);
  }
  ledger::ReconOptions options;
  options.interval = std::chrono::seconds(config.recon.interval_s);
  options.confirm_delay = std::chrono::milliseconds(config.recon.confirm_delay_ms);
  options.query_timeout = std::min<std::chrono::milliseconds>(
      std::chrono::milliseconds(8000), std::max<std::chrono::milliseconds>(std::chrono::seconds(config.recon.interval_s),
                                                                          std::chrono::milliseconds(2000)));
  if (auto tolerance = Decimal::from_double(config.recon.balance_tolerance_usdt, 8)) {
    options.tolerances.balance_usdt = tolerance->normalized();
  }
  options.tolerances.funding_grace_ms = std::int64_t{config.recon.funding_grace_s} * 1000;
  options.symbols = config.symbols;
  for (venues::Venue* venue : venues) {
    for (const auto& spec : venue->instruments()) {
      auto lot = Decimal::from_double(spec.lot_size, 8);
      if (!lot) continue;
      Decimal& kept = options.lots[spec.symbol];
      if (lot->normalized() > kept) kept = lot->normalized();
    }
  }
  ledger::ReconHooks hooks;
  hooks.on_mismatch = [this](const std::string& summary, const std::vector<ledger::ReconDiff>& diffs) {
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& diff : diffs) {
      listed.push_back({{"venue", diff.venue},
                        {"symbol", diff.symbol},
                        {"kind", ledger::to_string(diff.kind)},
                        {"ours", diff.ours},
                        {"venue_value", diff.venue_value},
                        {"item", diff.item}});
    }
    exec_desk.audit("recon_mismatch", {{"summary", summary}, {"diffs", std::move(listed)}});
    if (sinks.control != nullptr) sinks.control->recon_desync(summary);
    exec_desk.safety_action(IncidentCode::recon_mismatch, "recon",
                            "STATE DESYNC — manual intervention required: " + summary);
  };
  hooks.on_clean = [this] {
    if (sinks.control != nullptr) sinks.control->recon_desync(std::nullopt);
  };
  hooks.busy_symbols = [this] { return busy_symbols(); };
  hooks.funding_owner = [this](const std::string& venue, const std::string& symbol) {
    return funding_owner(venue, symbol);
  };
  hooks.on_booked = [this](const ledger::LedgerEntry& entry) { pnl_funding(entry); };
  recon = std::make_unique<ledger::ReconDaemon>(std::move(options), clock, venues, *sinks.execution.journal, cash,
                                                positions->book(), *ledger_entries, std::move(hooks), log);
  recon->start();
}

void Engine::Loop::ledger_fill(const exec::FillEntry& fill,
                               const std::vector<std::pair<std::uint64_t, Decimal>>& realized, bool live) {
  pnl_fill(fill, realized);
  if (fill.simulated) return;
  if (auto applied = cash.on_fill(fill); !applied) {
    log.error("ledger_cash_failed", {{"trade_id", fill.trade_id}, {"error", applied.error().message}});
  }
  if (!live) return;
  check_ledger_invariants(fill.venue, fill.symbol);
  if (recon) recon->on_fill(fill);
}

void Engine::Loop::check_ledger_invariants(std::string_view venue, std::string_view symbol) {
  std::string broken = cash.check_invariants(venue, symbol);
  if (broken.empty() && positions) {
    // position = Σ fills: the positions' net exposure against the cash ledger's own sum.
    const Decimal book_net = positions->book().net_exposure(venue, symbol);
    const Decimal fills_net = cash.journal_position(venue, symbol);
    if (book_net != fills_net) {
      broken = std::string(venue) + " " + std::string(symbol) + ": the positions hold " +
               book_net.normalized().to_string() + " but the fills add up to " + fills_net.normalized().to_string();
    }
  }
  const std::string key = std::string(venue) + "|" + std::string(symbol);
  if (broken.empty()) {
    invariant_breaks.erase(key);
    return;
  }
  if (!invariant_breaks.insert(key).second) return;  // reported already
  exec_desk.safety_action(IncidentCode::ledger_invariant_violated, "ledger", broken);
}

std::set<std::string> Engine::Loop::busy_symbols() const {
  std::set<std::string> busy;
  if (sinks.execution.journal == nullptr) return busy;
  for (const auto& order : sinks.execution.journal->unfinished()) {
    if (order.simulated) continue;
    if (order.time_in_force == venues::TimeInForce::ioc || order.time_in_force == venues::TimeInForce::fok) {
      busy.insert(order.symbol);
    }
  }
  return busy;
}

void Engine::Loop::publish_ledger_views(MonoTime now) {
  if (!recon) return;
  if (invariants_checked_at == MonoTime{} || now - invariants_checked_at >= kInvariantPeriod) {
    invariants_checked_at = now;
    cash.for_each_holding([&](const std::string& venue, const std::string& symbol, const ledger::NetHolding&) {
      check_ledger_invariants(venue, symbol);
    });
  }
  // The views say what the last pass saw: rebuilt once per pass, not per snapshot.
  if (recon_json && recon->stats().passes == recon_views_passes) return;
  recon_views_passes = recon->stats().passes;
  recon_json = std::make_shared<const nlohmann::json>(nlohmann::json{{"status", recon->status_json()},
                                                                     {"diffs", recon->diffs_json()},
                                                                     {"orders", recon->orders_json()},
                                                                     {"positions", recon->positions_json()}});
}

}  // namespace propbot::engine
