#include "core/ledger/recon_daemon.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace propbot::ledger {
namespace {

using nlohmann::json;

std::string text(const Decimal& value) { return value.normalized().to_string(); }

std::string iso_ms(std::int64_t unix_ms) { return format_iso8601_ms(UtcTime{std::chrono::milliseconds(unix_ms)}); }

std::string day_of(std::int64_t unix_ms) { return iso_ms(unix_ms).substr(0, 10); }

std::string venue_symbol(std::string_view venue, std::string_view symbol) {
  return std::string(venue) + "|" + std::string(symbol);
}

json diff_json(const ReconDiff& diff) {
  return json{{"venue", diff.venue},        {"symbol", diff.symbol}, {"kind", to_string(diff.kind)},
              {"ours", diff.ours},          {"venue_value", diff.venue_value}, {"item", diff.item},
              {"detail", diff.detail}};
}

std::string why(const venues::VenueError& error) { return error.describe(); }

}  // namespace

// One pass: what every venue answered, filled in by the callbacks.
struct ReconDaemon::Pass {
  std::uint64_t generation = 0;
  bool confirming = false;
  MonoTime started{};
  int waiting = 0;
  bool finished = false;
  std::vector<VenueReport> reports;
  // Per venue: the open-order listings still out, whether one failed, what came back.
  std::vector<int> orders_waiting;
  std::vector<bool> orders_failed;
  std::vector<std::vector<venues::OrderState>> orders;
  Clock::TimerId timeout = 0;
};

ReconDaemon::ReconDaemon(ReconOptions options, Clock& clock, std::vector<venues::Venue*> venues,
                         const exec::Journal& journal, CashLedger& cash, const PositionBook& positions,
                         LedgerEntries& entries, ReconHooks hooks, Logger log)
    : options_(std::move(options)),
      clock_(clock),
      venues_(std::move(venues)),
      journal_(journal),
      cash_(cash),
      positions_(positions),
      entries_(entries),
      hooks_(std::move(hooks)),
      log_(std::move(log)) {}

ReconDaemon::~ReconDaemon() {
  *alive_ = false;
  stop();
}

void ReconDaemon::start() {
  if (tick_timer_ != 0 || options_.interval.count() <= 0) return;
  schedule_tick();
}

void ReconDaemon::stop() {
  if (tick_timer_ != 0) clock_.cancel(tick_timer_);
  if (confirm_timer_ != 0) clock_.cancel(confirm_timer_);
  if (running_ && running_->timeout != 0) clock_.cancel(running_->timeout);
  tick_timer_ = 0;
  confirm_timer_ = 0;
  running_.reset();
}

void ReconDaemon::schedule_tick() {
  tick_timer_ = clock_.call_after(options_.interval, [this] {
    tick_timer_ = 0;
    begin_pass(false);
    schedule_tick();
  });
}

void ReconDaemon::run_now() { begin_pass(false); }

void ReconDaemon::on_fill(const exec::FillEntry& fill) {
  if (fill.simulated) return;
  if (unverified_.size() >= kMaxUnverifiedFills) {
    unverified_.pop_front();
    ++stats_.dropped_unverified;
  }
  unverified_.push_back(UnverifiedFill{fill.venue, fill.symbol, fill.trade_id, fill.fee, fill.fee_asset, fill.ts_ms});
}

