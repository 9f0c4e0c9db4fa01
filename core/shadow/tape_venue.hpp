// TapeVenue: a venues::Venue that plays recorded market data (a MarketTapeView's events)
// to the engine, for the shadow replay (shadow_replay.hpp). Its instruments are the
// tape's for its venue id; the replay driver hands it each event when the SimClock has
// reached the event's time, and it delivers the book (rebuilt from the recorded levels)
// or the funding update to the engine's listener, like a live feed would.
//
// It never trades: every order-entry and account call answers a `rejected` error (the
// shadow engine has no journal and only proposes). server_time answers the clock's UTC,
// so the engine's clock-skew probe measures no skew.
//
// Thread: the replay's driving thread only. Uses: core/venues, core/md, core/engine
// (TapeEvent).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/engine/market_tape.hpp"
#include "core/venues/venue.hpp"

namespace propbot::shadow {

class TapeVenue final : public venues::Venue {
 public:
  TapeVenue(std::string id, std::vector<md::InstrumentSpec> instruments, const Clock& clock);

  // Delivers one recorded event of this venue (`spec` is its instrument) to the listener.
  void deliver(const engine::TapeEvent& event, const engine::TapeBlock& block, const md::InstrumentSpec& spec);

  const std::string& id() const override { return id_; }
  const std::vector<md::InstrumentSpec>& instruments() const override { return instruments_; }
  void start(venues::MarketDataListener& listener) override { market_ = &listener; }
  void start(venues::MarketDataListener& market, venues::PrivateListener& account) override;
  void stop() override { market_ = nullptr; }

  void place(const venues::OrderRequest&, venues::VenueCallback<venues::OrderState> done) override;
  void place_batch(const std::vector<venues::OrderRequest>& requests,
                   venues::VenueCallback<std::vector<venues::VenueResult<venues::OrderState>>> done) override;
  void cancel(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override;
  void cancel_all(const std::string&, venues::VenueCallback<int> done) override;
  void query_order(const std::string&, const std::string&, venues::VenueCallback<venues::OrderState> done) override;
  void open_orders(const std::optional<std::string>&, venues::VenueCallback<std::vector<venues::OrderState>> done) override;
  void positions(venues::VenueCallback<std::vector<venues::Position>> done) override;
  void balances(venues::VenueCallback<std::vector<venues::Balance>> done) override;
  void server_time(venues::VenueCallback<UtcTime> done) override { done(clock_.utc()); }
  bool supports_batch() const override { return false; }

 private:
  std::string id_;
  std::vector<md::InstrumentSpec> instruments_;
  const Clock& clock_;
  venues::MarketDataListener* market_ = nullptr;
  std::map<std::string, md::OrderBook> books_;  // per symbol, reused for every update
};

}  // namespace propbot::shadow
