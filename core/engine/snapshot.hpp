// EngineSnapshot: the immutable picture of engine state that the API thread reads.
// The engine builds a fresh snapshot on its own thread and publishes it through a
// SnapshotSlot (an atomically swapped shared_ptr); readers never see engine internals
// and never block the engine for longer than a pointer swap.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/mode.hpp"
#include "core/engine/market_tape.hpp"
#include "core/exec/executor.hpp"
#include "scripting/recorded_market.hpp"

namespace propbot::engine {

struct OpportunityView {
  std::string strategy;
  std::string kind;  // hedged_pair | single
  std::string symbol;
  std::string long_venue;
  std::string short_venue;
  std::string venue;  // single
  std::string side;   // single: buy | sell
  double price = 0;   // single: the limit
  bool post_only = false;
  bool reduce_only = false;  // a close (core/common/intent.hpp), either kind
  double spread_bps = 0;
  double net_spread_bps = 0;
  double notional_suggestion = 0;  // the policy-sized notional (clamped to the caps)
  double intent_notional_usdt = 0; // what the strategy proposed
  double long_price = 0;
  double short_price = 0;
  std::string reason;        // the strategy's own words
  std::string regime;        // the regime the sizing saw (empty without policies)
  double regime_confidence = 0;
  double policy_min_edge_bps = 0;
  std::string policy;        // ok | below_min_edge | size_zero | warming_up | no_policies
  // blocked_by_kill | blocked_by_hold | blocked_by_policy | blocked_by_risk | blocked_by_safe_mode | ready
  std::string status;
  std::string risk_reason;   // the risk governor's refusal code (core/risk/risk_reason.hpp); empty when admitted
  UtcTime first_seen{};
  UtcTime last_seen{};
};

struct BookView {
  std::string venue;
  std::string symbol;
  std::string instrument_id;
  bool valid = false;
  double bid = 0;
  double ask = 0;
  double bid_qty = 0;
  double ask_qty = 0;
  double mid = 0;
  double spread_bps = 0;
  std::int64_t age_ms = 0;
  std::uint64_t sequence = 0;
  std::uint64_t updates = 0;
  // What the feed said: why the book is invalid (empty while valid), since when, and
  // how many times it was invalidated (each one a resync).
  std::string invalid_reason;
  UtcTime invalid_since{};
  std::uint64_t invalidations = 0;
  // Latest mark price / funding from the venue (0 until known).
  double mark_price = 0;
  double funding_rate = 0;
  UtcTime next_funding_time{};
};

struct StrategyView {
  std::string name;
  std::string file;            // bundle path
  std::int64_t version = 0;    // the config bundle version it was loaded from
  std::string state;  // active | frozen
  std::uint64_t calls = 0;
  std::uint64_t faults = 0;
  std::uint64_t intents = 0;
  std::string freeze_reason;
  std::string last_fault;        // message
  std::string last_fault_where;  // file:line
  std::string first_fault;       // the version's first fault: message
  std::string first_fault_where; // file:line
  std::string first_fault_callback;  // on_book | on_timer | on_fill | on_stop
  nlohmann::json params;         // {name: {type, default, min, max, doc, value}}
  // Wall time of the on_book calls of this version (microseconds) and how many were timed.
  double on_book_p50_us = 0;
  double on_book_p99_us = 0;
  std::uint64_t on_book_calls = 0;
};

struct BreakerView {
  std::string rule;
  std::string action;
  std::string severity;
  std::string reason;
};

struct RegimeView {
  std::string symbol;
  std::string regime;
  double confidence = 0;
  bool fallback = false;
};

// The policy pipeline as the engine runs it.
struct PolicyView {
  bool loaded = false;
  bool degraded = false;
  std::uint64_t calls = 0;
  std::uint64_t faults = 0;
  std::uint64_t fallbacks = 0;
  std::uint64_t clamped_sizes = 0;
  std::string last_fault;
  std::string last_fault_where;
  std::vector<RegimeView> regimes;
  std::vector<BreakerView> breakers;  // the rules firing at the last evaluation
};

struct EngineSnapshot {
  UtcTime ts{};
  MonoTime built_at{};  // the engine loop's heartbeat
  Mode mode = Mode::hold;
  std::string hold_reason;  // the control plane's reason for the current mode
  UtcTime hold_since{};
  std::string hold_since_text;  // the control plane's `since` (set when it is the mode source)
  bool safe_mode = true;
  bool dry_run_mode = false;
  std::uint64_t book_events = 0;
  std::int64_t bundle_version = 0;  // the config bundle version running
  std::uint64_t reloads = 0;        // hot reloads applied since start
  std::vector<OpportunityView> opportunities;
  std::vector<BookView> books;
  std::vector<StrategyView> strategies;
  PolicyView policy;
  // Copies of the valid books (and funding), refreshed at most once a second (its
  // recorded_at() says when): what a config validation dry-runs new strategies on.
  std::shared_ptr<const scripting::RecordedMarket> market;
  // The last minutes of book and funding events (market_tape.hpp), for shadow
  // validation; null when validation.shadow_window_s is 0.
  std::shared_ptr<const MarketTapeView> tape;
  // The executor's view (null without one), rebuilt only when something in it changed.
  std::shared_ptr<const exec::ExecutionView> execution;
  // GET /api/ui/positions as the ledger prints it (null without an executor); rebuilt
  // at most once a second, or when the executor changed something.
  std::shared_ptr<const nlohmann::json> positions;
  // The risk governor's views, rebuilt every evaluation (each snapshot tick):
  // {"risk_snapshot", "strategy_status", "strategy_budget", "capital", "autopilot_blockers"}.
  std::shared_ptr<const nlohmann::json> risk;
  // The ledger's reconciliation views, rebuilt after each recon pass:
  // {"status", "diffs", "orders", "positions"} (core/ledger/recon_daemon.hpp); null
  // without an executor.
  std::shared_ptr<const nlohmann::json> recon;
  // PnL attribution and TCA, at most once a second: {"pnl" (GET /api/ui/pnl),
  // "report_today"} (core/ledger/pnl_attribution.hpp); pnl_history: GET
  // /api/ui/pnl_history's points (rebuilt when one is added); pnl_reports: {date: report}
  // of the closed days (rebuilt when a day closes).
  std::shared_ptr<const nlohmann::json> pnl;
  std::shared_ptr<const nlohmann::json> pnl_history;
  std::shared_ptr<const nlohmann::json> pnl_reports;
};

class SnapshotSlot {
 public:
  void publish(std::shared_ptr<const EngineSnapshot> snapshot) {
    std::lock_guard lock(mutex_);
    current_ = std::move(snapshot);
  }
  std::shared_ptr<const EngineSnapshot> load() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const EngineSnapshot> current_;
};

}  // namespace propbot::engine
