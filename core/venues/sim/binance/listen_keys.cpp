// Binance user-data listen keys: POST creates (or returns the account's one), PUT
// extends by 60 minutes, DELETE closes. Keys are 64 characters drawn from the venue's
// seeded generator, so a seed and a call sequence give the same keys.

#include "core/venues/sim/binance/frontend.hpp"

#include <algorithm>

namespace propbot::venues::sim::binance_frontend {

std::string BinanceSimVenue::new_listen_key() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string key;
  for (int i = 0; i < 64; ++i) key.push_back(kAlphabet[rng_() % (sizeof(kAlphabet) - 1)]);
  return key;
}

net::HttpResponse BinanceSimVenue::listen_key(Call& call) {
  auto current = std::find_if(listen_keys_.begin(), listen_keys_.end(),
                              [&](const auto& entry) { return entry.second.account == call.account; });
  const std::string& method = call.request.method;
  if (method == "POST") {
    if (current == listen_keys_.end()) {
      current = listen_keys_.emplace(new_listen_key(), ListenKey{call.account, {}}).first;
    }
    current->second.expires = call.now + kListenKeyLifetime;
    return ok_json(json{{"listenKey", current->first}});
  }
  if (current == listen_keys_.end()) return binance_error(-1125, "This listenKey does not exist.");
  if (method == "PUT") {
    current->second.expires = call.now + kListenKeyLifetime;
    return ok_json(json{{"listenKey", current->first}});
  }
  listen_keys_.erase(current);
  return ok_json(json::object());
}

}  // namespace propbot::venues::sim::binance_frontend
