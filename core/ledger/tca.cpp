#include "core/ledger/tca.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/ledger/decimal_chain.hpp"
#include "core/ledger/leg_position.hpp"

namespace propbot::ledger {
namespace {

double ratio(Decimal numerator, Decimal denominator) {
  return denominator.is_zero() ? 0.0 : numerator.to_double() / denominator.to_double();
}

double ratio(std::int64_t numerator, std::int64_t denominator) {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

// To `per` parts of one (1e4: four fractional digits); dividing by a power of ten
// gives the double nearest the decimal, as a reader expects (0.05, not 0.04999…).
double rounded(double value, double per) { return std::round(value * per) / per; }

}  // namespace

Result<Decimal> move_bps(Side side, Decimal price, Decimal reference) {
  if (reference.sign() <= 0) {
    return make_error(Errc::invalid_argument, "reference price " + reference.to_string() + " is not > 0");
  }
  DecimalChain chain;
  const Decimal move = side == Side::buy ? chain.sub(price, reference) : chain.sub(reference, price);
  // move / ref to kMoveBpsScale + 4 digits, then × 1e4 exactly: bps at kMoveBpsScale.
  const Decimal fraction = chain.div(move, reference, kMoveBpsScale + 4);
  const Decimal bps = chain.mul(fraction, Decimal::from_mantissa(10'000, 0), kMoveBpsScale);
  return chain.result(bps);
}

Status WeightedMean::add(Decimal value, Decimal weight_of_value) {
  DecimalChain chain;
  const Decimal sum = chain.add(weighted_sum, chain.mul(value, weight_of_value, kPnlScale));
  const Decimal weights = chain.add(weight, weight_of_value);
  if (!chain.ok()) return chain.status();
  weighted_sum = sum;
  weight = weights;
  ++samples;
  return {};
}

Status WeightedMean::add(const WeightedMean& other) {
  DecimalChain chain;
  const Decimal sum = chain.add(weighted_sum, other.weighted_sum);
  const Decimal weights = chain.add(weight, other.weight);
  if (!chain.ok()) return chain.status();
  weighted_sum = sum;
  weight = weights;
  samples += other.samples;
  return {};
}

double WeightedMean::mean() const { return ratio(weighted_sum, weight); }

Status TcaCounters::on_fill(const AttributedFill& fill, bool fee_in_accounting_asset) {
  TcaCounters next = *this;
  if (fill.reference_price) {
    const auto bps = move_bps(fill.side, fill.price, *fill.reference_price);
    if (!bps) return bps.error();
    if (auto added = next.slippage.add(*bps, fill.quantity); !added) return added;
    if (!fill.maker) {
      if (auto added = next.taker_impact.add(*bps, fill.quantity); !added) return added;
    }
  }
  if (fee_in_accounting_asset) {
    DecimalChain chain;
    next.net_fees = chain.add(net_fees, fill.fee);
    next.fee_notional = chain.add(fee_notional, chain.mul(fill.price, fill.quantity, kPnlScale));
    if (!chain.ok()) return chain.status();
  }
  ++next.fills;
  *this = next;
  return {};
}

void TcaCounters::on_order(const OrderOutcome& outcome) {
  ++orders;
  if (outcome.rejected) ++rejected_orders;
  if (outcome.post_only) {
    ++post_only_orders;
    if (outcome.any_fill) ++post_only_filled;
  }
}

Status TcaCounters::add(const TcaCounters& other) {
  TcaCounters sum = *this;
  if (auto added = sum.taker_impact.add(other.taker_impact); !added) return added;
  if (auto added = sum.slippage.add(other.slippage); !added) return added;
  DecimalChain chain;
  sum.net_fees = chain.add(net_fees, other.net_fees);
  sum.fee_notional = chain.add(fee_notional, other.fee_notional);
  if (!chain.ok()) return chain.status();
  sum.fills += other.fills;
  sum.post_only_orders += other.post_only_orders;
  sum.post_only_filled += other.post_only_filled;
  sum.orders += other.orders;
  sum.rejected_orders += other.rejected_orders;
  sum.cancels_sent += other.cancels_sent;
  sum.cancels_failed += other.cancels_failed;
  *this = sum;
  return {};
}

TcaRates TcaCounters::rates() const {
  return TcaRates{.taker_impact_bps = taker_impact.mean(),
                  .maker_fill_rate = ratio(post_only_filled, post_only_orders),
                  .avg_slippage_bps = slippage.mean(),
                  .reject_rate = ratio(rejected_orders, orders),
                  .cancel_fail_rate = ratio(cancels_failed, cancels_sent),
                  .commission_bps = ratio(net_fees, fee_notional) * 1e4};
}

nlohmann::json TcaCounters::to_json() const {
  const TcaRates r = rates();
  return {{"taker_impact_bps", rounded(r.taker_impact_bps, 1e4)},
          {"maker_fill_rate", rounded(r.maker_fill_rate, 1e6)},
          {"avg_slippage_bps", rounded(r.avg_slippage_bps, 1e4)},
          {"reject_rate", rounded(r.reject_rate, 1e6)},
          {"cancel_fail_rate", rounded(r.cancel_fail_rate, 1e6)},
          {"commission_bps", rounded(r.commission_bps, 1e4)},
          {"samples",
           {{"taker_fills_with_reference", taker_impact.samples},
            {"fills_with_reference", slippage.samples},
            {"post_only_orders", post_only_orders},
            {"orders", orders},
            {"cancels_sent", cancels_sent},
            {"fills", fills}}}};
}

}  // namespace propbot::ledger
