// ReconDaemon: the periodic reconciliation of the desk's records with every venue
// (SPEC S-9.2). Every `interval` it asks each venue — through the venue's rate governor,
// at the query class, one call per kind and venue (positions, open orders, balances,
// funding history; trade history only for symbols with fills whose fee is unconfirmed)
// — and holds the answers against the ledger (recon_compare.hpp): positions, orders,
// balance, fees, funding, and the desk's neutrality across venues.
//
// A difference counts only when it is confirmed: seen again, with the same figures, by
// a second pass `confirm_delay` later (a fill in flight between the venue's answer and
// the desk's stream is not a desync). A confirmed difference makes the state MISMATCH;
// each new one is reported once through `on_mismatch` (the caller raises P0
// recon_mismatch, which HOLDs the desk) with every confirmed difference kept for the API.
// The state returns to OK when a complete pass finds nothing; HOLD stays until the
// operators resume.
//
// It also books what only the venues know: the opening balance of each venue account
// (the first complete balance answer: wallet − what the desk's fills already moved) and
// every funding payment in the venue's history since the opening (key: the venue's id),
// through the LedgerEntries store into the CashLedger, and to `on_funding_booked`.
// Funding settlements are learned from the venues' funding feed (on_funding_info): a
// settlement passed while the desk held a position there must show up as a payment.
//
// A query that fails (or has not answered by `query_timeout`) is named in last_error and
// leaves its part unchecked this pass; the state does not change on errors alone. Open
// orders are listed per configured symbol; the funding history is asked once a minute,
// on every second look and every pass while a settlement waits for its payment. A pass still waiting at the next tick is not
// doubled (skipped, counted); a pass that waits longer than `query_timeout` finishes
// with what arrived.
//
// Bounds: unconfirmed fees ≤ kMaxUnverifiedFills (oldest dropped, counted); funding
// expectations ≤ kMaxExpectations; payments remembered for matching ≤ kMaxRecentPayments
// per venue; diffs kept ≤ kMaxDiffs; the per-day summary ≤ kMaxDays.
//
// Thread: the engine's driving thread — every call and every venue callback.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/exec/journal.hpp"
#include "core/ledger/cash_ledger.hpp"
#include "core/ledger/ledger_entry.hpp"
#include "core/ledger/position_book.hpp"
#include "core/ledger/recon_compare.hpp"
#include "core/venues/venue.hpp"

