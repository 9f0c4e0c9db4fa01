// PnL attribution and TCA on the engine loop (SPEC S-9.3): the ledger::PnlAttribution
// fed with every journaled fill (replayed at start, then live), the funding payments the
// recon daemon books, each finished order and the open legs' marks; its views published
// with the snapshot at most once a second. A part of Engine::Loop (engine_loop.hpp), on
// the driving thread.
#include <nlohmann/json.hpp>

#include "core/engine/engine_loop.hpp"

namespace propbot::engine {
namespace {

constexpr std::chrono::seconds kPnlPeriod{1};

std::optional<Decimal> touch(const md::OrderBook& book, bool ask) {
  const auto level = ask ? book.best_ask() : book.best_bid();
  if (!level) return std::nullopt;
  auto price = Decimal::from_double(book.spec().price_of(level->price_ticks), 8);
  if (!price || price->sign() <= 0) return std::nullopt;
  return price->normalized();
}

}  // namespace

ledger::PnlAttribution& Engine::Loop::pnl_ledger() {
  if (!pnl) {
    ledger::PnlAttributionOptions options;
    // Drawdown bps are of the desk's capital at work: its total notional cap.
    if (auto capital = Decimal::from_double(config.risk.max_total_notional_usdt, 2)) options.risk_capital_usdt = *capital;
    pnl = std::make_unique<ledger::PnlAttribution>(options, to_unix_ms(clock.utc()));
  }
  return *pnl;
}

void Engine::Loop::note_references(std::uint64_t trade_id, const Intent& intent) {
  // Every venue's touch on the symbol: the router may send a leg to another venue.
  std::vector<std::pair<std::string, Decimal>> touches;
  for (const auto& venue_id : venue_ids_) {
    const md::OrderBook* found = books.find(venue_id, intent.symbol);
    if (found == nullptr || !found->valid()) continue;
    if (auto ask = touch(*found, true)) touches.emplace_back(venue_id + "|buy", *ask);
    if (auto bid = touch(*found, false)) touches.emplace_back(venue_id + "|sell", *bid);
  }
  if (touches.empty()) return;
  if (reference_prices.insert_or_assign(trade_id, std::move(touches)).second) reference_order.push_back(trade_id);
  while (reference_order.size() > kMaxReferenceTrades) {
    reference_prices.erase(reference_order.front());
    reference_order.pop_front();
  }
}

void Engine::Loop::pnl_fill(const exec::FillEntry& fill, const std::vector<std::pair<std::uint64_t, Decimal>>& realized) {
  ledger::AttributedFill attributed;
  attributed.strategy = fill.strategy;
  attributed.position_id = fill.position_id;
  attributed.venue = fill.venue;
  attributed.symbol = fill.symbol;
  attributed.side = fill.side;
  attributed.quantity = fill.quantity;
  attributed.price = fill.price;
  attributed.fee = fill.fee;
  attributed.fee_asset = fill.fee_asset;
  attributed.maker = fill.maker;
  attributed.ts_ms = fill.ts_ms;
  attributed.simulated = fill.simulated;
  const std::string key = fill.venue + (fill.side == Side::buy ? "|buy" : "|sell");
  for (const std::uint64_t id : {fill.intent_id, fill.position_id}) {
    const auto found = reference_prices.find(id);
    if (id == 0 || found == reference_prices.end()) continue;
    for (const auto& [where, price] : found->second) {
      if (where == key) attributed.reference_price = price;
    }
    if (attributed.reference_price) break;
  }
  // The realised price PnL goes to the strategies whose positions it closed (a
  // flatten's fill is shared among several); the fill itself carries its fee and slippage.
  ledger::PnlAttribution& attribution = pnl_ledger();
  if (auto booked = attribution.on_fill(attributed); !booked) {
    log.error("pnl_fill_failed", {{"trade_id", fill.trade_id}, {"error", booked.error().message}});
    if (booked.error().code == Errc::overflow) {
      exec_desk.safety_action(IncidentCode::ledger_invariant_violated, "ledger",
                              "PnL attribution cannot book fill " + fill.trade_id + ": " + booked.error().message);
    }
    return;
  }
  if (fill.simulated || !positions) return;
  for (const auto& [id, delta] : realized) {
    const ledger::Position* position = positions->book().find(id);
    if (position == nullptr || position->simulated()) continue;
    if (auto booked = attribution.on_realized(position->strategy(), delta, fill.ts_ms); !booked) {
      log.error("pnl_fill_failed", {{"trade_id", fill.trade_id}, {"error", booked.error().message}});
    }
  }
}

void Engine::Loop::pnl_funding(const ledger::LedgerEntry& entry) {
  if (entry.kind != ledger::LedgerEntryKind::funding) return;
  ledger::FundingPayment payment{entry.strategy, entry.venue, entry.symbol, entry.asset, entry.amount, entry.ts_ms};
  if (auto booked = pnl_ledger().on_funding(payment); !booked) {
    log.error("pnl_funding_failed", {{"ref", entry.ref}, {"error", booked.error().message}});
  }
}

std::string Engine::Loop::funding_owner(const std::string& venue, const std::string& symbol) const {
  // The strategy holding the most there (ties: the first by name); none: unattributed.
  if (!positions) return {};
  std::string owner;
  Decimal largest;
  for (const std::uint64_t id : positions->book().unfinished()) {
    const ledger::Position& position = positions->book().at(id);
    if (position.simulated() || position.symbol() != symbol || position.strategy().empty()) continue;
    auto held = positions->book().strategy_position(position.strategy(), venue, symbol);
    if (!held) continue;
    auto size = held->abs();
    if (size && *size > largest) {
      largest = *size;
      owner = position.strategy();
    }
  }
  return owner;
}

void Engine::Loop::publish_pnl(MonoTime now) {
  if (!pnl && !positions) return;
  if (pnl_json && now - pnl_published_at < kPnlPeriod) return;
  pnl_published_at = now;
  ledger::PnlAttribution& attribution = pnl_ledger();
  const std::int64_t now_ms = to_unix_ms(clock.utc());
  if (positions) {
    // Each strategy's open legs at the marks evaluate_risk() refreshed.
    std::map<std::string, Decimal> unrealized;
    for (const auto& [name, row] : attribution.strategies()) unrealized[name];  // a closed book shows 0
    for (const std::uint64_t id : positions->book().unfinished()) {
      const ledger::Position& position = positions->book().at(id);
      if (position.simulated()) continue;
      Decimal& sum = unrealized[position.strategy().empty() ? std::string(ledger::kUnattributed) : position.strategy()];
      for (const auto& leg : position.legs()) {
        const auto mark = positions->book().mark(leg.plan.venue, position.symbol());
        if (!mark || leg.holding.flat()) continue;
        auto pnl_now = leg.holding.unrealized_pnl(*mark);
        if (!pnl_now) continue;
        if (auto next = sum.add(*pnl_now)) sum = *next;
      }
    }
    for (const auto& [name, amount] : unrealized) {
      if (auto set = attribution.set_unrealized(name, amount); !set && set.error().code != Errc::out_of_range) {
        log.warn("pnl_unrealized_failed", {{"strategy", name}, {"error", set.error().message}});
      }
    }
  }
  if (executor) {
    const auto& counters = execution_view ? execution_view->counters : executor->view().counters;
    attribution.set_cancel_counts(static_cast<std::int64_t>(counters.cancels_sent),
                                  static_cast<std::int64_t>(counters.cancels_failed));
  }
  if (auto sampled = attribution.sample(now_ms); !sampled) {
    log.warn("pnl_sample_failed", {{"error", sampled.error().message}});
  }
  if (auto gap = attribution.check_identity(); !gap || !gap->is_zero()) {
    const std::string broken = !gap ? gap.error().message : "total − Σ buckets = " + gap->normalized().to_string();
    if (invariant_breaks.insert("pnl").second) {
      exec_desk.safety_action(IncidentCode::ledger_invariant_violated, "ledger",
                              "PnL = realised + unrealised does not hold: " + broken);
    }
  }
  // The closed days' reports change only when a day closes.
  if (!pnl_reports_json || attribution.today() != pnl_reports_day) {
    pnl_reports_day = attribution.today();
    nlohmann::json reports = nlohmann::json::object();
    const ledger::DailyReports& kept = attribution.daily_reports();
    if (auto oldest = kept.oldest()) {
      for (ledger::UtcDay day = *oldest; day < attribution.today(); day = ledger::UtcDay{day.days_since_epoch + 1}) {
        if (const nlohmann::json* report = kept.find(day)) reports[ledger::to_string(day)] = *report;
      }
    }
    pnl_reports_json = std::make_shared<const nlohmann::json>(std::move(reports));
  }
  auto today = attribution.daily_report_json("");
  nlohmann::json report_today = today ? *today : nlohmann::json(nullptr);
  if (recon && report_today.is_object()) report_today["recon"] = recon->day_summary_json(ledger::to_string(attribution.today()));
  pnl_json = std::make_shared<const nlohmann::json>(
      nlohmann::json{{"pnl", attribution.to_json()}, {"report_today", std::move(report_today)}});
  // Keyed by the newest point: the ring's size stops changing once it is full.
  const auto& points = attribution.history().points();
  const std::int64_t newest = points.empty() ? 0 : points.back().ts_ms;
  if (!pnl_history_json || newest != pnl_history_newest_ms) {
    pnl_history_newest_ms = newest;
    pnl_history_json = std::make_shared<const nlohmann::json>(attribution.history_json(ledger::kDefaultHistoryCapacity));
  }
}

}  // namespace propbot::engine
