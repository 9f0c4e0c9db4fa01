// The Binance frontend's timers, run before every request and after every tick:
// countdownCancelAll deadlines, listen-key expiry (listenKeyExpired pushed to the
// key's sessions, which then receive no more user data) and, once a second, dropping the
// rate-limit windows of clients and accounts that sent nothing within them.

#include "core/venues/sim/binance/frontend.hpp"

namespace propbot::venues::sim::binance_frontend {

void BinanceSimVenue::run_timers(MonoTime now, UtcTime utc) {
  std::vector<Event> events;
  for (auto it = countdowns_.begin(); it != countdowns_.end();) {
    if (now >= it->second) {
      (void)core_.cancel_all(it->first.first, it->first.second, utc, events);
      it = countdowns_.erase(it);
    } else {
      ++it;
    }
  }
  deliver(events, utc);
  for (auto it = listen_keys_.begin(); it != listen_keys_.end();) {
    if (now < it->second.expires) {
      ++it;
      continue;
    }
    const std::string frame = json{{"e", "listenKeyExpired"}, {"E", std::to_string(to_unix_ms(utc))}, {"listenKey", it->first}}.dump();
    for (auto& [id, session] : sessions_) {
      if (session.listen_key == it->first) {
        session.session->send(frame);
        session.listen_key.clear();
      }
    }
    it = listen_keys_.erase(it);
  }
  if (now >= next_idle_window_drop_) {
    ip_weight_.drop_idle(now);
    orders_10s_.drop_idle(now);
    orders_1m_.drop_idle(now);
    next_idle_window_drop_ = now + std::chrono::seconds(1);
  }
}

}  // namespace propbot::venues::sim::binance_frontend
