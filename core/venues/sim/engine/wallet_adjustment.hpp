// adjust_wallet: an administrative credit or debit of one simulated account's wallet —
// what a deposit or a withdrawal does to a real venue account (the admin API's
// POST /admin/accounts/adjust, SimulatedVenue::adjust_balance). Booked through the
// exchange core as a deposit (a debit as a negative one), so total_deposits() and the
// conservation law of accounts.hpp keep holding and the BalanceChanged event the
// frontends publish on their private streams is the deposit's.
//
// Guarantees: nothing changes on an error; the amount is exact money (≤ 8 fractional
// digits); a debit never takes the wallet below zero. Header-only; single-threaded like
// the core (the frontend holds its lock).
#pragma once

#include <string>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/venues/sim/engine/checked_math.hpp"
#include "core/venues/sim/engine/exchange_core.hpp"

namespace propbot::venues::sim {

// Moves `amount` (> 0 credit, < 0 debit) of `asset` into `account`'s wallet; answers the
// new wallet. Errors: not_found (no such account), invalid_argument (an asset other than
// the wallet's USDT, a zero amount, more than 8 fractional digits), conflict (a debit
// larger than the wallet).
inline Result<Decimal> adjust_wallet(ExchangeCore& core, const std::string& account, const std::string& asset,
                                     Decimal amount, UtcTime now, std::vector<Event>& events) {
  if (!core.accounts().has_account(account)) return make_error(Errc::not_found, "no such account");
  if (asset != "USDT") return make_error(Errc::invalid_argument, "asset: only USDT (the margin asset) is held");
  if (amount.is_zero()) return make_error(Errc::invalid_argument, "amount: must not be zero");
  if (math::to_money(amount) != amount) {
    return make_error(Errc::invalid_argument, "amount: at most 8 fractional digits");
  }
  const Decimal wallet = core.accounts().wallet(account);
  if (amount.sign() < 0 && wallet < math::neg(amount)) {
    return make_error(Errc::conflict, "amount: a debit of " + math::neg(amount).to_string() +
                                          " is larger than the wallet " + wallet.to_string());
  }
  core.deposit(account, amount, now, events);
  return core.accounts().wallet(account);
}

}  // namespace propbot::venues::sim
