// DecimalChain: checked Decimal arithmetic that keeps the first error, so a sum of
// several money terms reads as one expression and is checked once at the end
// (`if (!chain.ok()) return chain.status();`). After an error every further call
// returns zero and changes nothing; the first error is what status() reports.
// Products are rounded to the scale the caller names, nearest (ties away from zero),
// so a long running sum never grows past a fixed scale.
//
// Threads: a short-lived local value; not shared.
#pragma once

#include <optional>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"

namespace propbot::ledger {

class DecimalChain {
 public:
  Decimal add(Decimal a, Decimal b) { return take(a.add(b)); }
  Decimal sub(Decimal a, Decimal b) { return take(a.sub(b)); }
  Decimal mul(Decimal a, Decimal b, int scale) { return take(a.mul(b, scale, RoundMode::nearest)); }
  Decimal div(Decimal a, Decimal b, int scale) { return take(a.div(b, scale, RoundMode::nearest)); }
  Decimal neg(Decimal a) { return take(a.negated()); }

  bool ok() const { return !error_; }
  Status status() const { return error_ ? Status(*error_) : Status(); }
  // The value when every step succeeded, else the first error.
  Result<Decimal> result(Decimal value) const { return error_ ? Result<Decimal>(*error_) : Result<Decimal>(value); }

 private:
  Decimal take(const Result<Decimal>& step) {
    if (error_) return Decimal{};
    if (step) return *step;
    error_ = step.error();
    return Decimal{};
  }

  std::optional<Error> error_;
};

}  // namespace propbot::ledger
