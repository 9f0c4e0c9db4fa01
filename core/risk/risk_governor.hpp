// RiskGovernor: the desk's second line after the operators (SPEC S-3, issue 13). It
// refuses an entry that would breach a limit, freezes a strategy that breaks its
// budget, degrades the strategies a circuit breaker names, blocks what drives the
// stress loss, and tells the engine when the desk must HOLD.
//
// What it owns (all on the engine thread):
// - the limits: the config's caps (risk.*) and guards, raised only by a confirmed
//   two-man raise_limit (raise_limit()); scripts never reach them (sizing answers are
//   clamped by core/risk/notional_caps.hpp before they get here);
// - the exposure figures of the last evaluation plus what was admitted since;
// - the desk's realised PnL today and this month (UTC), fed by on_realized();
// - one StrategyBudget per configured strategy, and each strategy's frozen / degraded
//   state — set automatically, cleared only by unfreeze() (a confirmed two-man
//   unfreeze_strategy), never by a timer;
// - the latched circuit-breaker trips and the venue blocks (clock skew, maintenance)
//   the engine reports;
// - skip counters per (reason, strategy).
//
// What it answers:
// - check(): the pre-trade verdict of one entry (pre_trade.hpp), counted when refused;
// - evaluate(): each evaluation period, the caps on open positions with mark prices,
//   the budgets and the stress test; every NEW breach is returned as a RiskEvent (the
//   engine raises it through the one safety-action function): a cap breach → P0
//   risk_cap_breached (daily loss: daily_loss_cap_breached) naming the cap, the value
//   and the limit; a budget breach → P1 strategy_degraded (the strategy is frozen); a
//   stress breach → P1 stress_limit_warning. A breach is reported once per episode:
//   it re-arms when the figure is back within its limit.
// - on_breakers(): latches the trips of the rules that fire (P1
//   circuit_breaker_triggered, the affected strategies degraded; `hold` → P0;
//   `safe_mode` → the engine turns safe mode on).
// - the JSON views the API prints (risk_snapshot, strategy_status, strategy_budget,
//   capital) and the autopilot's blockers.
//
// Bounds: budgets and states per configured strategy (and names seen in intents, at
// most kMaxTrackedStrategies); trips at most kMaxTrips (a new trip past it replaces
// nothing and is still reported); skip counters at most reasons × tracked strategies;
// exposure maps per (symbol, venue) of the universe.
//
// Threads: engine thread only. check() allocates only when it refuses.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/incident_code.hpp"
#include "core/common/result.hpp"
#include "core/common/severity.hpp"
#include "core/common/stable_name.hpp"
#include "core/config/config.hpp"
#include "core/risk/pre_trade.hpp"
#include "core/risk/risk_reason.hpp"
#include "core/risk/strategy_budget.hpp"
#include "core/risk/stress_test.hpp"

