// The Binance user data stream: engine events become ORDER_TRADE_UPDATE and
// ACCOUNT_UPDATE frames (consecutive balance/position changes of an account merged into
// one), sent to the sessions of that account's listen key, filtered by their `events`.
// Then the books the events touched are published (not while books are stale). Every
// engine event passes here, so this is also where the back office's OrderLog learns them.

#include "core/venues/sim/binance/frontend.hpp"

#include <map>
#include <set>
#include <type_traits>
#include <variant>

namespace propbot::venues::sim::binance_frontend {

void BinanceSimVenue::deliver(const std::vector<Event>& events, UtcTime utc) {
  if (events.empty()) return;
  order_log_.on_events(events, [this](const std::string& account) -> std::optional<std::string> {
    auto it = account_ids_.find(account);
    return it == account_ids_.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
  const std::int64_t now_ms = to_unix_ms(utc);
  std::set<std::string> touched_symbols;
  // Frames per account, in event order; consecutive balance/position changes of one
  // account become one ACCOUNT_UPDATE.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> frames;  // account → (event type, frame)
  std::map<std::string, std::vector<const Event*>> runs;
  auto flush = [&](const std::string& account) {
    auto& run = runs[account];
    if (run.empty()) return;
    frames[account].emplace_back("ACCOUNT_UPDATE", wire::account_update(run, now_ms));
    run.clear();
  };
  for (const Event& event : events) {
    const std::string& account = event_account(event);
    if (std::holds_alternative<BalanceChanged>(event) || std::holds_alternative<PositionChanged>(event)) {
      runs[account].push_back(&event);
      continue;
    }
    flush(account);
    std::string frame;
    if (wire::order_trade_update(event, now_ms, frame)) frames[account].emplace_back("ORDER_TRADE_UPDATE", frame);
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, OrderAccepted> || std::is_same_v<T, OrderFilled> ||
                        std::is_same_v<T, OrderCanceled> || std::is_same_v<T, OrderExpired>) {
            touched_symbols.insert(e.order.symbol);
          }
        },
        event);
  }
  for (auto& [account, run] : runs) flush(account);

  for (auto& [id, session] : sessions_) {
    if (session.listen_key.empty()) continue;
    auto key = listen_keys_.find(session.listen_key);
    if (key == listen_keys_.end()) continue;
    auto account_frames = frames.find(key->second.account);
    if (account_frames == frames.end()) continue;
    for (const auto& [type, frame] : account_frames->second) {
      if (session.events.empty() || session.events.count(type)) session.session->send(frame);
    }
  }
  if (faults_.books_stale()) return;
  // The market model's own replacements do not appear as events (its account is
  // quiet): on_market_tick publishes the symbols it ticked itself.
  for (const auto& canonical : touched_symbols) publish_book(symbols_.at(canonical), utc);
}

}  // namespace propbot::venues::sim::binance_frontend
