// ScriptedMarket: the market a strategy test sets up by hand (scripting/
// strategy_test_harness.hpp) — books built from prices and depth, funding, regimes and
// positions, each set and replaced by the test between calls. Implements MarketView
// and PositionView, so a StrategyRunner reads it exactly as it reads the engine's.
//
// Guarantees: a book set for (venue, symbol) replaces the previous one (same
// OrderBook when the tick is unchanged, so sequence numbers keep increasing); lots are
// kLot base units; nothing is kept beyond what the test set (the maps grow with the
// keys a test uses, no further). Venues default to SIM-A, SIM-B.
//
// Uses: core/md (OrderBook), market_view.hpp. Thread: the test's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "scripting/market_view.hpp"

namespace propbot::scripting {

class ScriptedMarket final : public MarketView, public PositionView {
 public:
  static constexpr double kLot = 0.0001;  // base units per lot of every scripted book

  ScriptedMarket();

  void set_venues(std::vector<std::string> venues) { venues_ = std::move(venues); }
  // A snapshot of (venue, symbol) with levels in ticks of `tick` and lots of kLot,
  // updated at `at` (its age is measured from there).
  void set_book(const std::string& venue, const std::string& symbol, double tick,
                const std::vector<md::BookLevel>& bids, const std::vector<md::BookLevel>& asks, MonoTime at);
  void remove_book(const std::string& venue, const std::string& symbol);
  void set_funding(const std::string& venue, const std::string& symbol, FundingView view);
  void set_regime(const std::string& symbol, RegimeView view);
  void set_position(const std::string& venue, const std::string& symbol, double qty);

  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override;
  const std::vector<std::string>& venue_ids() const override { return venues_; }
  std::optional<FundingView> funding(std::string_view venue, std::string_view symbol) const override;
  std::optional<RegimeView> regime(std::string_view symbol) const override;
  double position(std::string_view venue, std::string_view symbol) const override;

 private:
  static std::string key(std::string_view venue, std::string_view symbol);

  std::vector<std::string> venues_;
  std::map<std::string, std::unique_ptr<md::OrderBook>> books_;
  std::map<std::string, FundingView> funding_;
  std::map<std::string, RegimeView> regimes_;
  std::map<std::string, double> positions_;
  std::uint64_t sequence_ = 0;
};

}  // namespace propbot::scripting
