// AccountVenue: a venue whose account a test scripts — the positions, open orders,
// balances, trade history and funding history it reports, answered at once. Order entry
// and market data are not used by the recon daemon and answer nothing useful.
#pragma once

#include <string>
#include <vector>

#include "core/venues/venue.hpp"

namespace propbot::ledger::testing {

class AccountVenue final : public venues::Venue {
 public:
  explicit AccountVenue(std::string id) : id_(std::move(id)) {
    md::InstrumentSpec spec;
    spec.venue = id_;
    spec.symbol = "BTC-USDT";
    spec.lot_size = 0.001;
    instruments_.push_back(spec);
  }
  const std::string& id() const override { return id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override { return instruments_; }
  void start(venues::MarketDataListener&) override {}
  void start(venues::MarketDataListener&, venues::PrivateListener&) override {}
  void stop() override {}
  void place(const venues::OrderRequest&, venues::VenueCallback<venues::OrderState> done) override { done(unsupported()); }
  void place_batch(const std::vector<venues::OrderRequest>&,
                   venues::VenueCallback<std::vector<venues::VenueResult<venues::OrderState>>> done) override {
    done(unsupported());
  }
  void cancel(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override {
    done(unsupported());
  }
  void cancel_all(const std::string&, venues::VenueCallback<int> done) override { done(unsupported()); }
  void query_order(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override {
    done(unsupported());
  }
  void open_orders(const std::optional<std::string>&, venues::VenueCallback<std::vector<venues::OrderState>> done) override {
    ++queries;
    if (failing) return done(network());
    done(orders);
  }
  void positions(venues::VenueCallback<std::vector<venues::Position>> done) override {
    ++queries;
    if (failing) return done(network());
    done(held);
  }
  void balances(venues::VenueCallback<std::vector<venues::Balance>> done) override {
    ++queries;
    if (failing) return done(network());
    done(std::vector<venues::Balance>{venues::Balance{"USDT", wallet, wallet, {}}});
  }
  void server_time(venues::VenueCallback<UtcTime> done) override { done(UtcTime{}); }
  bool supports_batch() const override { return false; }
  void fills_since(const std::string& symbol, UtcTime, venues::VenueCallback<std::vector<venues::Fill>> done) override {
    ++trade_queries;
    std::vector<venues::Fill> out;
    for (const auto& fill : trades) {
      if (fill.symbol == symbol) out.push_back(fill);
    }
    done(out);
  }
  void funding_since(UtcTime, venues::VenueCallback<std::vector<venues::FundingPayment>> done) override {
    done(funding);
  }

  void hold(std::string_view quantity) {
    held = {venues::Position{"BTC-USDT", *Decimal::parse(quantity), {}, {}, {}, {}, {}, {}}};
  }

  std::vector<venues::Position> held;
  std::vector<venues::OrderState> orders;
  std::vector<venues::Fill> trades;
  std::vector<venues::FundingPayment> funding;
  Decimal wallet = Decimal::from_mantissa(1000, 0);
  bool failing = false;
  int queries = 0;
  int trade_queries = 0;

 private:
  static venues::VenueError unsupported() {
    return venues::VenueError{venues::VenueErrc::rejected, "UNSUPPORTED", "not scripted", 0, std::nullopt};
  }
  static venues::VenueError network() {
    return venues::VenueError{venues::VenueErrc::network, "", "scripted outage", 0, std::nullopt};
  }
  std::string id_;
  std::vector<md::InstrumentSpec> instruments_;
};

}  // namespace propbot::ledger::testing
