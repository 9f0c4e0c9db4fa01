#include "core/engine/opportunity_board.hpp"

#include <algorithm>

namespace propbot::engine {

std::string_view gate_status(Mode mode, bool safe_mode) {
  if (mode == Mode::kill) return "blocked_by_kill";
  if (mode == Mode::hold) return "blocked_by_hold";
  if (safe_mode) return "blocked_by_safe_mode";
  return "ready";
}

std::string_view opportunity_status(std::string_view gate, std::string_view policy_verdict) {
  if (gate != "ready") return gate;
  return policy_verdict == "ok" || policy_verdict == "no_policies" ? "ready" : "blocked_by_policy";
}

std::string_view OpportunityBoard::record(const scripting::Intent& intent, const PolicyOutcome& outcome,
                                          std::string_view gate, MonoTime now, UtcTime utc) {
  const bool single = intent.kind == "single";
  Key key{intent.strategy, intent.symbol, single ? intent.venue : intent.long_venue,
          single ? intent.side : intent.short_venue};
  auto [it, inserted] = entries_.try_emplace(std::move(key));
  OpportunityView& view = it->second.view;
  if (inserted) {
    view.strategy = intent.strategy;
    view.kind = intent.kind;
    view.symbol = intent.symbol;
    view.long_venue = intent.long_venue;
    view.short_venue = intent.short_venue;
    view.venue = intent.venue;
    view.side = intent.side;
    view.first_seen = utc;
  }
  view.price = intent.price;
  view.post_only = intent.post_only;
  view.spread_bps = intent.spread_bps;
  view.net_spread_bps = intent.net_spread_bps;
  view.intent_notional_usdt = intent.notional_usdt;
  view.notional_suggestion = outcome.sized_notional_usdt;
  view.long_price = intent.long_price;
  view.short_price = intent.short_price;
  view.reason = intent.reason;
  view.regime = std::string(outcome.regime);
  view.regime_confidence = outcome.confidence;
  view.policy_min_edge_bps = outcome.min_edge_bps;
  view.policy = std::string(outcome.verdict);
  view.status = std::string(opportunity_status(gate, view.policy));
  view.last_seen = utc;
  it->second.last_seen_mono = now;
  return view.status;
}

void OpportunityBoard::expire(MonoTime now, Nanos ttl) {
  std::erase_if(entries_, [&](const auto& item) { return now - item.second.last_seen_mono > ttl; });
}

void OpportunityBoard::forget(const std::vector<std::string>& strategies) {
  std::erase_if(entries_, [&](const auto& item) {
    return std::find(strategies.begin(), strategies.end(), item.first.strategy) != strategies.end();
  });
}

std::vector<OpportunityView> OpportunityBoard::views(std::string_view gate) {
  std::vector<OpportunityView> out;
  out.reserve(entries_.size());
  for (auto& [key, entry] : entries_) {
    entry.view.status = std::string(opportunity_status(gate, entry.view.policy));
    out.push_back(entry.view);
  }
  std::sort(out.begin(), out.end(),
            [](const OpportunityView& a, const OpportunityView& b) { return a.net_spread_bps > b.net_spread_bps; });
  return out;
}

}  // namespace propbot::engine
