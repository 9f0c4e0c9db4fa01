// BinanceSimVenue::adjust_balance: the admin API's deposit / withdrawal on the account
// of one API key (wallet_adjustment.hpp); the user data stream reports it as an
// ACCOUNT_UPDATE with reason DEPOSIT.
#include "core/venues/sim/binance/frontend.hpp"
#include "core/venues/sim/engine/wallet_adjustment.hpp"

namespace propbot::venues::sim::binance_frontend {

Result<Decimal> BinanceSimVenue::adjust_balance(const std::string& api_key, const std::string& asset, Decimal amount) {
  std::lock_guard lock(mutex_);
  const auto account = accounts_by_key_.find(api_key);
  if (account == accounts_by_key_.end()) return make_error(Errc::not_found, "api_key: no account with this key");
  const UtcTime utc = clock_.utc();
  std::vector<Event> events;
  auto wallet = adjust_wallet(core_, account->second.id, asset, amount, utc, events);
  if (wallet) deliver(events, utc);
  return wallet;
}

}  // namespace propbot::venues::sim::binance_frontend
