// PnlAttribution's JSON views: GET /api/ui/pnl (to_json) and GET /api/ui/daily_report
// (daily_report_json, and the closed days' reports kept at each roll). The shapes are
// in pnl_attribution.hpp; money prints through money_json (pnl_buckets.hpp), a figure
// whose arithmetic overflowed prints null.
#include <nlohmann/json.hpp>

#include "core/ledger/pnl_attribution.hpp"

namespace propbot::ledger {
namespace {

using nlohmann::json;

json money_or_null(const Result<Decimal>& amount) { return amount ? money_json(*amount) : json(nullptr); }

json amounts_json(const AssetAmounts& amounts) {
  json out = json::object();
  for (const auto& [asset, amount] : amounts) out[asset] = money_json(amount);
  return out;
}

// The fields a span prints the same way in both views.
json span_json(const PnlSpan& span) {
  return {{"unrealized_usdt", money_json(span.buckets.unrealized_price_pnl)},
          {"fees_paid_usdt", money_json(span.buckets.fees_paid)},
          {"total_pnl_usdt", money_or_null(span.buckets.total_pnl())},
          {"attribution", span.buckets.attribution_json()},
          {"tca", span.tca.to_json()},
          {"fees_other_assets", amounts_json(span.fees_other_assets)},
          {"funding_other_assets", amounts_json(span.funding_other_assets)}};
}

json pnl_view(const PnlSpan& total, const PnlSpan& today, double drawdown_bps) {
  json out = span_json(total);
  out["realized_today_usdt"] = money_or_null(today.buckets.realized_usdt());
  out["realized_total_usdt"] = money_or_null(total.buckets.realized_usdt());
  out["max_day_drawdown_bps"] = drawdown_bps;
  return out;
}

json report_view(const PnlSpan& day, double drawdown_bps) {
  json out = span_json(day);
  out["realized_usdt"] = money_or_null(day.buckets.realized_usdt());
  out["trades"] = day.tca.fills;
  out["max_day_drawdown_bps"] = drawdown_bps;
  return out;
}

}  // namespace

json PnlAttribution::to_json() const {
  const Decimal capital = options_.risk_capital_usdt;
  json by_strategy = json::object();
  for (const auto& [name, account] : strategies_) {
    by_strategy[name] = pnl_view(account.total, account.today, account.day_drawdown.bps_of(capital));
  }
  const auto total = desk(false);
  const auto today = desk(true);
  json out = (total && today) ? pnl_view(*total, *today, max_day_drawdown_bps()) : json::object();
  out["day"] = to_string(today_);
  out["by_strategy"] = std::move(by_strategy);
  out["simulated_fills_ignored"] = simulated_fills_ignored_;
  out["strategies_folded"] = strategies_folded_;
  return out;
}

json PnlAttribution::day_report_json(bool closed) const {
  const Decimal capital = options_.risk_capital_usdt;
  json by_strategy = json::object();
  for (const auto& [name, account] : strategies_) {
    by_strategy[name] = report_view(account.today, account.day_drawdown.bps_of(capital));
  }
  const auto day = desk(true);
  json out = day ? report_view(*day, max_day_drawdown_bps()) : json::object();
  out["date"] = to_string(today_);
  out["closed"] = closed;
  out["by_strategy"] = std::move(by_strategy);
  return out;
}

Result<json> PnlAttribution::daily_report_json(std::string_view date) const {
  if (date.empty()) return day_report_json(false);
  const auto day = parse_utc_day(date);
  if (!day) return day.error();
  if (*day == today_) return day_report_json(false);
  if (const json* report = reports_.find(*day)) return *report;
  return make_error(Errc::not_found, "no daily report for " + std::string(date));
}

}  // namespace propbot::ledger
