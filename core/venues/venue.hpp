// Venue: the one interface between the core and an exchange (SPEC S-2.1). Today it
// carries the market-data half only — instruments and a stream of book updates —
// which is what the walking skeleton needs; order entry, the private stream and the
// common error enum arrive with the venues issue and extend this same interface, so
// the engine keeps talking to `Venue` whatever sits behind it (the random-walk
// simulator now, the Binance/OKX adapters and the protocol simulator later).
//
// Thread: every call, and every listener callback, happens on the engine thread.
#pragma once

#include <string>
#include <vector>

#include "core/md/instrument.hpp"
#include "core/md/order_book.hpp"

namespace propbot::venues {

class MarketDataListener {
 public:
  virtual ~MarketDataListener() = default;
  // The book changed. The reference is valid only for the duration of the call.
  virtual void on_book(const md::OrderBook& book) = 0;
};

class Venue {
 public:
  virtual ~Venue() = default;
  virtual const std::string& id() const = 0;
  virtual const std::vector<md::InstrumentSpec>& instruments() const = 0;
  // Starts publishing to `listener`, which must outlive stop().
  virtual void start(MarketDataListener& listener) = 0;
  // Stops publishing; no callback runs after it returns.
  virtual void stop() = 0;
};

}  // namespace propbot::venues
