// The Binance frontend's lifecycle and admin side: construction (instruments, the
// market maker's account), accounts, the fault plan (through the fault gate), describe()
// and the factory make_binance_venue.

#include "core/venues/sim/binance/binance_sim_venue.hpp"

#include <algorithm>
#include <cctype>

#include "core/venues/sim/binance/frontend.hpp"

namespace propbot::venues::sim::binance_frontend {

namespace {

ExchangeConfig exchange_config(const SimVenueConfig& config) {
  ExchangeConfig out;
  out.matching.max_closed_orders = config.max_closed_orders;
  return out;
}

}  // namespace

BinanceSimVenue::BinanceSimVenue(const SimVenueConfig& config, const Clock& clock)
    : config_(config),
      clock_(clock),
      core_(exchange_config(config)),
      rng_(config.seed),
      order_log_(config.max_order_log_records) {
  std::vector<Event> ignored;
  for (const auto& rules : config.instruments) {
    core_.add_instrument(rules);
    SymbolState state;
    state.rules = rules;
    state.venue_symbol = wire::venue_symbol(rules.symbol);
    auto stream = bn::to_stream_symbol(rules.symbol);
    state.stream_symbol = stream ? *stream : state.venue_symbol;
    if (!stream) std::transform(state.stream_symbol.begin(), state.stream_symbol.end(), state.stream_symbol.begin(),
                                [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    by_venue_symbol_[state.venue_symbol] = rules.symbol;
    symbols_.emplace(rules.symbol, std::move(state));
  }
  core_.open_account(config.market_maker_account, Decimal::from_mantissa(1'000'000'000, 0), clock_.utc(), ignored,
                     /*margin_exempt=*/true);
  core_.set_quiet(config.market_maker_account, true);
}

Status BinanceSimVenue::create_account(const SimAccountSpec& spec) {
  std::lock_guard lock(mutex_);
  if (spec.api_key.empty() || spec.api_secret.empty()) {
    return make_error(Errc::invalid_argument, "a Binance account needs an api_key and an api_secret");
  }
  if (accounts_by_key_.count(spec.api_key)) {
    return make_error(Errc::already_exists, "an account with this API key exists already");
  }
  AccountState account{"account-" + std::to_string(next_account_++), spec.api_key, spec.api_secret};
  Decimal usdt;
  if (auto it = spec.balances.find("USDT"); it != spec.balances.end()) usdt = it->second;
  std::vector<Event> events;
  if (!core_.open_account(account.id, usdt, clock_.utc(), events)) {
    return make_error(Errc::already_exists, "account " + account.id + " exists already");
  }
  account_ids_[account.id] = spec.api_key;
  accounts_by_key_.emplace(spec.api_key, std::move(account));
  return {};
}

FaultPlan BinanceSimVenue::faults() const {
  std::lock_guard lock(mutex_);
  return faults_.plan();
}

void BinanceSimVenue::set_faults(const FaultPlan& plan) {
  std::lock_guard lock(mutex_);
  if (faults_.set(plan)) close_all_sessions();
}

json BinanceSimVenue::describe() const {
  std::lock_guard lock(mutex_);
  const UtcTime utc = clock_.utc();
  json accounts = json::array();
  for (const auto& [key, account] : accounts_by_key_) {
    json positions = json::array();
    for (const auto& p : core_.positions(account.id)) {
      positions.push_back({{"symbol", p.symbol},
                           {"quantity", p.quantity.to_string()},
                           {"entry_price", p.entry_price.to_string()},
                           {"unrealized_pnl", p.unrealized_pnl.to_string()}});
    }
    json balances = json::array();
    for (const auto& b : core_.balances(account.id, utc)) {
      balances.push_back({{"asset", b.asset}, {"wallet", b.wallet.to_string()}, {"available", b.available.to_string()}});
    }
    accounts.push_back({{"account", account.id},
                        {"api_key_prefix", key.substr(0, std::min<std::size_t>(6, key.size()))},
                        {"balances", balances},
                        {"positions", positions},
                        {"open_orders", core_.open_orders(account.id).size()}});
  }
  json books = json::object();
  for (const auto& [canonical, s] : symbols_) {
    books[canonical] = {{"last_update_id", s.last_update_id}, {"bid_levels", s.bids.size()}, {"ask_levels", s.asks.size()}};
  }
  return json{{"name", config_.name},
              {"protocol", "binance"},
              {"accounts", accounts},
              {"books", books},
              {"faults", faults_.describe()},
              {"counters",
               {{"requests", requests_},
                {"orders_placed", orders_placed_},
                {"orders_rejected", orders_rejected_},
                {"answered_429", faults_.throttled_answers()},
                {"answered_418", faults_.banned_answers()},
                {"diffs_published", diffs_published_},
                {"diffs_dropped", faults_.dropped_diffs()},
                {"funding_settlements_skipped", faults_.skipped_fundings()},
                {"ticks", ticks_},
                {"websocket_sessions", sessions_.size()},
                {"listen_keys", listen_keys_.size()},
                {"banned", faults_.banned_until<MonoTime>().has_value()}}},
              {"retained_order_records", retained_order_records()},
              {"order_log",
               {{"records", order_log_.size()}, {"capacity", order_log_.capacity()}, {"dropped", order_log_.dropped()}}},
              {"rate_limit_windows",
               {{"ip_weight", ip_weight_.keys()},
                {"orders_10s", orders_10s_.keys()},
                {"orders_1m", orders_1m_.keys()}}}};
}

std::optional<json> BinanceSimVenue::accepted_orders() const {
  std::lock_guard lock(mutex_);
  return order_log_.to_json();
}

json BinanceSimVenue::retained_order_records() const {
  std::size_t closed_orders = 0;
  for (const auto& [canonical, symbol] : symbols_) {
    if (const OrderBookEngine* book = core_.book(canonical)) closed_orders += book->closed_order_count();
  }
  return json{{"max_closed_orders", config_.max_closed_orders}, {"closed_orders", closed_orders}};
}

}  // namespace propbot::venues::sim::binance_frontend

namespace propbot::venues::sim {

std::unique_ptr<SimulatedVenue> make_binance_venue(const SimVenueConfig& config, const Clock& clock) {
  return std::make_unique<binance_frontend::BinanceSimVenue>(config, clock);
}

}  // namespace propbot::venues::sim
