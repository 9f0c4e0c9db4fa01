#include "core/engine/opportunity_board.hpp"

#include <algorithm>

namespace propbot::engine {

OpportunityStatus OpportunityBoard::record(const Intent& intent, const PolicyOutcome& outcome, OpportunityStatus gate,
                                           MonoTime now, UtcTime utc) {
  const bool single = intent.kind == IntentKind::single;
  // A pair has no side: its view and key keep the empty string they always had.
  const std::string_view side = single && intent.side ? to_string(*intent.side) : std::string_view();
  Key key{intent.strategy, intent.symbol, single ? intent.venue : intent.long_venue,
          single ? std::string(side) : intent.short_venue, intent.reduce_only};
  auto [it, inserted] = entries_.try_emplace(std::move(key));
  Entry& entry = it->second;
  OpportunityView& view = entry.view;
  if (inserted) {
    view.strategy = intent.strategy;
    view.kind = std::string(to_string(intent.kind));
    view.symbol = intent.symbol;
    view.long_venue = intent.long_venue;
    view.short_venue = intent.short_venue;
    view.venue = intent.venue;
    view.side = std::string(side);
    view.reduce_only = intent.reduce_only;
    view.first_seen = utc;
  }
  // The view is what the API serialises as JSON numbers: to_double() gives back the
  // script's double (intent_decimal keeps its shortest decimal), so the JSON is the same.
  view.price = intent.price.to_double();
  view.post_only = intent.post_only;
  view.spread_bps = intent.spread_bps;
  view.net_spread_bps = intent.net_spread_bps;
  view.intent_notional_usdt = intent.notional_usdt.to_double();
  view.notional_suggestion = outcome.sized_notional_usdt;
  view.long_price = intent.long_price.to_double();
  view.short_price = intent.short_price.to_double();
  view.reason = intent.reason;
  view.regime = std::string(outcome.regime);
  view.regime_confidence = outcome.confidence;
  view.policy_min_edge_bps = outcome.min_edge_bps;
  entry.verdict = outcome.verdict;
  view.policy = std::string(to_string(outcome.verdict));
  const OpportunityStatus status = opportunity_status(gate, outcome.verdict);
  view.status = std::string(to_string(status));
  view.last_seen = utc;
  entry.last_seen_mono = now;
  return status;
}

void OpportunityBoard::expire(MonoTime now, Nanos ttl) {
  std::erase_if(entries_, [&](const auto& item) { return now - item.second.last_seen_mono > ttl; });
}

void OpportunityBoard::forget(const std::vector<std::string>& strategies) {
  std::erase_if(entries_, [&](const auto& item) {
    return std::find(strategies.begin(), strategies.end(), item.first.strategy) != strategies.end();
  });
}

std::vector<OpportunityView> OpportunityBoard::views(OpportunityStatus gate) {
  std::vector<OpportunityView> out;
  out.reserve(entries_.size());
  for (auto& [key, entry] : entries_) {
    entry.view.status = std::string(to_string(opportunity_status(gate, entry.verdict)));
    out.push_back(entry.view);
  }
  std::sort(out.begin(), out.end(),
            [](const OpportunityView& a, const OpportunityView& b) { return a.net_spread_bps > b.net_spread_bps; });
  return out;
}

}  // namespace propbot::engine
