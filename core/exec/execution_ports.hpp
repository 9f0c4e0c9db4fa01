// The executor's seams: what it needs of the desk (mode, dry run, the one safety-action
// function, audit), of the market (books, for prices and the instrument rules), and who
// hears about its executions (the ledger, the strategies' on_fill). The Engine plugs the
// control plane and its book board in; tests and replays plug scripted ones.
//
// Thread: every call on the executor's driving thread (the engine's). Implementations
// that hand work to other threads do so themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/decimal.hpp"
#include "core/common/incident_code.hpp"
#include "core/common/mode.hpp"
#include "core/common/side.hpp"
#include "core/exec/journal.hpp"
#include "core/md/order_book.hpp"

namespace propbot::venues {
class Venue;
}

namespace propbot::exec {

class ExecutionDesk {
 public:
  virtual ~ExecutionDesk() = default;
  virtual Mode mode() const = 0;
  virtual bool dry_run_mode() const = 0;
  // The one safety-action function (SPEC S-4.3): audit + incident + alert + stream
  // event; a P0 also puts the desk in HOLD.
  virtual void safety_action(IncidentCode code, const std::string& component, const std::string& summary) = 0;
  // An audit-only record (route_decision, recon results).
  virtual void audit(const std::string& action, const nlohmann::json& details) = 0;
  // Start-up reconciliation ended: `clean` = every journal entry explained; resume is
  // refused (409 recon_pending) until a clean one.
  virtual void recon_finished(bool clean, const std::string& summary) = 0;
  // Why the risk governor keeps `venue` out of routing now (clock skew, a maintenance
  // window), or nullopt. The router rejects such a venue for an entry leg.
  virtual std::optional<std::string> venue_block(std::string_view /*venue*/) const { return std::nullopt; }
};

// Dry run (SPEC S-1.2 dry_run_mode, S-8.7): the paper twin of each venue, where every
// order of a `simulated` trade goes instead of the venue. A twin answers with the
// venue's id; its private events come back through the executor's on_order_update /
// on_fill like the venue's, on the driving thread. Whoever owns the twins feeds them
// the venue's books (on_book) and starts and stops them.
class TwinVenues {
 public:
  virtual ~TwinVenues() = default;
  // The twin of `venue`; null when it has none (a simulated order there is refused).
  virtual venues::Venue* twin(std::string_view venue) const = 0;
  // Every twin, in venue order (cancel_all and hedge_flatten sweep them too).
  virtual std::vector<venues::Venue*> all() const = 0;
  // A book the engine received from the real venue (invalid ones included: ignored).
  // Mirroring a book costs tens of microseconds, so the engine hands books over only
  // while dry run is on or working() says a twin's order needs them.
  virtual void on_book(const md::OrderBook& book) = 0;
  virtual bool working() const = 0;
};

class MarketLookup {
 public:
  virtual ~MarketLookup() = default;
  // The engine's current copy of a book; null when unknown. Valid until the next event.
  virtual const md::OrderBook* book(std::string_view venue, std::string_view symbol) const = 0;
};

// An open position a strategy may close (the ledger's view): its id and the signed base
// quantity it holds on each venue.
struct ClosablePosition {
  std::uint64_t position_id = 0;
  bool simulated = false;  // a dry-run position: it is closed at the venues' twins
  std::vector<std::pair<std::string, Decimal>> held;  // (venue, signed qty)
  Decimal on(std::string_view venue) const {
    for (const auto& [id, qty] : held) {
      if (id == venue) return qty;
    }
    return Decimal();
  }
};

class PositionLookup {
 public:
  virtual ~PositionLookup() = default;
  // The strategy's open position on `symbol` holding legs on both venues, if any.
  virtual std::optional<ClosablePosition> closable(std::string_view strategy, std::string_view symbol,
                                                   std::string_view venue_a, std::string_view venue_b) const = 0;
  // The one unfinished position holding `symbol` on `venue` — among the simulated ones
  // when `simulated` (a twin's flatten), else among the real ones (a flatten order is
  // attributed to it, so the position closes); 0 when none or several do.
  virtual std::uint64_t holder(std::string_view /*venue*/, std::string_view /*symbol*/, bool /*simulated*/) const {
    return 0;
  }
  // Hedged pairs whose legs differ by more than a lot and whose hedge was not declared
  // lost: a crash interrupted their hedge after every order of it had ended (start-up
  // reconciliation finishes them).
  virtual std::vector<std::uint64_t> unhedged() const { return {}; }
  // The desk's real open notional on `venue` (Σ |net qty| × mark over its symbols): the
  // router's cap headroom is the per-venue cap less this.
  virtual double venue_notional_usdt(std::string_view /*venue*/) const { return 0; }
  // The signed quantity (+ long, − short) the strategy's unfinished positions hold on
  // (venue, symbol), simulated ones included; nullopt when unknown. A reduce-only single
  // order is sized to it and refused when it would not reduce it.
  virtual std::optional<Decimal> strategy_holding(std::string_view /*strategy*/, std::string_view /*venue*/,
                                                  std::string_view /*symbol*/) const {
    return std::nullopt;
  }
};

// One leg of a trade the executor opened, as the ledger sees it.
struct TradeLeg {
  std::string venue;
  Leg leg = Leg::single;
  Side side = Side::buy;   // buy = long leg, sell = short leg
  Decimal target_quantity;  // base coin
};

struct TradeOpening {
  std::uint64_t position_id = 0;  // = the opening intent's id
  std::string strategy;
  std::string symbol;
  std::int64_t opened_at_ms = 0;
  bool simulated = false;
  std::vector<TradeLeg> legs;
};

class ExecutionListener {
 public:
  virtual ~ExecutionListener() = default;
  // A trade's first order is about to be sent.
  virtual void on_trade_opened(const TradeOpening&) {}
  // A fill recorded in the journal (never a duplicate), attributed to its order.
  virtual void on_fill(const FillEntry&) {}
  // An order reached its final event (filled, cancelled, rejected, expired), as journaled:
  // the transaction-cost figures count it (maker fill rate, reject rate).
  virtual void on_order_final(const OrderEntry&) {}
  // The executor starts closing the position.
  virtual void on_closing(std::uint64_t /*position_id*/) {}
  // A hedge could not be completed: the position is `partial`.
  virtual void on_hedge_lost(std::uint64_t /*position_id*/, const std::string& /*reason*/) {}
};

}  // namespace propbot::exec
