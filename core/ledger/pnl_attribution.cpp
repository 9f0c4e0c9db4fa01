#include "core/ledger/pnl_attribution.hpp"

#include <utility>

#include "core/ledger/decimal_chain.hpp"
#include "core/ledger/leg_position.hpp"

namespace propbot::ledger {
namespace {

Status add_asset_amount(AssetAmounts& amounts, std::string_view asset, Decimal amount) {
  auto at = amounts.find(asset);
  if (at == amounts.end()) {
    // Past the bound, a new asset is summed under kOtherAssetsKey (the key itself is
    // kept out of the count, so the map holds at most kMaxOtherAssets + 1 entries).
    const std::size_t named = amounts.size() - amounts.count(kOtherAssetsKey);
    const std::string key(named < kMaxOtherAssets ? asset : kOtherAssetsKey);
    at = amounts.try_emplace(key).first;
  }
  const auto sum = at->second.add(amount);
  if (!sum) return sum.error();
  at->second = *sum;
  return {};
}

Status add_asset_amounts(AssetAmounts& into, const AssetAmounts& other) {
  for (const auto& [asset, amount] : other) {
    if (auto added = add_asset_amount(into, asset, amount); !added) return added;
  }
  return {};
}

Status validate(const AttributedFill& fill) {
  if (fill.quantity.sign() <= 0 || fill.price.sign() <= 0) {
    return make_error(Errc::invalid_argument, "fill quantity " + fill.quantity.to_string() + " / price " +
                                                  fill.price.to_string() + " must be > 0");
  }
  if (fill.reference_price && fill.reference_price->sign() <= 0) {
    return make_error(Errc::invalid_argument,
                      "fill reference price " + fill.reference_price->to_string() + " must be > 0");
  }
  return {};
}

// Books a real, validated fill into one span; all-or-nothing.
Status apply_fill(PnlSpan& span, const AttributedFill& fill, bool fee_in_accounting_asset) {
  PnlSpan next = span;
  DecimalChain chain;
  PnlBuckets& b = next.buckets;
  b.realized_price_pnl = chain.add(b.realized_price_pnl, fill.realized_price_pnl);
  if (fill.reference_price) {
    const Decimal move = fill.side == Side::buy ? chain.sub(fill.price, *fill.reference_price)
                                                : chain.sub(*fill.reference_price, fill.price);
    b.slippage_cost = chain.add(b.slippage_cost, chain.mul(move, fill.quantity, kPnlScale));
  }
  if (fee_in_accounting_asset) {
    if (fill.fee.sign() > 0) b.fees_paid = chain.add(b.fees_paid, fill.fee);
    if (fill.fee.sign() < 0) b.rebates = chain.sub(b.rebates, fill.fee);
  } else if (auto kept = add_asset_amount(next.fees_other_assets, fill.fee_asset, fill.fee); !kept) {
    return kept;
  }
  if (!chain.ok()) return chain.status();
  if (auto counted = next.tca.on_fill(fill, fee_in_accounting_asset); !counted) return counted;
  span = std::move(next);
  return {};
}

Status apply_funding(PnlSpan& span, const FundingPayment& payment, std::string_view accounting_asset) {
  if (payment.asset != accounting_asset) return add_asset_amount(span.funding_other_assets, payment.asset, payment.amount);
  const auto sum = span.buckets.funding.add(payment.amount);
  if (!sum) return sum.error();
  span.buckets.funding = *sum;
  return {};
}

}  // namespace

Status PnlSpan::add(const PnlSpan& other) {
  PnlSpan sum = *this;
  if (auto added = sum.buckets.add(other.buckets); !added) return added;
  if (auto added = sum.tca.add(other.tca); !added) return added;
  if (auto added = add_asset_amounts(sum.fees_other_assets, other.fees_other_assets); !added) return added;
  if (auto added = add_asset_amounts(sum.funding_other_assets, other.funding_other_assets); !added) return added;
  *this = std::move(sum);
  return {};
}

PnlAttribution::PnlAttribution(PnlAttributionOptions options, std::int64_t now_ms)
    : options_(std::move(options)),
      today_(utc_day_of(now_ms)),
      history_(options_.history_capacity),
      reports_(options_.max_daily_reports) {}

bool PnlAttribution::is_full(std::string_view strategy) const {
  if (strategies_.contains(strategy)) return false;
  const std::size_t named = strategies_.size() - strategies_.count(kUnattributed);
  return named >= options_.max_strategies;
}

StrategyPnl& PnlAttribution::account_for(std::string_view strategy, bool& folded) {
  folded = false;
  if (strategy.empty()) strategy = kUnattributed;
  if (strategy != kUnattributed && is_full(strategy)) {
    folded = true;
    strategy = kUnattributed;
  }
  auto at = strategies_.find(strategy);
  if (at != strategies_.end()) return at->second;
  return strategies_.try_emplace(std::string(strategy)).first->second;
}

Result<bool> PnlAttribution::place(std::int64_t ts_ms) {
  const UtcDay day = utc_day_of(ts_ms);
  if (day > today_) {
    if (auto rolled = roll_day(day); !rolled) return rolled.error();
  }
  return day == today_;
}

// Books one event into its strategy's totals, and into today's when it is stamped
// today (a later stamp rolls first); all-or-nothing for the account.
template <typename Apply>
Status PnlAttribution::book(std::string_view strategy, std::int64_t ts_ms, Apply apply) {
  const auto in_today = place(ts_ms);
  if (!in_today) return in_today.error();
  bool folded = false;
  StrategyPnl& account = account_for(strategy, folded);
  PnlSpan total = account.total;
  if (auto booked = apply(total); !booked) return booked;
  PnlSpan today = account.today;
  if (*in_today) {
    if (auto booked = apply(today); !booked) return booked;
  }
  account.total = std::move(total);
  account.today = std::move(today);
  if (folded) ++strategies_folded_;
  return {};
}

Status PnlAttribution::on_fill(const AttributedFill& fill) {
  if (fill.simulated) {
    ++simulated_fills_ignored_;
    return {};
  }
  if (auto valid = validate(fill); !valid) return valid;
  const bool fee_in_accounting_asset = fill.fee.is_zero() || fill.fee_asset == options_.accounting_asset;
  return book(fill.strategy, fill.ts_ms,
              [&](PnlSpan& span) { return apply_fill(span, fill, fee_in_accounting_asset); });
}

Status PnlAttribution::on_funding(const FundingPayment& payment) {
  return book(payment.strategy, payment.ts_ms,
              [&](PnlSpan& span) { return apply_funding(span, payment, options_.accounting_asset); });
}

Status PnlAttribution::on_realized(std::string_view strategy, Decimal realized_price_pnl, std::int64_t ts_ms) {
  return book(strategy, ts_ms, [&](PnlSpan& span) {
    const auto sum = span.buckets.realized_price_pnl.add(realized_price_pnl);
    if (!sum) return Status(sum.error());
    span.buckets.realized_price_pnl = *sum;
    return Status{};
  });
}

Status PnlAttribution::on_order_outcome(const OrderOutcome& outcome) {
  return book(outcome.strategy, outcome.ts_ms, [&](PnlSpan& span) {
    span.tca.on_order(outcome);
    return Status{};
  });
}

Status PnlAttribution::set_unrealized(std::string_view strategy, Decimal unrealized_price_pnl) {
  if (strategy.empty()) strategy = kUnattributed;
  if (strategy != kUnattributed && is_full(strategy)) {
    return make_error(Errc::out_of_range, "strategy '" + std::string(strategy) + "' is past the bound of " +
                                              std::to_string(options_.max_strategies) + " strategies");
  }
  bool folded = false;
  StrategyPnl& account = account_for(strategy, folded);
  account.total.buckets.unrealized_price_pnl = unrealized_price_pnl;
  account.today.buckets.unrealized_price_pnl = unrealized_price_pnl;
  return {};
}

void PnlAttribution::set_cancel_counts(std::int64_t sent, std::int64_t failed) {
  cancels_sent_ = sent;
  cancels_failed_ = failed;
  // A counter that went backwards (the executor restarted) restarts the day's baseline.
  if (cancels_sent_at_roll_ > sent) cancels_sent_at_roll_ = 0;
  if (cancels_failed_at_roll_ > failed) cancels_failed_at_roll_ = 0;
}

Status PnlAttribution::advance(std::int64_t now_ms) {
  const UtcDay day = utc_day_of(now_ms);
  return day > today_ ? roll_day(day) : Status{};
}

Status PnlAttribution::roll_day(UtcDay day) {
  if (day <= today_) {
    return make_error(Errc::conflict, "cannot roll to " + to_string(day) + ": today is " + to_string(today_));
  }
  nlohmann::json report = day_report_json(true);
  reports_.add(today_, std::move(report));
  for (auto& [name, account] : strategies_) {
    const Decimal unrealized = account.total.buckets.unrealized_price_pnl;
    account.today = PnlSpan{};
    account.today.buckets.unrealized_price_pnl = unrealized;
    account.day_drawdown.reset();
  }
  desk_drawdown_.reset();
  cancels_sent_at_roll_ = cancels_sent_;
  cancels_failed_at_roll_ = cancels_failed_;
  today_ = day;
  // The day opens at realized_today = 0: its first drawdown sample is the unrealised.
  return sample_drawdowns();
}

Status PnlAttribution::sample_drawdowns() {
  for (auto& [name, account] : strategies_) {
    const auto equity = account.today.buckets.total_pnl();
    if (!equity) return equity.error();
    if (auto sampled = account.day_drawdown.sample(*equity); !sampled) return sampled;
  }
  const auto desk_day = desk_buckets(true);
  if (!desk_day) return desk_day.error();
  const auto equity = desk_day->total_pnl();
  if (!equity) return equity.error();
  return desk_drawdown_.sample(*equity);
}

Status PnlAttribution::sample(std::int64_t now_ms) {
  if (auto advanced = advance(now_ms); !advanced) return advanced;
  if (auto sampled = sample_drawdowns(); !sampled) return sampled;
  if (last_history_ms_ && now_ms - *last_history_ms_ < options_.history_interval_ms) return {};
  const auto total = desk_buckets(false);
  if (!total) return total.error();
  const auto day = desk_buckets(true);
  if (!day) return day.error();
  const auto realized_today = day->realized_usdt();
  const auto realized_total = total->realized_usdt();
  const auto total_pnl = total->total_pnl();
  if (!realized_today) return realized_today.error();
  if (!realized_total) return realized_total.error();
  if (!total_pnl) return total_pnl.error();
  history_.record(PnlPoint{.ts_ms = now_ms,
                           .realized_today_usdt = *realized_today,
                           .realized_total_usdt = *realized_total,
                           .unrealized_usdt = total->unrealized_price_pnl,
                           .total_pnl_usdt = *total_pnl});
  last_history_ms_ = now_ms;
  return {};
}

const StrategyPnl* PnlAttribution::find(std::string_view strategy) const {
  auto at = strategies_.find(strategy.empty() ? kUnattributed : strategy);
  return at == strategies_.end() ? nullptr : &at->second;
}

Result<PnlSpan> PnlAttribution::desk(bool today) const {
  PnlSpan sum;
  for (const auto& [name, account] : strategies_) {
    if (auto added = sum.add(today ? account.today : account.total); !added) return added.error();
  }
  sum.tca.cancels_sent = today ? cancels_sent_ - cancels_sent_at_roll_ : cancels_sent_;
  sum.tca.cancels_failed = today ? cancels_failed_ - cancels_failed_at_roll_ : cancels_failed_;
  return sum;
}

Result<PnlBuckets> PnlAttribution::desk_buckets(bool today) const {
  PnlBuckets sum;
  for (const auto& [name, account] : strategies_) {
    if (auto added = sum.add(today ? account.today.buckets : account.total.buckets); !added) return added.error();
  }
  return sum;
}

Result<PnlSpan> PnlAttribution::desk_total() const { return desk(false); }
Result<PnlSpan> PnlAttribution::desk_today() const { return desk(true); }

Result<Decimal> PnlAttribution::check_identity() const {
  for (const auto& [name, account] : strategies_) {
    const auto difference = account.total.buckets.check_identity();
    if (!difference || !difference->is_zero()) return difference;
  }
  const auto total = desk_buckets(false);
  if (!total) return total.error();
  return total->check_identity();
}

}  // namespace propbot::ledger
