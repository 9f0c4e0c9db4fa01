// RecordedMarket: a MarketView over copies of real books taken at one instant — what
// the validator dry-runs a new strategy on before it may replace a running one (SPEC
// S-7.5 "a dry run of each script on a recorded market snapshot"). The engine records
// one with every snapshot it publishes; tests build one from fixtures.
//
// A plain value: copy it, read it from any thread. restamp() moves every book's update
// time to a new clock (the validator's simulated clock), so ages read as fresh there.
// Uses: core/md (OrderBook), market_view.hpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/clock.hpp"
#include "scripting/market_view.hpp"

namespace propbot::scripting {

class RecordedMarket final : public MarketView {
 public:
  RecordedMarket() = default;
  RecordedMarket(std::vector<std::string> venues, UtcTime recorded_at);

  // Keeps a copy of a valid book (an invalid one is not worth a dry run).
  void add(const md::OrderBook& book);
  void add_funding(std::string_view venue, std::string_view symbol, FundingView funding);
  void restamp(MonoTime now);

  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override;
  const std::vector<std::string>& venue_ids() const override { return venues_; }
  std::optional<FundingView> funding(std::string_view venue, std::string_view symbol) const override;

  using FundingEntry = std::pair<std::pair<std::string, std::string>, FundingView>;  // {{venue, symbol}, funding}

  const std::vector<md::OrderBook>& books() const { return books_; }
  const std::vector<FundingEntry>& funding_entries() const { return funding_; }
  UtcTime recorded_at() const { return recorded_at_; }
  bool empty() const { return books_.empty(); }

 private:
  std::vector<std::string> venues_;
  std::vector<md::OrderBook> books_;
  std::vector<FundingEntry> funding_;
  UtcTime recorded_at_{};
};

}  // namespace propbot::scripting