namespace propbot::risk {

inline constexpr std::size_t kMaxTrackedStrategies = 64;
inline constexpr std::size_t kMaxTrips = 256;

// One open leg of a real (not simulated) unfinished position.
struct OpenLeg {
  std::uint64_t position_id = 0;
  std::string strategy;
  std::string symbol;
  std::string venue;
  double qty = 0;             // signed base: + long, − short (filled, or planned while nothing filled)
  double mark = 0;            // mark (or entry) price
  double unrealized_usdt = 0;
};

struct PortfolioInput {
  std::vector<OpenLeg> legs;
  std::map<std::string, double, std::less<>> venue_equity;     // wallet per venue, USDT, where known
  std::map<std::string, double, std::less<>> venue_available;  // free margin per venue, USDT, where known
};

// Something the engine must raise through the safety-action function (or act on).
struct RiskEvent {
  IncidentCode code = IncidentCode::risk_cap_breached;
  std::optional<Severity> severity;  // set only to override the code's policy (a breaker rule asking for P0)
  std::string component;             // risk_governor | strategy:<name>
  std::string summary;
  bool safe_mode_on = false;         // a breaker rule's action `safe_mode`
};

// A circuit-breaker rule that fires now, as the engine saw it.
enum class TripAction { degrade, pause_strategy, pause_symbol, safe_mode, hold };
inline constexpr std::array<TripAction, 5> kAllTripActions = {TripAction::degrade, TripAction::pause_strategy,
                                                              TripAction::pause_symbol, TripAction::safe_mode,
                                                              TripAction::hold};
std::string_view to_string(TripAction action);  // the rule actions' own words: "degrade", ...
struct TripInput {
  std::string rule;
  TripAction action = TripAction::degrade;
  Severity severity = Severity::P1;
  std::string reason;
  std::string symbol;  // empty: desk-wide
  std::string venues;  // "A/B" for a route, else empty
  std::vector<std::string> strategies;  // the strategies it affects (the engine decides)
};

enum class StrategyState { running, degraded, frozen, stopped };
std::string_view to_string(StrategyState state);

// What the engine knows of a strategy beyond the governor: loaded, script-frozen.
struct StrategyFacts {
  std::string name;
  bool enabled = true;
  bool script_frozen = false;
  std::string script_freeze_reason;
};

class RiskGovernor {
 public:
  explicit RiskGovernor(UtcTime now);

  // The running configuration (start and every hot reload). Budgets keep their figures.
  void configure(const config::RiskConfig& risk, const std::vector<config::StrategyConfig>& strategies, UtcTime now);

  // ---- inputs
  void on_realized(std::string_view strategy, double pnl_usdt, UtcTime ts);
  void on_trade_result(std::string_view strategy, bool failed);
  // A venue out of routing (clock skew, maintenance) or back (nullopt).
  void set_venue_block(std::string_view venue, std::optional<RiskRefusal> block);
  const RiskRefusal* venue_block(std::string_view venue) const {
    auto found = venue_blocks_.find(venue);
    return found == venue_blocks_.end() ? nullptr : &found->second;
  }
  std::vector<RiskEvent> evaluate(const PortfolioInput& portfolio, UtcTime now);
  std::vector<RiskEvent> on_breakers(const std::vector<TripInput>& firing, UtcTime now);

  // ---- pre-trade
  // The size factor safe mode applies to a strategy's entries (1 outside safe mode):
  // risk.safe_mode_size_factor, the same for every strategy today (a strategy that
  // pauses in safe mode is refused by check() instead).
  double size_factor(std::string_view strategy, bool safe_mode) const;
  std::optional<RiskRefusal> check(const TradeCheck& trade, bool safe_mode);
  // An entry passed and goes to the router: its notional counts until the next evaluation.
  void admitted(const TradeCheck& trade);

  // ---- operator actions (the caller audits them)
  // Daily loss budget reset of one strategy, or every one ("all"). Errors: not_found.
  Result<std::vector<std::string>> reset_budget(std::string_view strategy, UtcTime now);
  // Clears frozen and degraded of one strategy ("all": every one, and every trip).
  // Errors: not_found for an unknown strategy.
  Result<nlohmann::json> unfreeze(std::string_view strategy, UtcTime now);
  // Raises a cap (a confirmed raise_limit). Errors: invalid_argument when `value` is
  // not above the cap in force, or not finite.
  Result<nlohmann::json> raise_limit(Cap cap, double value);

  // ---- durable state (kept across restarts by the caller, signed)
  // What must survive a restart: frozen / degraded strategies (with the waived breach),
  // the latched trips, raised caps, each budget's last manual reset. Canonical JSON (no
  // floats: numbers as decimal text, times as Unix ms).
  nlohmann::json durable_state() const;
  // Restores it over a configured governor (call before the journal's fills are
  // replayed). Unknown or malformed parts are skipped.
  void restore(const nlohmann::json& state);
  // Grows with every change durable_state() would show.
  std::uint64_t durable_version() const { return durable_version_; }