void ReconDaemon::on_funding_info(const std::string& venue, const venues::FundingInfo& info) {
  if (info.next_funding_time == UtcTime{}) return;
  const std::int64_t next_ms = to_unix_ms(info.next_funding_time);
  const std::string key = venue_symbol(venue, info.symbol);
  const auto seen = next_funding_ms_.find(key);
  if (seen == next_funding_ms_.end()) {
    next_funding_ms_.emplace(key, next_ms);
    return;
  }
  const std::int64_t settled_ms = seen->second;
  if (next_ms <= settled_ms) return;
  seen->second = next_ms;
  if (to_unix_ms(clock_.utc()) + 5'000 < settled_ms) return;  // the venue moved its schedule, nothing settled
  const Decimal held = cash_.desk_position(venue, info.symbol);
  if (held.is_zero()) return;
  if (expected_.size() >= kMaxExpectations) expected_.erase(expected_.begin());
  expected_.push_back(FundingExpectation{venue, info.symbol, settled_ms, held});
}

bool ReconDaemon::unhedged_directional_exposure() const {
  return std::any_of(diffs_.begin(), diffs_.end(), [](const ReconDiff& diff) { return diff.venue == kDeskVenue; });
}

void ReconDaemon::begin_pass(bool confirming) {
  if (running_) {
    ++stats_.skipped_overlapping;
    return;
  }
  auto pass = std::make_shared<Pass>();
  pass->generation = ++generation_;
  pass->confirming = confirming;
  pass->started = clock_.now();
  pass->reports.resize(venues_.size());
  pass->orders_waiting.assign(venues_.size(), 0);
  pass->orders_failed.assign(venues_.size(), false);
  pass->orders.resize(venues_.size());
  running_ = pass;
  const std::weak_ptr<bool> alive = alive_;
  pass->timeout = clock_.call_after(options_.query_timeout, [this, alive, pass] {
    if (alive.expired() || !*alive.lock()) return;
    pass->timeout = 0;
    for (std::size_t i = 0; i < pass->reports.size(); ++i) {
      VenueReport& report = pass->reports[i];
      if (!report.positions) report.errors.push_back("positions: no answer in time");
      if (!report.balances) report.errors.push_back("balances: no answer in time");
      if (pass->orders_waiting[i] > 0) report.errors.push_back("open_orders: no answer in time");
    }
    finish(pass);
  });
  // Count every call before making any: a venue may answer synchronously.
  pass->waiting = 1;
  for (std::size_t i = 0; i < venues_.size(); ++i) query_venue(pass, i);
  answered(pass);
}

void ReconDaemon::query_venue(const std::shared_ptr<Pass>& pass, std::size_t index) {
  venues::Venue* venue = venues_[index];
  VenueReport& report = pass->reports[index];
  report.venue = venue->id();
  const std::weak_ptr<bool> alive = alive_;
  // Every callback checks the daemon is alive and the pass still open.
  auto guard = [this, alive, pass](auto&& apply) {
    return [this, alive, pass, apply = std::forward<decltype(apply)>(apply)](auto result) mutable {
      if (alive.expired() || !*alive.lock() || pass->finished) return;
      apply(result);
      answered(pass);
    };
  };
  pass->waiting += 2;
  venue->positions(guard([&report](venues::VenueResult<std::vector<venues::Position>>& result) {
    if (result) {
      report.positions = std::move(result.value());
    } else {
      report.errors.push_back("positions: " + why(result.error()));
    }
  }));
  // Open orders: one listing per configured symbol (or one for the account), gathered.
  std::vector<std::optional<std::string>> listings;
  for (const auto& symbol : options_.symbols) listings.emplace_back(symbol);
  if (listings.empty()) listings.emplace_back(std::nullopt);
  pass->orders_waiting[index] = static_cast<int>(listings.size());
  pass->waiting += static_cast<int>(listings.size());
  for (const auto& symbol : listings) {
    venue->open_orders(symbol, guard([pass, index, &report, symbol](venues::VenueResult<std::vector<venues::OrderState>>& result) {
      if (result) {
        auto& kept = pass->orders[index];
        kept.insert(kept.end(), result.value().begin(), result.value().end());
      } else {
        pass->orders_failed[index] = true;
        report.errors.push_back("open_orders" + (symbol ? " " + *symbol : std::string()) + ": " + why(result.error()));
      }
      if (--pass->orders_waiting[index] == 0 && !pass->orders_failed[index]) report.open_orders = std::move(pass->orders[index]);
    }));
  }
  venue->balances(guard([&report](venues::VenueResult<std::vector<venues::Balance>>& result) {
    if (result) {
      report.balances = std::move(result.value());
    } else {
      report.errors.push_back("balances: " + why(result.error()));
    }
  }));
  // Trade history only where a fee waits for confirmation, from the oldest one.
  std::map<std::string, std::int64_t> oldest;
  for (const auto& fill : unverified_) {
    if (fill.venue != report.venue) continue;
    auto [it, inserted] = oldest.emplace(fill.symbol, fill.ts_ms);
    if (!inserted) it->second = std::min(it->second, fill.ts_ms);
  }
  for (const auto& [symbol, from_ms] : oldest) {
    ++pass->waiting;
    venue->fills_since(symbol, UtcTime{std::chrono::milliseconds(from_ms - 1'000)},
                       guard([&report, symbol](venues::VenueResult<std::vector<venues::Fill>>& result) {
                         if (result) {
                           report.trades[symbol] = std::move(result.value());
                         } else if (result.error().venue_code != "UNSUPPORTED") {
                           report.errors.push_back("trades " + symbol + ": " + why(result.error()));
                         }
                       }));
  }
  // Funding since the newest payment booked (a margin for late records), or since the
  // account's opening; a day back at most on the first pass of a run.
  const VenueCash* cash = cash_.cash(report.venue);
  const std::int64_t now_ms = to_unix_ms(clock_.utc());
  std::int64_t since_ms = now_ms - std::int64_t{24} * 3'600'000;
  if (auto last = last_payment_ms_.find(report.venue); last != last_payment_ms_.end()) {
    since_ms = std::max<std::int64_t>(since_ms, last->second - 3'600'000);
  } else if (cash != nullptr && cash->has_opening) {
    since_ms = std::max<std::int64_t>(since_ms, cash->opening_ts_ms - 60'000);
  }
  // The funding history: once a minute, on every second look (a wallet that moved by a
  // payment not booked yet is booked then, before it could count as a balance diff), and
  // every pass while a payment is due there.
  const bool due = std::any_of(expected_.begin(), expected_.end(),
                               [&](const FundingExpectation& e) { return e.venue == report.venue; });
  const auto polled = funding_polled_.find(report.venue);
  if (!due && !pass->confirming && polled != funding_polled_.end() &&
      clock_.now() - polled->second < options_.funding_poll) {
    return;
  }
  funding_polled_.insert_or_assign(report.venue, clock_.now());
  ++pass->waiting;
  venue->funding_since(UtcTime{std::chrono::milliseconds(since_ms)},
                       guard([&report](venues::VenueResult<std::vector<venues::FundingPayment>>& result) {
                         if (result) {
                           report.funding = std::move(result.value());
                         } else if (result.error().venue_code != "UNSUPPORTED") {
                           report.errors.push_back("funding: " + why(result.error()));
                         }
                       }));
}

void ReconDaemon::answered(const std::shared_ptr<Pass>& pass) {
  if (--pass->waiting == 0 && !pass->finished) finish(pass);
}

void ReconDaemon::finish(const std::shared_ptr<Pass>& pass) {
  if (pass->finished) return;
  pass->finished = true;
  if (pass->timeout != 0) clock_.cancel(pass->timeout);
  if (running_ == pass) running_.reset();
  const auto began = std::chrono::steady_clock::now();
  const std::int64_t now_ms = to_unix_ms(clock_.utc());
  ++stats_.passes;
  if (pass->confirming) ++stats_.confirm_passes;

  std::string errors;
  bool complete = true;
  for (const auto& report : pass->reports) {
    for (const auto& error : report.errors) errors += (errors.empty() ? "" : "; ") + report.venue + " " + error;
    complete = complete && report.positions && report.open_orders && report.balances;
  }
  last_error_ = errors;
  if (!errors.empty()) log_.warn("recon_query_failed", {{"errors", errors}});

  book(pass->reports, now_ms);
  std::vector<ReconDiff> found = compare(pass->reports, now_ms);
  last_reports_ = std::move(pass->reports);
  last_check_ms_ = now_ms;
  decide(std::move(found), complete, now_ms);

  stats_.last_engine_cost = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - began);
  stats_.last_pass = std::chrono::duration_cast<std::chrono::microseconds>(clock_.now() - pass->started);
  DaySummary& day = days_[day_of(now_ms)];
  ++day.passes;
  while (days_.size() > kMaxDays) days_.erase(days_.begin());
}

void ReconDaemon::book(const std::vector<VenueReport>& reports, std::int64_t now_ms) {
  const auto append = [&](LedgerEntry entry) {
    auto kept = entries_.append(entry);
    if (!kept) {
      log_.error("ledger_entry_failed", {{"venue", entry.venue}, {"ref", entry.ref}, {"error", kept.error().message}});
      return;
    }
    if (!*kept) return;  // booked before (a restart re-reads the history)
    if (auto applied = cash_.on_entry(entry); !applied) {
      log_.error("ledger_entry_failed", {{"venue", entry.venue}, {"ref", entry.ref}, {"error", applied.error().message}});
      return;
    }
    log_.info("ledger_entry_booked", {{"venue", entry.venue},
                                      {"kind", to_string(entry.kind)},
                                      {"symbol", entry.symbol},
                                      {"amount", text(entry.amount)},
                                      {"ref", entry.ref}});
    if (hooks_.on_booked) hooks_.on_booked(entry);
  };
  for (const auto& report : reports) {
    const VenueCash* cash = cash_.cash(report.venue);
    // The opening balance: the first wallet the venue reports, less what the desk's fills
    // already moved, taken when no fee is unconfirmed there (no fill in flight).
    if ((cash == nullptr || !cash->has_opening) && report.balances) {
      const bool settled = std::none_of(unverified_.begin(), unverified_.end(), [&](const UnverifiedFill& fill) {
        return fill.venue == report.venue && now_ms - fill.ts_ms < options_.tolerances.fee_grace_ms;
      });
      for (const auto& balance : *report.balances) {
        if (balance.asset != kCashAsset || !settled) continue;
        Decimal moved;
        if (cash != nullptr) {
          if (auto flows = cash->flows()) moved = *flows;
        }
        auto opening = balance.wallet.sub(moved);
        if (!opening) continue;
        append(LedgerEntry{0, now_ms, report.venue, LedgerEntryKind::opening_balance, std::string(kCashAsset), {},
                           "opening", *opening, {}, "wallet " + text(balance.wallet) + " less the desk's flows " + text(moved)});
      }
      cash = cash_.cash(report.venue);
    }
    if (!report.funding) continue;
    auto& recent = recent_payments_[report.venue];
    for (const auto& payment : *report.funding) {
      const std::int64_t at = to_unix_ms(payment.ts);
      const bool known = std::any_of(recent.begin(), recent.end(), [&](const venues::FundingPayment& seen) {
        return seen.payment_id == payment.payment_id;
      });
      if (known) continue;  // booked (or before the opening) on an earlier pass
      recent.push_back(payment);
      if (recent.size() > kMaxRecentPayments) recent.pop_front();
      // Only what the account paid or earned since the ledger opened it.
      if (cash == nullptr || !cash->has_opening || at < cash->opening_ts_ms) continue;
      const std::string owner = hooks_.funding_owner ? hooks_.funding_owner(report.venue, payment.symbol) : std::string();
      append(LedgerEntry{0, at, report.venue, LedgerEntryKind::funding, payment.asset, payment.symbol,
                         payment.payment_id, payment.amount, owner, "venue funding payment"});
      auto& newest = last_payment_ms_[report.venue];
      newest = std::max(newest, at);
    }
  }
}

std::vector<ReconDiff> ReconDaemon::compare(const std::vector<VenueReport>& reports, std::int64_t now_ms) {
  std::vector<ReconDiff> found;
  const std::vector<exec::OrderEntry> unfinished = journal_.unfinished();
  std::map<std::string, Decimal> venue_net;
  bool every_position = true;
  for (const auto& report : reports) {
    compare_positions(cash_, report, found);
    std::vector<exec::OrderEntry> open_here;
    for (const auto& order : unfinished) {
      if (order.venue == report.venue && !order.simulated) open_here.push_back(order);
    }
    const std::string venue = report.venue;
    compare_orders(open_here,
                   [this, &venue](const std::string& client_order_id) {
                     auto last = journal_.last(venue, client_order_id);
                     return last && !exec::is_terminal(last->event);
                   },
                   report, now_ms, options_.tolerances, found);
    compare_balance(cash_, report, options_.tolerances, found);
    std::vector<UnverifiedFill> mine;
    for (const auto& fill : unverified_) {
      if (fill.venue == report.venue) mine.push_back(fill);
    }
    const std::vector<std::string> confirmed = compare_fees(mine, report, now_ms, options_.tolerances, found);
    std::erase_if(unverified_, [&](const UnverifiedFill& fill) {
      return fill.venue == report.venue &&
             std::find(confirmed.begin(), confirmed.end(), fill.trade_id) != confirmed.end();
    });
    if (report.funding) {
      std::vector<FundingExpectation> due;
      std::vector<std::size_t> index;
      for (std::size_t i = 0; i < expected_.size(); ++i) {
        if (expected_[i].venue == report.venue) {
          due.push_back(expected_[i]);
          index.push_back(i);
        }
      }
      const auto& recent = recent_payments_[report.venue];
      const std::vector<venues::FundingPayment> paid(recent.begin(), recent.end());
      const std::vector<std::size_t> met = compare_funding(due, paid, now_ms, options_.tolerances, found);
      std::vector<bool> drop(expected_.size(), false);
      for (std::size_t m : met) drop[index[m]] = true;
      std::size_t at = 0;
      std::erase_if(expected_, [&](const FundingExpectation&) { return drop[at++]; });
    }
    if (report.positions) {
      for (const auto& [symbol, net] : net_by_symbol(*report.positions)) {
        auto sum = venue_net[symbol].add(net);
        if (sum) venue_net[symbol] = *sum;
      }
    } else {
      every_position = false;
    }
  }
  if (every_position) {
    // What the desk means to hold directionally: its single-leg positions.
    std::map<std::string, Decimal> intended;
    for (const std::uint64_t id : positions_.unfinished()) {
      const Position& position = positions_.at(id);
      if (position.simulated() || position.hedged_pair()) continue;
      auto net = position.net_quantity();
      if (!net) continue;
      auto sum = intended[position.symbol()].add(*net);
      if (sum) intended[position.symbol()] = *sum;
    }
    for (const auto& [symbol, net] : intended) venue_net.try_emplace(symbol);
    std::set<std::string> busy = hooks_.busy_symbols ? hooks_.busy_symbols() : std::set<std::string>{};
    check_neutrality(venue_net, intended, options_.lots, busy, found);
  }
  return found;
}

void ReconDaemon::decide(std::vector<ReconDiff> found, bool complete, std::int64_t now_ms) {
  // Confirmed: the previous pass saw the same difference with the same figures.
  std::vector<ReconDiff> confirmed;
  bool unconfirmed = false;
  for (const auto& diff : found) {
    const auto before = std::find_if(candidates_.begin(), candidates_.end(),
                                     [&](const ReconDiff& old) { return old.key() == diff.key(); });
    if (before != candidates_.end() && before->same_values(diff)) {
      confirmed.push_back(diff);
    } else {
      unconfirmed = true;
    }
  }
  candidates_ = std::move(found);
  if (candidates_.size() > kMaxDiffs) candidates_.resize(kMaxDiffs);
  if (confirmed.size() > kMaxDiffs) confirmed.resize(kMaxDiffs);

  DaySummary& day = days_[day_of(now_ms)];
  day.diffs_seen += confirmed.size();
  std::vector<ReconDiff> fresh;
  for (const auto& diff : confirmed) {
    if (!reported_.contains(diff.key())) fresh.push_back(diff);
  }
  if (!confirmed.empty()) {
    state_ = ReconState::mismatch;
    day.worst_state = std::string(to_string(ReconState::mismatch));
    diffs_ = confirmed;
  } else if (!unconfirmed && complete) {
    if (state_ == ReconState::mismatch) {
      log_.info("recon_clean", {{"after_diffs", static_cast<std::uint64_t>(diffs_.size())}});
      if (hooks_.on_clean) hooks_.on_clean();
    }
    state_ = ReconState::ok;
    diffs_.clear();
    reported_.clear();
  }
  if (!fresh.empty()) {
    std::string summary = "recon found " + std::to_string(confirmed.size()) + " difference(s) with the venues: ";
    for (std::size_t i = 0; i < confirmed.size() && i < 5; ++i) {
      const ReconDiff& diff = confirmed[i];
      summary += (i == 0 ? "" : "; ") + diff.venue + (diff.symbol.empty() ? "" : " " + diff.symbol) + " " +
                 std::string(to_string(diff.kind)) + ": ours " + diff.ours + ", venue " + diff.venue_value;
    }
    if (confirmed.size() > 5) summary += "; …";
    for (const auto& diff : fresh) reported_.insert(diff.key());
    ++day.mismatches_raised;
    log_.error("recon_mismatch", {{"summary", summary}});
    if (hooks_.on_mismatch) hooks_.on_mismatch(summary, confirmed);
  }
  // A difference not confirmed yet gets its second look soon, not a full interval later
  // (a few rounds at most: figures still moving wait for the regular passes).
  if (unconfirmed && confirm_rounds_ < 3 && confirm_timer_ == 0 && options_.interval.count() > 0) {
    ++confirm_rounds_;
    const std::weak_ptr<bool> alive = alive_;
    confirm_timer_ = clock_.call_after(options_.confirm_delay, [this, alive] {
      if (alive.expired() || !*alive.lock()) return;
      confirm_timer_ = 0;
      begin_pass(true);
    });
  } else if (!unconfirmed) {
    confirm_rounds_ = 0;
  }
}

json ReconDaemon::status_json() const {
  json diffs = json::array();
  for (const auto& diff : diffs_) diffs.push_back(diff_json(diff));
  json venues = json::object();
  for (const auto& report : last_reports_) {
    json errors = json::array();
    for (const auto& error : report.errors) errors.push_back(error);
    venues[report.venue] = json{{"errors", std::move(errors)}};
  }
  return json{{"status", to_string(state_)},
              {"last_check_ts", last_check_ms_ == 0 ? json(nullptr) : json(iso_ms(last_check_ms_))},
              {"last_error", last_error_},
              {"diffs", std::move(diffs)},
              {"has_unhedged_directional_exposure", unhedged_directional_exposure()},
              {"banner", state_ == ReconState::mismatch ? json("STATE DESYNC — manual intervention required") : json(nullptr)},
              {"interval_s", options_.interval.count() / 1000.0},
              {"pending_confirmation", static_cast<std::uint64_t>(candidates_.size())},
              {"passes", stats_.passes},
              {"confirm_passes", stats_.confirm_passes},
              {"skipped_overlapping", stats_.skipped_overlapping},
              {"unverified_fees", static_cast<std::uint64_t>(unverified_.size())},
              {"funding_expected", static_cast<std::uint64_t>(expected_.size())},
              {"last_pass_ms", static_cast<double>(stats_.last_pass.count()) / 1000.0},
              {"last_engine_cost_us", stats_.last_engine_cost.count()},
              {"venues", std::move(venues)}};
}

json ReconDaemon::diffs_json() const {
  json confirmed = json::array();
  for (const auto& diff : diffs_) confirmed.push_back(diff_json(diff));
  json pending = json::array();
  for (const auto& diff : candidates_) pending.push_back(diff_json(diff));
  return json{{"status", to_string(state_)}, {"diffs", std::move(confirmed)}, {"unconfirmed", std::move(pending)}};
}

json ReconDaemon::orders_json() const {
  json out = json::object();
  const std::vector<exec::OrderEntry> unfinished = journal_.unfinished();
  for (const auto& report : last_reports_) {
    json venue_open = json::array();
    if (report.open_orders) {
      for (const auto& order : *report.open_orders) {
        venue_open.push_back(json{{"symbol", order.symbol},
                                  {"client_order_id", order.client_order_id},
                                  {"venue_order_id", order.venue_order_id},
                                  {"side", to_string(order.side)},
                                  {"quantity", text(order.quantity)},
                                  {"filled_quantity", text(order.filled_quantity)},
                                  {"price", order.price ? json(text(*order.price)) : json(nullptr)},
                                  {"status", to_string(order.status)}});
      }
    }
    json journal_open = json::array();
    for (const auto& order : unfinished) {
      if (order.venue != report.venue || order.simulated) continue;
      journal_open.push_back(json{{"symbol", order.symbol},
                                  {"client_order_id", order.client_order_id},
                                  {"venue_order_id", order.venue_order_id},
                                  {"side", to_string(order.side)},
                                  {"quantity", text(order.quantity)},
                                  {"filled_quantity", text(order.filled_quantity)},
                                  {"event", to_string(order.event)},
                                  {"strategy", order.strategy}});
    }
    out[report.venue] = json{{"venue_open", report.open_orders ? std::move(venue_open) : json(nullptr)},
                             {"journal_open", std::move(journal_open)}};
  }
  return json{{"last_check_ts", last_check_ms_ == 0 ? json(nullptr) : json(iso_ms(last_check_ms_))}, {"venues", out}};
}

json ReconDaemon::positions_json() const {
  json rows = json::array();
  for (const auto& report : last_reports_) {
    const std::map<std::string, Decimal> theirs =
        report.positions ? net_by_symbol(*report.positions) : std::map<std::string, Decimal>{};
    std::set<std::string> symbols;
    for (const auto& [symbol, qty] : theirs) symbols.insert(symbol);
    cash_.for_each_holding([&](const std::string& venue, const std::string& symbol, const NetHolding&) {
      if (venue == report.venue) symbols.insert(symbol);
    });
    for (const auto& symbol : symbols) {
      const NetHolding* held = cash_.holding(report.venue, symbol);
      const auto venue_qty = theirs.find(symbol);
      rows.push_back(json{{"venue", report.venue},
                          {"symbol", symbol},
                          {"ours", text(cash_.desk_position(report.venue, symbol))},
                          {"journal", text(cash_.journal_position(report.venue, symbol))},
                          {"venue_value", !report.positions ? json(nullptr)
                                          : venue_qty == theirs.end() ? json("0")
                                                                      : json(text(venue_qty->second))},
                          {"foreign_fills", held == nullptr ? 0 : held->foreign_fills}});
    }
  }
  json balances = json::array();
  for (const auto& report : last_reports_) {
    const VenueCash* cash = cash_.cash(report.venue);
    json venue_wallet = nullptr;
    if (report.balances) {
      for (const auto& balance : *report.balances) {
        if (balance.asset == kCashAsset) venue_wallet = text(balance.wallet);
      }
    }
    json ours = nullptr;
    if (cash != nullptr && cash->has_opening) {
      if (auto wallet = cash->wallet()) ours = text(*wallet);
    }
    balances.push_back(json{{"venue", report.venue},
                            {"asset", kCashAsset},
                            {"ours", ours},
                            {"venue_value", venue_wallet},
                            {"opening", cash != nullptr && cash->has_opening ? json(text(cash->opening)) : json(nullptr)},
                            {"realized", cash != nullptr ? json(text(cash->realized)) : json("0")},
                            {"fees", cash != nullptr ? json(text(cash->fees)) : json("0")},
                            {"funding", cash != nullptr ? json(text(cash->funding)) : json("0")},
                            {"adjustments", cash != nullptr ? json(text(cash->adjustments)) : json("0")}});
  }
  return json{{"last_check_ts", last_check_ms_ == 0 ? json(nullptr) : json(iso_ms(last_check_ms_))},
              {"positions", std::move(rows)},
              {"balances", std::move(balances)}};
}

json ReconDaemon::day_summary_json(const std::string& day) const {
  const auto found = days_.find(day);
  if (found == days_.end()) return json{{"passes", 0}, {"mismatches_raised", 0}, {"diffs_seen", 0}, {"worst_state", nullptr}};
  return json{{"passes", found->second.passes},
              {"mismatches_raised", found->second.mismatches_raised},
              {"diffs_seen", found->second.diffs_seen},
              {"worst_state", found->second.worst_state}};
}

}  // namespace propbot::ledger
