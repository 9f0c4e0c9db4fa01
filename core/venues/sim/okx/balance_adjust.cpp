// OkxSimVenue::adjust_balance: the admin API's deposit / withdrawal on the account of
// one API key (wallet_adjustment.hpp); the private channels push the new balance
// (`account`, `balance_and_position`).
#include "core/venues/sim/engine/wallet_adjustment.hpp"
#include "core/venues/sim/okx/frontend.hpp"

namespace propbot::venues::sim::okx_frontend {

Result<Decimal> OkxSimVenue::adjust_balance(const std::string& api_key, const std::string& asset, Decimal amount) {
  std::lock_guard lock(mutex_);
  if (!credentials_.count(api_key)) return make_error(Errc::not_found, "api_key: no account with this key");
  const UtcTime now = clock_.utc();
  std::vector<Event> events;
  auto wallet = adjust_wallet(core_, api_key, asset, amount, now, events);  // OKX accounts are named by their key
  if (wallet) push_events(events, now);
  return wallet;
}

}  // namespace propbot::venues::sim::okx_frontend
