#include "core/engine/market_sampler.hpp"

#include <algorithm>
#include <cmath>

#include "core/engine/engine_loop.hpp"

namespace propbot::engine {
namespace {

// Symbols tracked for std_spread beyond the universe (a reload may add some): a bound.
constexpr std::size_t kMaxSpreadRings = 1024;

std::optional<double> positive(const Decimal& value) {
  if (value.sign() <= 0) return std::nullopt;
  return value.to_double();
}

history::VenueMarket venue_market(const BookBoard& books, const std::string& venue, const std::string& symbol) {
  history::VenueMarket out;
  out.venue = venue;
  if (const md::OrderBook* book = books.find(venue, symbol); book != nullptr && book->valid()) {
    out.mid = book->mid_price();
  }
  if (const venues::FundingInfo* funding = books.funding(venue, symbol); funding != nullptr) {
    out.funding_rate = funding->funding_rate.to_double();
    if (funding->next_funding_time != UtcTime{}) out.next_funding_unix_ms = to_unix_ms(funding->next_funding_time);
    out.mark_price = positive(funding->mark_price);
    out.index_price = positive(funding->index_price);
    if (out.mark_price && out.index_price) out.basis_bps = (*out.mark_price - *out.index_price) / *out.index_price * 1e4;
  }
  return out;
}

// The widest mid spread over every pair of venues with a mid.
void widest_spread(history::SymbolSample& sample) {
  const history::VenueMarket* rich = nullptr;
  const history::VenueMarket* cheap = nullptr;
  for (const history::VenueMarket& venue : sample.venues) {
    if (!venue.mid || *venue.mid <= 0) continue;
    if (rich == nullptr || *venue.mid > *rich->mid) rich = &venue;
    if (cheap == nullptr || *venue.mid < *cheap->mid) cheap = &venue;
  }
  if (rich == nullptr || rich == cheap) return;
  sample.spread_bps = (*rich->mid - *cheap->mid) / *cheap->mid * 1e4;
  sample.spread_pair = rich->venue + "/" + cheap->venue;
}

std::vector<std::string> breaker_flags(const std::vector<scripting::BreakerVerdict>& verdicts) {
  std::vector<std::string> flags;
  for (const auto& verdict : verdicts) {
    std::string flag = verdict.rule;
    if (verdict.scope == scripting::BreakerScope::route) flag += ":" + verdict.symbol + ":" + verdict.venues;
    if (std::find(flags.begin(), flags.end(), flag) == flags.end()) flags.push_back(std::move(flag));
  }
  return flags;
}

}  // namespace

bool MarketSampler::due(MonoTime now, std::chrono::seconds interval) {
  if (interval.count() <= 0) return false;
  if (last_ && now - *last_ < interval) return false;
  last_ = now;
  return true;
}

std::optional<double> MarketSampler::push_spread(const std::string& symbol, double bps, std::size_t std_samples) {
  auto ring = std::find_if(rings_.begin(), rings_.end(), [&](const SpreadRing& r) { return r.symbol == symbol; });
  if (ring == rings_.end()) {
    if (rings_.size() >= kMaxSpreadRings) return std::nullopt;
    ring = rings_.insert(rings_.end(), SpreadRing{symbol, {}, 0, 0});
  }
  if (ring->values.size() != std_samples) {  // first use, or the window changed: start over
    ring->values.assign(std_samples, 0.0);
    ring->next = 0;
    ring->count = 0;
  }
  ring->values[ring->next] = bps;
  ring->next = (ring->next + 1) % std_samples;
  ring->count = std::min(ring->count + 1, std_samples);
  if (ring->count < 2) return std::nullopt;
  double sum = 0;
  for (std::size_t i = 0; i < ring->count; ++i) sum += ring->values[i];
  const double mean = sum / static_cast<double>(ring->count);
  double squares = 0;
  for (std::size_t i = 0; i < ring->count; ++i) squares += (ring->values[i] - mean) * (ring->values[i] - mean);
  return std::sqrt(squares / static_cast<double>(ring->count));
}

history::MarketSample MarketSampler::build(UtcTime ts, const MarketSampleInputs& inputs, std::size_t std_samples) {
  std_samples = std::max<std::size_t>(std_samples, 2);
  history::MarketSample sample;
  sample.ts = ts;
  for (const std::string& symbol : inputs.symbols) {
    history::SymbolSample row;
    row.symbol = symbol;
    for (const std::string& venue : inputs.venues) row.venues.push_back(venue_market(inputs.books, venue, symbol));
    widest_spread(row);
    if (row.spread_bps) row.std_spread_bps = push_spread(symbol, *row.spread_bps, std_samples);
    sample.symbols.push_back(std::move(row));
  }
  for (const std::string& venue : inputs.venues) {
    sample.ws_gap_p95_ms.push_back({venue, inputs.breaker_inputs.gap_p95_ms(venue)});
  }
  sample.hedge_latency_p95_ms = inputs.hedge_latency_p95_ms;
  sample.breaker_flags = breaker_flags(inputs.verdicts);
  return sample;
}

// After the snapshot tick's breaker evaluation, so the gaps and verdicts are this tick's.
void Engine::Loop::sample_market(MonoTime now) {
  if (sinks.market_history == nullptr) return;
  if (!market_sampler.due(now, std::chrono::seconds(config.market_history.interval_s))) return;
  std::optional<double> hedge_latency;
  if (execution_view) hedge_latency = execution_view->hedge_latency_p95_ms;
  const MarketSampleInputs inputs{books, breaker_inputs, venue_ids_, config.symbols, hedge_latency,
                                  policy.breaker_verdicts()};
  sinks.market_history->on_market_sample(
      market_sampler.build(clock.utc(), inputs, static_cast<std::size_t>(config.market_history.std_samples)));
}

}  // namespace propbot::engine
