// The OKX private channels (B7): engine events become orders pushes (one per event,
// in order) and positions / account / balance_and_position pushes (once per account per
// call, after the orders), sent to the sessions logged in as each account. Every call
// that changes the engine ends here, so this is also where the extra fields of the
// orders the engine forgot during that call are dropped, and where the back office's
// OrderLog and the per-position totals learn every event.

#include "core/venues/sim/okx/frontend.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <type_traits>
#include <variant>

namespace propbot::venues::sim::okx_frontend {

// Translates engine events into private pushes (B7) and sends them to the sessions
// logged in as each account. Order pushes go one per event in event order; position
// and balance pushes once per account per call, after the order pushes.
void OkxSimVenue::push_events(const std::vector<Event>& events, UtcTime now) {
  order_log_.on_events(events, [this](const std::string& account) { return api_key_of(account); });
  track_position_totals(events);
  std::map<std::string, std::set<std::string>> changed_positions;  // account -> symbols
  std::set<std::string> changed_balances;
  for (const Event& event : events) {
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, OrderAccepted>) {
            OrderExtra& extra = extras_[{e.order.symbol, e.order.venue_order_id}];
            if (extra.created == UtcTime{}) extra.created = now;
            pending_pushes_.push_back({e.account, "orders", order_json(e.account, e.order, true)});
          } else if constexpr (std::is_same_v<T, OrderFilled>) {
            OrderExtra& extra = extras_[{e.order.symbol, e.order.venue_order_id}];
            extra.fee = e.cumulative_fee;
            extra.pnl = e.cumulative_realized_pnl;
            pending_pushes_.push_back({e.account, "orders", order_json(e.account, e.order, true, &e.fill)});
          } else if constexpr (std::is_same_v<T, OrderCanceled>) {
            extras_[{e.order.symbol, e.order.venue_order_id}].cancel_source =
                std::string(wire::cancel_source(e.reason));
            pending_pushes_.push_back({e.account, "orders", order_json(e.account, e.order, true)});
          } else if constexpr (std::is_same_v<T, OrderExpired>) {
            extras_[{e.order.symbol, e.order.venue_order_id}].cancel_source =
                std::string(wire::cancel_source(e.reason));
            pending_pushes_.push_back({e.account, "orders", order_json(e.account, e.order, true)});
          } else if constexpr (std::is_same_v<T, PositionChanged>) {
            changed_positions[e.account].insert(e.position.symbol);
            changed_balances.insert(e.account);
          } else if constexpr (std::is_same_v<T, BalanceChanged>) {
            changed_balances.insert(e.account);
          } else if constexpr (std::is_same_v<T, FundingPaid> || std::is_same_v<T, PositionLiquidated>) {
            changed_positions[e.account].insert(e.symbol);
            changed_balances.insert(e.account);
          }
        },
        event);
  }
  for (const auto& [account, symbols] : changed_positions) {
    std::vector<Position> positions = core_.positions(account);
    for (const std::string& symbol : symbols) {
      auto it =
          std::find_if(positions.begin(), positions.end(), [&](const Position& p) { return p.symbol == symbol; });
      Position position;
      if (it != positions.end()) {
        position = *it;
      } else {
        position.symbol = symbol;
        position.updated_at = now;
      }
      pending_pushes_.push_back({account, "positions", position_json(account, position)});
    }
  }
  for (const std::string& account : changed_balances) {
    pending_pushes_.push_back({account, "account", balance_json(account, now)});
    pending_pushes_.push_back({account, "balance_and_position", json()});
  }
  flush_pushes(now);
  drop_forgotten_orders();
}

std::optional<std::string> OkxSimVenue::api_key_of(const std::string& account) const {
  for (const auto& [key, credentials] : credentials_) {
    if (credentials.account == account) return key;
  }
  return std::nullopt;
}

void OkxSimVenue::drop_forgotten_orders() {
  for (const OrderKey& key : forgotten_orders_) extras_.erase(key);
  forgotten_orders_.clear();
}

void OkxSimVenue::flush_pushes(UtcTime now) {
  std::vector<PendingPush> pushes;
  pushes.swap(pending_pushes_);
  for (const PendingPush& push : pushes) {
    for (auto& [id, session] : sessions_) {
      if (!session.is_private || session.account != push.account) continue;
      for (const Subscription& sub : session.subscriptions) {
        if (sub.channel != push.channel) continue;
        if (!sub.inst_id.empty() && push.data_item.is_object() && push.data_item.value("instId", "") != sub.inst_id) {
          continue;
        }
        if (push.channel == "balance_and_position") {
          send_to(session, balance_and_position(push.account, sub.arg, "filled", now));
          continue;
        }
        json arg = sub.arg;
        arg["uid"] = push.account;
        json message{{"arg", arg}, {"data", json::array({push.data_item})}};
        // account and positions pushes name their kind; the simulator pushes on events only.
        if (push.channel == "account" || push.channel == "positions") message["eventType"] = "event_update";
        send_to(session, message);
      }
    }
  }
}

}  // namespace propbot::venues::sim::okx_frontend
