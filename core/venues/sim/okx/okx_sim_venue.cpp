// The OKX frontend's lifecycle and admin side: construction (instruments with their
// contract values, the market maker's account), accounts, the fault plan (through the
// fault gate), describe() and the factory make_okx_venue.

#include "core/venues/sim/okx/okx_sim_venue.hpp"

#include <stdexcept>

#include "core/venues/okx/symbols.hpp"
#include "core/venues/sim/okx/frontend.hpp"

namespace propbot::venues::sim::okx_frontend {

namespace {

std::string default_contract_value_base(const std::string& canonical) {
  const std::string base = canonical.substr(0, canonical.find('-'));
  if (base == "BTC") return "0.01";
  if (base == "ETH") return "0.1";
  return "1";
}

// The engine keeps config.max_closed_orders closed orders per book and reports each one
// it forgets into `forgotten`, so that the frontend's extras_ stay as bounded.
ExchangeConfig exchange_config(const SimVenueConfig& config, std::vector<OrderKey>& forgotten) {
  ExchangeConfig out;
  out.matching.max_closed_orders = config.max_closed_orders;
  out.matching.on_forget = [&forgotten](const std::string&, const OrderState& order) {
    forgotten.emplace_back(order.symbol, order.venue_order_id);
  };
  return out;
}

}  // namespace

OkxSimVenue::OkxSimVenue(const SimVenueConfig& config, const Clock& clock)
    : config_(config),
      clock_(clock),
      core_(exchange_config(config_, forgotten_orders_)),
      rng_(config.seed),
      order_log_(config.max_order_log_records) {
  for (const InstrumentRules& rules : config.instruments) {
    auto inst_id = venues::okx::to_inst_id(rules.symbol);
    if (!inst_id) throw std::invalid_argument("okx sim: " + inst_id.error().message);
    Instrument instrument;
    instrument.rules = rules;
    instrument.inst_id = *inst_id;
    instrument.ct_val = rules.contract_multiplier == Decimal::from_mantissa(1, 0)
                            ? *Decimal::parse(default_contract_value_base(rules.symbol))
                            : rules.contract_multiplier;
    instrument.lot_sz = wire::base_to_contracts(rules.step, instrument.ct_val);
    instrument.min_sz = wire::base_to_contracts(rules.min_qty, instrument.ct_val);
    core_.add_instrument(rules);
    by_inst_id_[instrument.inst_id] = rules.symbol;
    instruments_[rules.symbol] = std::move(instrument);
    markets_[rules.symbol] = MarketState{};
  }
  std::vector<Event> ignored;
  core_.open_account(config_.market_maker_account, Decimal::from_mantissa(1'000'000'000, 0), clock_.utc(), ignored,
                     /*margin_exempt=*/true);
  core_.set_quiet(config_.market_maker_account, true);
}

Status OkxSimVenue::create_account(const SimAccountSpec& spec) {
  std::lock_guard lock(mutex_);
  if (spec.api_key.empty() || spec.api_secret.empty()) {
    return make_error(Errc::invalid_argument, "okx sim: api_key and api_secret are required");
  }
  if (credentials_.count(spec.api_key)) {
    return make_error(Errc::already_exists, "okx sim: api key already registered");
  }
  Decimal usdt;
  if (auto it = spec.balances.find("USDT"); it != spec.balances.end()) usdt = it->second;
  std::vector<Event> events;
  if (!core_.open_account(spec.api_key, usdt, clock_.utc(), events)) {
    return make_error(Errc::already_exists, "okx sim: account already exists");
  }
  credentials_[spec.api_key] = ApiCredentials{spec.api_secret, spec.passphrase, spec.api_key};
  return {};
}

FaultPlan OkxSimVenue::faults() const {
  std::lock_guard lock(mutex_);
  return faults_.plan();
}

void OkxSimVenue::set_faults(const FaultPlan& plan) {
  std::vector<std::shared_ptr<net::WebSocketSession>> to_close;
  {
    std::lock_guard lock(mutex_);
    if (faults_.set(plan)) {
      for (auto& [id, session] : sessions_) to_close.push_back(session.socket);
      ++counters_.disconnects;
    }
  }
  for (auto& socket : to_close) socket->close(1001, "simulated disconnect");
}

json OkxSimVenue::describe() const {
  std::lock_guard lock(mutex_);
  const UtcTime now = clock_.utc();
  json out;
  out["name"] = config_.name;
  out["protocol"] = "okx";
  out["instruments"] = json::array();
  for (const auto& [symbol, instrument] : instruments_) out["instruments"].push_back(instrument_json(instrument));
  out["accounts"] = json::array();
  for (const auto& [key, creds] : credentials_) {
    json account;
    account["account"] = creds.account;
    account["balance"] = balance_json(creds.account, now);
    account["positions"] = positions_json(creds.account, std::nullopt, now);
    json orders = json::array();
    for (const OrderState& order : core_.open_orders(creds.account))
      orders.push_back(order_json(creds.account, order, false));
    account["open_orders"] = orders;
    if (auto it = dead_man_.find(creds.account); it != dead_man_.end())
      account["cancel_all_after_ms"] = wire::ms_text(it->second);
    out["accounts"].push_back(account);
  }
  out["faults"] = faults_.describe();
  out["faults"]["partial_fill_ratio_emulated"] = "gtc limit orders against the market model";
  const std::optional<UtcTime> banned_until = faults_.banned_until<UtcTime>();
  out["counters"] = {
      {"requests", counters_.requests},           {"orders", counters_.orders},
      {"rate_limited", faults_.throttled_answers() + faults_.banned_answers()},   {"auth_failures", counters_.auth_failures},
      {"ws_sessions", sessions_.size()},          {"ws_disconnects", counters_.disconnects},
      {"dropped_diffs", faults_.dropped_diffs()}, {"banned", banned_until.has_value() && now < *banned_until},
      {"funding_settlements_skipped", faults_.skipped_fundings()}};
  if (banned_until) out["counters"]["banned_until_ms"] = wire::ms_text(*banned_until);
  out["retained_order_records"] = retained_order_records();
  out["order_log"] = {
      {"records", order_log_.size()}, {"capacity", order_log_.capacity()}, {"dropped", order_log_.dropped()}};
  return out;
}

std::optional<json> OkxSimVenue::accepted_orders() const {
  std::lock_guard lock(mutex_);
  return order_log_.to_json();
}

json OkxSimVenue::retained_order_records() const {
  std::size_t closed_orders = 0;
  for (const auto& [symbol, instrument] : instruments_) {
    if (const OrderBookEngine* book = core_.book(symbol)) closed_orders += book->closed_order_count();
  }
  return json{{"max_closed_orders", config_.max_closed_orders},
              {"closed_orders", closed_orders},
              {"order_extras", extras_.size()},
              {"post_only_cancels", synthetic_.size()}};
}

}  // namespace propbot::venues::sim::okx_frontend

namespace propbot::venues::sim {

std::unique_ptr<SimulatedVenue> make_okx_venue(const SimVenueConfig& config, const Clock& clock) {
  return std::make_unique<okx_frontend::OkxSimVenue>(config, clock);
}

}  // namespace propbot::venues::sim
