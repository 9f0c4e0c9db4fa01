#include "core/engine/breaker_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "core/exec/rolling_percentile.hpp"

namespace propbot::engine {
namespace {

constexpr double kBps = 1e4;

double ms_between(MonoTime from, MonoTime to) { return std::chrono::duration<double, std::milli>(to - from).count(); }

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// |a − b| / b in bps; 0 when either is unknown (not positive).
double divergence_bps(double a, double b) { return a > 0 && b > 0 ? std::fabs(a - b) / b * kBps : 0.0; }

// Resets a reused snapshot to `scope` with every number 0, keeping its strings' buffers.
void reset(scripting::BreakerMetrics& m, scripting::BreakerScope scope) {
  std::string symbol = std::move(m.symbol);
  std::string venues = std::move(m.venues);
  m = scripting::BreakerMetrics{};
  m.scope = scope;
  m.symbol = std::move(symbol);
  m.venues = std::move(venues);
  m.symbol.clear();
  m.venues.clear();
}

scripting::BreakerMetrics& next_slot(std::vector<scripting::BreakerMetrics>& out, std::size_t& used,
                                     scripting::BreakerScope scope) {
  if (used == out.size()) out.emplace_back();
  scripting::BreakerMetrics& m = out[used++];
  reset(m, scope);
  return m;
}

bool is_stablecoin_pair(std::string_view symbol) { return symbol == "USDC-USDT" || symbol == "USDT-USDC"; }

}  // namespace

BreakerInputs::BreakerInputs(BreakerInputsConfig config) : config_(config) {
  if (config_.spread_capacity < 2) throw std::invalid_argument("breaker inputs: spread_capacity must be at least 2");
  if (config_.window <= Nanos::zero()) throw std::invalid_argument("breaker inputs: window must be positive");
}

std::size_t BreakerInputs::stream_of(const md::InstrumentSpec& spec) {
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (streams_[i].venue == spec.venue && streams_[i].symbol == spec.symbol) return i;
  }
  if (streams_.size() >= config_.max_streams) return streams_.size();
  Stream stream;
  stream.venue = spec.venue;
  stream.symbol = spec.symbol;
  streams_.push_back(std::move(stream));
  add_routes(streams_.size() - 1);
  return streams_.size() - 1;
}

void BreakerInputs::add_routes(std::size_t stream) {
  const Stream& added = streams_[stream];
  for (std::size_t other = 0; other < streams_.size(); ++other) {
    const Stream& peer = streams_[other];
    if (other == stream || peer.symbol != added.symbol || peer.venue == added.venue) continue;
    Route route;
    route.symbol = added.symbol;
    const bool added_first = added.venue < peer.venue;
    route.a = added_first ? stream : other;
    route.b = added_first ? other : stream;
    route.venues = streams_[route.a].venue + "/" + streams_[route.b].venue;
    route.ring.resize(config_.spread_capacity);
    const auto at = std::lower_bound(routes_.begin(), routes_.end(), route, [](const Route& x, const Route& y) {
      return std::tie(x.symbol, x.venues) < std::tie(y.symbol, y.venues);
    });
    routes_.insert(at, std::move(route));
  }
}

void BreakerInputs::on_book(const md::OrderBook& book, MonoTime now) {
  const std::size_t index = stream_of(book.spec());
  if (index == streams_.size()) {
    ++ignored_books_;
    return;
  }
  Stream& stream = streams_[index];
  if (stream.seen) {
    stream.gaps_ms[stream.next] = std::max(0.0, ms_between(stream.last_message, now));
    stream.next = (stream.next + 1) % kGapSamples;
    stream.count = std::min(stream.count + 1, kGapSamples);
  }
  stream.seen = true;
  stream.last_message = now;
  const auto mid = book.valid() ? book.mid_price() : std::nullopt;
  stream.mid = mid && std::isfinite(*mid) && *mid > 0 ? *mid : 0.0;
  if (stream.mid > 0) sample_spreads(index, now);
}

void BreakerInputs::sample_spreads(std::size_t stream, MonoTime now) {
  for (Route& route : routes_) {
    if (route.a != stream && route.b != stream) continue;
    const double mid_a = streams_[route.a].mid;
    const double mid_b = streams_[route.b].mid;
    if (!(mid_a > 0) || !(mid_b > 0)) continue;
    route.ring[route.next] = {now, (mid_a - mid_b) / mid_b * kBps};
    route.next = (route.next + 1) % route.ring.size();
    route.count = std::min(route.count + 1, route.ring.size());
  }
}

double BreakerInputs::spread_std_bps(const Route& route, MonoTime now) const {
  // Two passes over the window, newest first: the mean, then the squared deviations.
  const std::size_t size = route.ring.size();
  const auto sample = [&](std::size_t i) -> const SpreadSample& { return route.ring[(route.next + size - 1 - i) % size]; };
  std::size_t n = 0;
  double sum = 0;
  while (n < route.count && now - sample(n).at < config_.window) sum += sample(n++).bps;
  if (n < 2) return 0;
  const double mean = sum / static_cast<double>(n);
  double squares = 0;
  for (std::size_t i = 0; i < n; ++i) squares += (sample(i).bps - mean) * (sample(i).bps - mean);
  return std::sqrt(squares / static_cast<double>(n));
}

