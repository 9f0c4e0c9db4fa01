#include "core/ledger/pnl_buckets.hpp"

#include <nlohmann/json.hpp>

#include "core/ledger/decimal_chain.hpp"

namespace propbot::ledger {
namespace {

nlohmann::json money_or_null(const Result<Decimal>& amount) {
  return amount ? money_json(*amount) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json money_json(Decimal amount) {
  // The shortest exact text, read back as a JSON number (an integer stays an integer).
  return nlohmann::json::parse(amount.normalized().to_string());
}

Result<Decimal> PnlBuckets::pnl_from_spread() const { return realized_price_pnl.add(slippage_cost); }

Result<Decimal> PnlBuckets::realized_usdt() const {
  DecimalChain chain;
  const Decimal value = chain.sub(chain.add(chain.add(realized_price_pnl, funding), rebates), fees_paid);
  return chain.result(value);
}

Result<Decimal> PnlBuckets::total_pnl() const {
  const auto realized = realized_usdt();
  if (!realized) return realized;
  return realized->add(unrealized_price_pnl);
}

Result<Decimal> PnlBuckets::sum_of_buckets() const {
  const auto spread = pnl_from_spread();
  if (!spread) return spread;
  DecimalChain chain;
  Decimal sum = chain.add(*spread, funding);
  sum = chain.add(sum, unrealized_price_pnl);
  sum = chain.add(sum, rebates);
  sum = chain.sub(sum, fees_paid);
  sum = chain.sub(sum, slippage_cost);
  return chain.result(sum);
}

Result<Decimal> PnlBuckets::check_identity() const {
  const auto total = total_pnl();
  if (!total) return total;
  const auto buckets = sum_of_buckets();
  if (!buckets) return buckets;
  return total->sub(*buckets);
}

Status PnlBuckets::add(const PnlBuckets& other) {
  DecimalChain chain;
  const PnlBuckets sum{.realized_price_pnl = chain.add(realized_price_pnl, other.realized_price_pnl),
                       .unrealized_price_pnl = chain.add(unrealized_price_pnl, other.unrealized_price_pnl),
                       .funding = chain.add(funding, other.funding),
                       .fees_paid = chain.add(fees_paid, other.fees_paid),
                       .rebates = chain.add(rebates, other.rebates),
                       .slippage_cost = chain.add(slippage_cost, other.slippage_cost)};
  if (!chain.ok()) return chain.status();
  *this = sum;
  return {};
}

nlohmann::json PnlBuckets::attribution_json() const {
  return {{"pnl_from_spread", money_or_null(pnl_from_spread())},
          {"pnl_from_funding", money_json(funding)},
          {"pnl_from_basis", money_json(unrealized_price_pnl)},
          {"pnl_from_rebate", money_json(rebates)},
          {"fees_paid", money_json(fees_paid)},
          {"slippage_cost", money_json(slippage_cost)}};
}

}  // namespace propbot::ledger