namespace propbot::ledger {

struct ReconOptions {
  std::chrono::milliseconds interval{10'000};       // recon.interval_s; 0 = off
  std::chrono::milliseconds confirm_delay{1'500};   // a second look before a difference counts
  std::chrono::milliseconds query_timeout{8'000};   // a pass finishes with what arrived by then
  ReconTolerances tolerances;
  // The symbols whose open orders are listed (one cheap call each: Binance weighs an
  // all-symbols listing 40); empty: one account-wide listing.
  std::vector<std::string> symbols;
  // The funding history is asked at most this often per venue (Binance weighs it 30),
  // and on every pass while a settlement there waits for its payment.
  std::chrono::milliseconds funding_poll{60'000};
  // Per symbol: the largest lot among its venues (the neutrality tolerance).
  std::map<std::string, Decimal> lots;
};

struct ReconHooks {
  // A new confirmed difference: `summary` names them all (the caller raises P0).
  std::function<void(const std::string& summary, const std::vector<ReconDiff>& diffs)> on_mismatch;
  // MISMATCH → OK.
  std::function<void()> on_clean;
  // A funding payment or opening balance just booked.
  std::function<void(const LedgerEntry&)> on_booked;
  // The strategy a funding payment on (venue, symbol) is attributed to ("": unattributed).
  std::function<std::string(const std::string& venue, const std::string& symbol)> funding_owner;
  // Symbols with a trade in flight (an IOC leg or hedge not final): no neutrality verdict.
  std::function<std::set<std::string>()> busy_symbols;
};

class ReconDaemon {
 public:
  static constexpr std::size_t kMaxUnverifiedFills = 10'000;
  static constexpr std::size_t kMaxExpectations = 1'000;
  static constexpr std::size_t kMaxRecentPayments = 2'000;
  static constexpr std::size_t kMaxDiffs = 200;
  static constexpr std::size_t kMaxDays = 31;

  // Every reference must outlive the daemon.
  ReconDaemon(ReconOptions options, Clock& clock, std::vector<venues::Venue*> venues, const exec::Journal& journal,
              CashLedger& cash, const PositionBook& positions, LedgerEntries& entries, ReconHooks hooks, Logger log);
  ~ReconDaemon();
  ReconDaemon(const ReconDaemon&) = delete;
  ReconDaemon& operator=(const ReconDaemon&) = delete;

  // Starts the periodic passes (the first after one interval). Idempotent.
  void start();
  void stop();
  // One pass now (tests; the operator's "check now").
  void run_now();

  // A fill the journal recorded (real ones are queued for the fee check).
  void on_fill(const exec::FillEntry& fill);
  // The venue's funding feed: a next_funding_time that moved past a time already
  // reached is a settlement.
  void on_funding_info(const std::string& venue, const venues::FundingInfo& info);

  ReconState state() const { return state_; }
  const std::vector<ReconDiff>& diffs() const { return diffs_; }
  bool unhedged_directional_exposure() const;
  // GET /api/ui/recon/status|diffs|orders|positions, and the day's summary.
  nlohmann::json status_json() const;
  nlohmann::json diffs_json() const;
  nlohmann::json orders_json() const;
  nlohmann::json positions_json() const;
  nlohmann::json day_summary_json(const std::string& day) const;

  struct Stats {
    std::uint64_t passes = 0;
    std::uint64_t confirm_passes = 0;
    std::uint64_t skipped_overlapping = 0;
    std::uint64_t dropped_unverified = 0;
    std::chrono::microseconds last_pass{0};        // first query to verdict (wall)
    std::chrono::microseconds last_engine_cost{0};  // the verdict's own time on this thread
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Pass;
  void begin_pass(bool confirming);
  void query_venue(const std::shared_ptr<Pass>& pass, std::size_t index);
  void answered(const std::shared_ptr<Pass>& pass);
  void finish(const std::shared_ptr<Pass>& pass);
  void book(const std::vector<VenueReport>& reports, std::int64_t now_ms);
  std::vector<ReconDiff> compare(const std::vector<VenueReport>& reports, std::int64_t now_ms);
  void decide(std::vector<ReconDiff> found, bool complete, std::int64_t now_ms);
  void schedule_tick();

  ReconOptions options_;
  Clock& clock_;
  std::vector<venues::Venue*> venues_;
  const exec::Journal& journal_;
  CashLedger& cash_;
  const PositionBook& positions_;
  LedgerEntries& entries_;
  ReconHooks hooks_;
  Logger log_;

  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Clock::TimerId tick_timer_ = 0;
  Clock::TimerId confirm_timer_ = 0;
  std::shared_ptr<Pass> running_;
  std::uint64_t generation_ = 0;

  std::deque<UnverifiedFill> unverified_;
  std::vector<FundingExpectation> expected_;
  std::map<std::string, std::int64_t, std::less<>> next_funding_ms_;  // "venue|symbol" → last seen
  std::map<std::string, std::deque<venues::FundingPayment>, std::less<>> recent_payments_;
  std::map<std::string, std::int64_t, std::less<>> last_payment_ms_;  // per venue: the newest booked
  std::map<std::string, MonoTime, std::less<>> funding_polled_;      // per venue: the last ask

  ReconState state_ = ReconState::pending;
  std::vector<ReconDiff> candidates_;  // the last pass's differences, unconfirmed
  std::vector<ReconDiff> diffs_;       // confirmed
  std::set<std::string> reported_;     // keys already reported through on_mismatch
  int confirm_rounds_ = 0;
  std::string last_error_;
  std::int64_t last_check_ms_ = 0;
  std::vector<VenueReport> last_reports_;
  Stats stats_;
  struct DaySummary {
    std::uint64_t passes = 0;
    std::uint64_t mismatches_raised = 0;
    std::uint64_t diffs_seen = 0;
    std::string worst_state = "OK";
  };
  std::map<std::string, DaySummary> days_;  // "YYYY-MM-DD" → summary
};

}  // namespace propbot::ledger