void BreakerInputs::refresh_streams(const BookBoard& books) {
  for (Stream& stream : streams_) {
    const md::OrderBook* book = books.find(stream.venue, stream.symbol);
    if (book == nullptr || !book->valid()) stream.mid = 0;  // a book the feed gave up on
    stream.gap_p95_ms = 0;
    if (stream.count == 0) continue;
    std::copy_n(stream.gaps_ms.begin(), stream.count, scratch_.begin());
    const auto nth = scratch_.begin() + static_cast<std::ptrdiff_t>(exec::nearest_rank_index(stream.count, 95));
    std::nth_element(scratch_.begin(), nth, scratch_.begin() + static_cast<std::ptrdiff_t>(stream.count));
    stream.gap_p95_ms = *nth;
  }
}

double BreakerInputs::gap_p95_ms(std::string_view venue) const {
  double worst = 0;
  for (const Stream& stream : streams_) {
    if (stream.venue == venue) worst = std::max(worst, stream.gap_p95_ms);
  }
  return worst;
}

void BreakerInputs::fill_route(const Route& route, const BookBoard& books, PolicyStage& features, MonoTime now,
                               scripting::BreakerMetrics& m) const {
  m.symbol = route.symbol;
  m.venues = route.venues;
  m.spread_std_bps = spread_std_bps(route, now);
  for (const std::size_t index : {route.a, route.b}) {
    const Stream& stream = streams_[index];
    const md::OrderBook& book = *books.find(stream.venue, stream.symbol);
    m.book_staleness_ms = std::max(m.book_staleness_ms, ms_between(book.last_update(), now));
    m.ws_gap_ms_p95 = std::max(m.ws_gap_ms_p95, stream.gap_p95_ms);
    if (book.crossed() || books.invalid_reason(stream.venue, stream.symbol).find("crossed") != std::string_view::npos) {
      m.crossed_books += 1;
    }
    scripting::RegimeFeatures f;
    if (features.features_of(stream.venue, stream.symbol, now, f)) {
      m.volatility_bps = std::max(m.volatility_bps, f.realised_vol_bps);
    }
    const venues::FundingInfo* funding = books.funding(stream.venue, stream.symbol);
    if (funding == nullptr) continue;
    const double mark = funding->mark_price.to_double();
    const double index_price = funding->index_price.to_double();
    const double mid = book.valid() ? book.mid_price().value_or(0) : 0;
    m.mark_index_divergence_bps = std::max(m.mark_index_divergence_bps, divergence_bps(mark, index_price));
    m.mark_last_divergence_bps = std::max(m.mark_last_divergence_bps, divergence_bps(mark, mid));
    m.basis_bps = std::max(m.basis_bps, divergence_bps(mid, index_price));
    const double rate = funding->funding_rate.to_double();
    if (std::isfinite(rate)) m.funding_rate_abs_bps = std::max(m.funding_rate_abs_bps, std::fabs(rate) * kBps);
  }
}

double BreakerInputs::depeg_bps(const BookBoard& books, const std::vector<std::string>& venues,
                                const std::vector<std::string>& symbols) const {
  double worst = 0;
  for (const std::string& symbol : symbols) {
    if (!is_stablecoin_pair(symbol)) continue;
    for (const std::string& venue : venues) {
      const md::OrderBook* book = books.find(venue, symbol);
      if (book == nullptr || !book->valid()) continue;
      worst = std::max(worst, divergence_bps(book->mid_price().value_or(0), 1.0));
    }
  }
  return worst;
}

void BreakerInputs::collect(const BookBoard& books, PolicyStage& features, const DeskBreakerFigures& desk,
                            const std::vector<std::string>& venues, const std::vector<std::string>& symbols,
                            MonoTime now, std::vector<scripting::BreakerMetrics>& out) {
  refresh_streams(books);
  std::size_t used = 0;
  scripting::BreakerMetrics& global = next_slot(out, used, scripting::BreakerScope::global);
  global.drawdown_usdt = desk.drawdown_usdt;
  global.reject_rate = desk.reject_rate;
  global.cancel_fail_rate = desk.cancel_fail_rate;
  global.hedge_latency_ms_p95 = desk.hedge_latency_ms_p95;
  global.hedge_latency_ms_p99 = desk.hedge_latency_ms_p99;
  global.consecutive_losses = desk.consecutive_losses;
  global.loss_today_usdt = desk.loss_today_usdt;
  global.depeg_bps = depeg_bps(books, venues, symbols);
  for (const std::string& venue : venues) {
    for (const std::string& symbol : symbols) {
      const md::OrderBook* book = books.find(venue, symbol);
      if (book == nullptr || !book->valid()) continue;
      global.ws_gap_ms = std::max(global.ws_gap_ms, ms_between(book->last_update(), now));
    }
  }
  // `out` may grow below: from here on the global snapshot is out.front().
  double staleness = 0;
  for (const Route& route : routes_) {
    const Stream& a = streams_[route.a];
    const Stream& b = streams_[route.b];
    if (!listed(symbols, route.symbol) || !listed(venues, a.venue) || !listed(venues, b.venue)) continue;
    if (books.find(a.venue, a.symbol) == nullptr || books.find(b.venue, b.symbol) == nullptr) continue;
    scripting::BreakerMetrics& m = next_slot(out, used, scripting::BreakerScope::route);
    fill_route(route, books, features, now, m);
    m.depeg_bps = out.front().depeg_bps;
    staleness = std::max(staleness, m.book_staleness_ms);
  }
  out.front().book_staleness_ms = staleness;
  out.resize(used);
}

}  // namespace propbot::engine