  // ---- views
  nlohmann::json risk_snapshot(const nlohmann::json& clock_skew_ms) const;
  nlohmann::json strategy_status(const std::vector<StrategyFacts>& facts) const;
  nlohmann::json strategy_budget() const;
  nlohmann::json capital() const;
  // "blocked_by_risk: …", "blocked_by_circuit_breaker: …", "blocked_by_stress: …".
  std::vector<std::string> autopilot_blockers() const;

  // For tests and the engine.
  double cap_limit(Cap cap) const { return limits_.cap(cap); }
  double cap_used(Cap cap) const { return used_[static_cast<std::size_t>(cap)]; }
  bool frozen(std::string_view strategy) const;
  bool degraded(std::string_view strategy) const;
  std::uint64_t skips(RiskReason reason, std::string_view strategy) const;
  // Every refusal counted so far (grows with each; the views' change detector).
  std::uint64_t skips_total() const { return skips_total_; }
  const StressReport& stress() const { return stress_; }
  const ExposureFigures& exposure() const { return exposure_; }
  double realized_today_usdt() const { return realized_today_; }
  // Today's (UTC) peak of realised-today + unrealised, minus its value now (>= 0).
  double desk_drawdown_usdt() const { return drawdown_today_; }
  // The longest current run of failed trades among the strategies.
  int consecutive_failures() const;
  double unrealized_usdt() const { return unrealized_; }

 private:
  struct StrategyRisk {
    bool frozen = false;
    std::string freeze_reason;
    UtcTime frozen_since{};
    bool degraded = false;
    std::string degrade_reason;
    UtcTime degraded_since{};
    bool pause_in_safe_mode = false;
    StrategyBudget::Breach waived;  // the breach an unfreeze accepted; only a worse one refreezes
  };
  struct Trip {
    std::string rule;
    TripAction action = TripAction::degrade;
    std::string symbol;
    std::string venues;
    std::string reason;
    UtcTime since{};
    std::set<std::string> strategies;
    bool had_strategies = false;
  };
  StrategyRisk& state_of(std::string_view strategy);
  StrategyBudget* budget_of(std::string_view strategy);
  void roll_desk_day(UtcTime now);
  std::optional<RiskRefusal> strategy_guard(const TradeCheck& trade, bool safe_mode) const;
  void count_skip(RiskReason reason, std::string_view strategy);

  config::RiskConfig config_;
  PreTradeLimits limits_;
  std::array<std::optional<double>, kCapCount> raised_{};
  std::array<double, kCapCount> raised_over_{};  // the configured cap each raise was made over
  bool trips_full_reported_ = false;
  ExposureFigures exposure_;
  std::map<std::string, std::pair<double, int>, std::less<>> strategy_pending_;  // admitted since the last evaluation: notional, positions
  std::array<double, kCapCount> used_{};
  std::array<bool, kCapCount> latched_{};
  double unrealized_ = 0;
  double realized_today_ = 0;
  double realized_month_ = 0;
  double peak_today_ = 0;
  double drawdown_today_ = 0;
  std::int64_t desk_day_ = 0;    // days since epoch (UTC) of realized_today_
  int desk_month_ = 0;           // year * 12 + month of realized_month_
  std::map<std::string, StrategyBudget, std::less<>> budgets_;
  std::map<std::string, StrategyRisk, std::less<>> strategies_;
  StrategyRisk overflow_;
  std::uint64_t durable_version_ = 0;
  std::vector<Trip> trips_;
  std::map<std::string, RiskRefusal, std::less<>> venue_blocks_;
  StressReport stress_;
  bool stress_latched_ = false;
  std::set<std::string, std::less<>> stress_symbols_;
  std::set<std::string, std::less<>> stress_venues_;
  std::map<std::pair<RiskReason, std::string>, std::uint64_t> skips_;
  std::uint64_t skips_total_ = 0;
  std::map<std::string, std::pair<double, int>, std::less<>> strategy_open_;  // notional, positions
};

}  // namespace propbot::risk
