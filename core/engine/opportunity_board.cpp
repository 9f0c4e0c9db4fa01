#include "core/engine/opportunity_board.hpp"

#include <algorithm>

namespace propbot::engine {

namespace {
RiskVerdict risk_verdict(std::string_view risk_reason) {
  if (risk_reason.empty()) return RiskVerdict::admitted;
  return risk_reason == "safe_mode" ? RiskVerdict::safe_mode : RiskVerdict::refused;
}
}  // namespace

OpportunityStatus OpportunityBoard::record(const Intent& intent, const PolicyOutcome& outcome, OpportunityStatus gate,
                                           MonoTime now, UtcTime utc, std::string_view risk_reason) {
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
  view.risk_reason = std::string(risk_reason);
  const OpportunityStatus status = opportunity_status(gate, outcome.verdict, risk_verdict(risk_reason));
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

void OpportunityBoard::strategies_on(std::string_view symbol, std::string_view venue_a, std::string_view venue_b,
                                     std::set<std::string>& out) const {
  for (const auto& [key, entry] : entries_) {
    if (key.symbol != symbol) continue;
    const auto touches = [&](const std::string& venue) { return venue == venue_a || venue == venue_b; };
    if (touches(key.long_venue) || touches(key.short_venue)) out.insert(key.strategy);
  }
}

std::vector<OpportunityView> OpportunityBoard::views(OpportunityStatus gate) {
  std::vector<OpportunityView> out;
  out.reserve(entries_.size());
  for (auto& [key, entry] : entries_) {
    entry.view.status =
        std::string(to_string(opportunity_status(gate, entry.verdict, risk_verdict(entry.view.risk_reason))));
    out.push_back(entry.view);
  }
  std::sort(out.begin(), out.end(),
            [](const OpportunityView& a, const OpportunityView& b) { return a.net_spread_bps > b.net_spread_bps; });
  return out;
}

}  // namespace propbot::engine
