#include "core/ledger/recon_compare.hpp"

#include <algorithm>

#include "core/common/clock.hpp"

namespace propbot::ledger {
namespace {

std::string text(const Decimal& value) { return value.normalized().to_string(); }

std::string order_text(std::string_view side, const Decimal& quantity, const Decimal& filled,
                       const std::optional<Decimal>& price, std::string_view status) {
  std::string out = std::string(side) + " " + text(quantity);
  if (price) out += " @ " + text(*price);
  out += ", filled " + text(filled) + ", " + std::string(status);
  return out;
}

bool rests(const exec::OrderEntry& order) {
  return order.time_in_force == venues::TimeInForce::gtc || order.time_in_force == venues::TimeInForce::post_only;
}

std::int64_t ms_of(UtcTime ts) { return to_unix_ms(ts); }

std::string iso_ms(std::int64_t unix_ms) { return format_iso8601_ms(UtcTime{std::chrono::milliseconds(unix_ms)}); }

}  // namespace

std::map<std::string, Decimal> net_by_symbol(const std::vector<venues::Position>& positions) {
  std::map<std::string, Decimal> net;
  for (const auto& position : positions) {
    auto sum = net[position.symbol].add(position.quantity);
    if (sum) net[position.symbol] = *sum;
  }
  return net;
}

void compare_positions(const CashLedger& ledger, const VenueReport& report, std::vector<ReconDiff>& out) {
  if (!report.positions) return;
  const std::map<std::string, Decimal> theirs = net_by_symbol(*report.positions);
  std::set<std::string> symbols;
  for (const auto& [symbol, qty] : theirs) symbols.insert(symbol);
  ledger.for_each_holding([&](const std::string& venue, const std::string& symbol, const NetHolding&) {
    if (venue == report.venue) symbols.insert(symbol);
  });
  for (const auto& symbol : symbols) {
    const Decimal ours = ledger.desk_position(report.venue, symbol);
    const auto found = theirs.find(symbol);
    const Decimal venue_qty = found == theirs.end() ? Decimal{} : found->second;
    if (ours == venue_qty) continue;
    const NetHolding* holding = ledger.holding(report.venue, symbol);
    std::string why = "the venue holds " + text(venue_qty) + " " + symbol + " but the desk's fills make " + text(ours);
    if (holding != nullptr && holding->foreign_fills > 0) {
      why += " (" + std::to_string(holding->foreign_fills) + " fill(s) under no order of the desk)";
    }
    out.push_back(ReconDiff{report.venue, symbol, ReconDiffKind::position, text(ours), text(venue_qty), {}, why});
  }
}

void compare_orders(const std::vector<exec::OrderEntry>& journal_open,
                    const std::function<bool(const std::string&)>& journal_knows_open, const VenueReport& report,
                    std::int64_t now_ms, const ReconTolerances& tolerances, std::vector<ReconDiff>& out) {
  if (!report.open_orders) return;
  std::set<std::string> listed;
  for (const auto& order : *report.open_orders) {
    listed.insert(order.client_order_id);
    if (!order.client_order_id.empty() && journal_knows_open(order.client_order_id)) continue;
    out.push_back(ReconDiff{report.venue, order.symbol, ReconDiffKind::order, "none",
                            order_text(to_string(order.side), order.quantity, order.filled_quantity, order.price,
                                       to_string(order.status)),
                            order.client_order_id.empty() ? "venue:" + order.venue_order_id : order.client_order_id,
                            "order " + (order.client_order_id.empty() ? order.venue_order_id : order.client_order_id) +
                                " is open at the venue but the journal does not hold it open"});
  }
  for (const auto& order : journal_open) {
    if (order.simulated || !rests(order) || listed.contains(order.client_order_id)) continue;
    if (order.event == exec::OrderEvent::intent) continue;  // not sent yet
    if (now_ms - order.ts_ms < tolerances.order_grace_ms) continue;
    out.push_back(ReconDiff{report.venue, order.symbol, ReconDiffKind::order,
                            order_text(to_string(order.side), order.quantity, order.filled_quantity, order.price,
                                       to_string(order.event)),
                            "none", order.client_order_id,
                            "order " + order.client_order_id +
                                " rests in the journal but the venue does not list it open"});
  }
}

void compare_balance(const CashLedger& ledger, const VenueReport& report, const ReconTolerances& tolerances,
                     std::vector<ReconDiff>& out) {
  if (!report.balances) return;
  const VenueCash* cash = ledger.cash(report.venue);
  if (cash == nullptr || !cash->has_opening) return;
  auto ours = cash->wallet();
  if (!ours) return;
  Decimal theirs;
  bool found = false;
  for (const auto& balance : *report.balances) {
    if (balance.asset == kCashAsset) {
      theirs = balance.wallet;
      found = true;
    }
  }
  auto gap = found ? theirs.sub(*ours) : ours->negated();
  if (!gap) return;
  auto size = gap->abs();
  if (size && *size <= tolerances.balance_usdt) return;
  out.push_back(ReconDiff{report.venue, {}, ReconDiffKind::balance, text(*ours), found ? text(theirs) : "none",
                          std::string(kCashAsset),
                          "the venue's " + std::string(kCashAsset) + " wallet is " + (found ? text(theirs) : "missing") +
                              " but the ledger makes it " + text(*ours) + " (opening " + text(cash->opening) +
                              " + realised − fees + funding + adjustments)"});
}

std::vector<std::string> compare_fees(const std::vector<UnverifiedFill>& fills, const VenueReport& report,
                                      std::int64_t now_ms, const ReconTolerances& tolerances,
                                      std::vector<ReconDiff>& out) {
  std::vector<std::string> verified;
  for (const auto& fill : fills) {
    const auto asked = report.trades.find(fill.symbol);
    if (asked == report.trades.end()) continue;  // not asked this pass
    const auto& trades = asked->second;
    const auto trade = std::find_if(trades.begin(), trades.end(),
                                    [&](const venues::Fill& t) { return t.trade_id == fill.trade_id; });
    if (trade == trades.end()) {
      if (now_ms - fill.ts_ms < tolerances.fee_grace_ms) continue;
      out.push_back(ReconDiff{report.venue, fill.symbol, ReconDiffKind::fee, text(fill.fee) + " " + fill.fee_asset,
                              "none", fill.trade_id,
                              "trade " + fill.trade_id + " is in the journal but not in the venue's trade history"});
      continue;
    }
    const bool same_asset = trade->fee_asset == fill.fee_asset || trade->fee_asset.empty() || fill.fee_asset.empty();
    if (trade->fee == fill.fee && same_asset) {
      verified.push_back(fill.trade_id);
      continue;
    }
    out.push_back(ReconDiff{report.venue, fill.symbol, ReconDiffKind::fee, text(fill.fee) + " " + fill.fee_asset,
                            text(trade->fee) + " " + trade->fee_asset, fill.trade_id,
                            "trade " + fill.trade_id + ": the journal's fee differs from the venue's trade record"});
  }
  return verified;
}

std::vector<std::size_t> compare_funding(const std::vector<FundingExpectation>& expected,
                                         const std::vector<venues::FundingPayment>& paid, std::int64_t now_ms,
                                         const ReconTolerances& tolerances, std::vector<ReconDiff>& out) {
  std::vector<std::size_t> met;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const FundingExpectation& due = expected[i];
    const bool found = std::any_of(paid.begin(), paid.end(), [&](const venues::FundingPayment& payment) {
      const std::int64_t at = ms_of(payment.ts);
      return payment.symbol == due.symbol && at >= due.settle_ms - tolerances.funding_match_window_ms &&
             at <= due.settle_ms + tolerances.funding_match_window_ms;
    });
    if (found) {
      met.push_back(i);
      continue;
    }
    if (now_ms - due.settle_ms < tolerances.funding_grace_ms) continue;
    out.push_back(ReconDiff{due.venue, due.symbol, ReconDiffKind::funding,
                            "payment due for position " + text(due.position), "none",
                            iso_ms(due.settle_ms),
                            "the desk held " + text(due.position) + " " + due.symbol + " over the funding settlement at " +
                                iso_ms(due.settle_ms) +
                                " but the venue's history has no payment for it"});
  }
  return met;
}

void check_neutrality(const std::map<std::string, Decimal>& venue_net, const std::map<std::string, Decimal>& intended,
                      const std::map<std::string, Decimal>& tolerance, const std::set<std::string>& skip,
                      std::vector<ReconDiff>& out) {
  for (const auto& [symbol, net] : venue_net) {
    if (skip.contains(symbol)) continue;
    const auto meant = intended.find(symbol);
    const Decimal directional = meant == intended.end() ? Decimal{} : meant->second;
    auto gap = net.sub(directional);
    if (!gap) continue;
    auto size = gap->abs();
    const auto allowed = tolerance.find(symbol);
    const Decimal limit = allowed == tolerance.end() ? Decimal{} : allowed->second;
    if (!size || *size <= limit) continue;
    out.push_back(ReconDiff{std::string(kDeskVenue), symbol, ReconDiffKind::position,
                            "net " + text(directional), "net " + text(net), "unhedged",
                            "the venues' positions in " + symbol + " add up to " + text(net) + " but the desk means " +
                                text(directional) + ": unhedged directional exposure of " + text(*gap)});
  }
}

}  // namespace propbot::ledger
