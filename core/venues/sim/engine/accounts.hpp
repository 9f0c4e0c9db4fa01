// AccountBook: the money side of the venue simulator's exchange core — one cross-margin
// wallet per account (in each instrument's margin asset, USDT), one-way positions per
// symbol, leverage per symbol, initial-margin reservations of open orders, fees, marks,
// funding and a simple liquidation model. Accounts are generic: the market model's
// liquidity account and the venue's insurance account are accounts like any other
// (the first is margin-exempt, the second is created by the book and absorbs
// liquidated positions and negative wallets).
//
// Guarantees (all exact Decimal; money at 8 fractional digits, see checked_math.hpp):
// - Positions: signed quantity, one-way mode. The book keeps the exact cost of the open
//   quantity (Σ qty × price of opening fills, minus what closes released), so
//   position = Σ signed fills and entry price = cost / |qty| (shown rounded to 8
//   digits). Closing q of Q releases cost × q / Q (rounded to money; the remaining
//   cost takes the exact rest) and realises q × price − released for a long (the
//   reverse for a short). A fill larger than the position closes it and opens the rest
//   at the fill price (flip).
// - Conservation: for any common mark M, Σ wallets + fees_collected() + funding_pool()
//   + Σ unrealized_pnl_at(M) = total_deposits(), exactly: every fill has a counterparty
//   (the insurance account takes liquidated positions at mark), so Σ positions is zero
//   and realised + unrealised PnL of all accounts sums to zero. With every account
//   flat this is "wallets + fees + funding = deposits".
// - Fees: notional × maker/taker rate, rounded to money (nearest); debited on the fill.
// - Margin: available = wallet + Σ unrealised − Σ position initial margin (|qty| ×
//   mark / leverage, rounded up) − Σ open-order reservations. An order needs
//   increase_qty × price / leverage + qty × price × taker rate (rounded up), where
//   increase_qty is the part that would grow |position| (an order against the position
//   needs margin only beyond its size). Reservations shrink pro rata as orders fill.
// - Funding: amount = position × mark × rate (money, nearest); the account pays a
//   positive amount (longs pay when rate > 0, shorts receive), into funding_pool().
// - Liquidation: an account (not margin-exempt) whose equity (wallet + unrealised) is
//   below maintenance margin (Σ |qty| × mark × maintenance rate) is liquidated: every
//   position closes at the mark against the insurance account, no fee; a negative
//   wallet is reset to zero from the insurance account's wallet.
// - Unrealised PnL uses the last mark of the symbol, or the entry price (zero PnL)
//   before any mark is known.
// - Liquidation price of a position: the mark P with wallet + Σ other (unrealised −
//   maintenance) + q × P − signed cost = |q| × P × maintenance rate, i.e.
//   P = (signed cost − rest) / (q − |q| × rate); zero when that is not positive.
//
// Threads: single-threaded; Clock-free (time passed in); no I/O. Uses instrument_rules,
// events, checked_math.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/venues/sim/engine/events.hpp"
#include "core/venues/sim/engine/instrument_rules.hpp"
#include "core/venues/sim/engine/matching_engine.hpp"

namespace propbot::venues::sim {

// The margin picture of one symbol of an account at the symbol's mark (the entry price
// before any mark is known): what Binance's account / positionRisk and OKX's positions
// report. Money at 8 digits.
struct SymbolMargin {
  Decimal notional;            // |position| × mark, unsigned
  Decimal unrealized_pnl;      // at the mark (zero before any mark)
  Decimal position_initial;    // notional / leverage, rounded up — what available() charges
  Decimal open_order_initial;  // Σ current reservations of the account's open orders on the symbol
  Decimal maintenance;         // notional × maintenance_margin_rate, rounded up
};

// The account's totals over every symbol. available = wallet + unrealized_pnl −
// position_initial − open_order_initial (exactly what available() returns).
struct AccountMargin {
  Decimal wallet;
  Decimal unrealized_pnl;
  Decimal position_initial;
  Decimal open_order_initial;
  Decimal maintenance;
  Decimal available;
};

class AccountBook {
 public:
  explicit AccountBook(std::string insurance_account = "insurance");

  // Throws std::invalid_argument for invalid or duplicate rules (start-up error).
  void add_instrument(const InstrumentRules& rules);
  const InstrumentRules* instrument(const std::string& symbol) const;

  // Creates the account with `initial_balance` of the margin asset (a deposit event
  // when non-zero). margin_exempt: no margin checks, never liquidated (market model).
  // false when the account exists already.
  bool open_account(const std::string& account, Decimal initial_balance, bool margin_exempt, UtcTime now,
                    std::vector<Event>& events);
  bool has_account(const std::string& account) const { return accounts_.count(account) != 0; }
  bool margin_exempt(const std::string& account) const;
  const std::string& insurance_account() const { return insurance_account_; }
  void deposit(const std::string& account, Decimal amount, UtcTime now, std::vector<Event>& events);

  // 1 ≤ leverage ≤ the symbol's max_leverage, else invalid_leverage.
  Outcome<int> set_leverage(const std::string& account, const std::string& symbol, int leverage);
  int leverage(const std::string& account, const std::string& symbol) const;

  // --- margin -------------------------------------------------------------------------
  // Margin (incl. the taker fee estimate) an order of `quantity` at `price` needs.
  Decimal initial_margin_required(const std::string& account, const std::string& symbol, OrderSide side,
                                  Decimal quantity, Decimal price) const;
  Decimal available(const std::string& account) const;
  Decimal wallet(const std::string& account) const;
  Decimal equity(const std::string& account) const;
  Decimal maintenance_margin(const std::string& account) const;
  SymbolMargin symbol_margin(const std::string& account, const std::string& symbol) const;
  // The mark of `symbol` at which the account's equity would fall to its maintenance
  // margin, every other mark unchanged (cross margin, one-way): the price liquidate()
  // starts at. Zero when flat, margin-exempt, or when no positive price would do it.
  // Positions carry it (Position::liquidation_price).
  Decimal liquidation_price(const std::string& account, const std::string& symbol) const;
  AccountMargin account_margin(const std::string& account) const;
  // Reserves `amount` for an open order (full quantity); the reservation follows the
  // order's remaining quantity via update_reservation and ends with release.
  void reserve(const std::string& account, const std::string& symbol, const std::string& venue_order_id,
               Decimal amount, Decimal quantity, Decimal remaining);
  void update_reservation(const std::string& symbol, const std::string& venue_order_id, Decimal remaining);
  void release(const std::string& symbol, const std::string& venue_order_id);

  // --- trading ------------------------------------------------------------------------
  // |position| if `side` reduces it, else zero.
  Decimal reduce_only_capacity(const std::string& account, const std::string& symbol, OrderSide side) const;
  // Books one fill: position, cost, realised PnL, fee. Appends PositionChanged and
  // BalanceChanged (reason order).
  FillCharges apply_fill(const std::string& account, const std::string& symbol, OrderSide side, Decimal price,
                         Decimal quantity, bool maker, UtcTime now, std::vector<Event>& events);

  // --- marks, funding, liquidation ----------------------------------------------------
  void set_mark(const std::string& symbol, Decimal mark);
  std::optional<Decimal> mark(const std::string& symbol) const;
  // Settles funding for every account with a position in `symbol` (account id order),
  // except the accounts named in `unpaid` (a venue that fails to pay them: their wallet
  // is untouched and no event is appended); also records `mark` as the symbol's mark.
  void apply_funding(const std::string& symbol, Decimal rate, Decimal mark, UtcTime now, std::vector<Event>& events,
                     const std::set<std::string>& unpaid = {});
  // Accounts (id order) whose equity is below maintenance margin.
  std::vector<std::string> accounts_to_liquidate() const;
  // Closes every position of the account at its mark against the insurance account.
  void liquidate(const std::string& account, UtcTime now, std::vector<Event>& events);

  // --- queries ------------------------------------------------------------------------
  Position position(const std::string& account, const std::string& symbol) const;
  std::vector<Position> positions(const std::string& account) const;  // non-zero ones, symbol order
  std::vector<Balance> balances(const std::string& account, UtcTime now) const;
  // Exact unrealised PnL of the account's position at `mark` (not rounded).
  Decimal unrealized_pnl_at(const std::string& account, const std::string& symbol, Decimal mark) const;
  std::vector<std::string> account_ids() const;
  Decimal fees_collected() const { return fees_collected_; }
  Decimal funding_pool() const { return funding_pool_; }
  Decimal total_deposits() const { return total_deposits_; }

 private:
  struct PositionBook {
    Decimal quantity;  // signed
    Decimal cost;      // ≥ 0: cost of the open quantity
    Decimal accumulated_realized;
  };
  struct Reservation {
    std::string account;
    Decimal amount;    // for the full quantity
    Decimal quantity;
    Decimal reserved;  // current: amount × remaining / quantity
  };
  struct AccountState {
    Decimal wallet;
    bool margin_exempt = false;
    std::map<std::string, PositionBook> positions;
    std::map<std::string, int> leverage;
  };

  AccountState& state(const std::string& account);
  const AccountState& state(const std::string& account) const;
  const InstrumentRules& rules(const std::string& symbol) const;
  Decimal mark_or_entry(const std::string& symbol, const PositionBook& p) const;
  Decimal unrealized(const std::string& symbol, const PositionBook& p) const;  // money, nearest
  Position snapshot(const std::string& account, const std::string& symbol, const PositionBook& p, UtcTime now) const;
  Balance balance_snapshot(const std::string& account, UtcTime now) const;
  // Moves `quantity` (signed) at `price` into the position; returns realised PnL.
  static Decimal book_trade(PositionBook& p, Decimal signed_quantity, Decimal price);
  void change_wallet(const std::string& account, Decimal delta, BalanceReason reason, UtcTime now,
                     std::vector<Event>& events);

  std::string insurance_account_;
  std::map<std::string, InstrumentRules> rules_;
  std::map<std::string, Decimal> marks_;
  std::map<std::string, AccountState> accounts_;
  std::map<std::pair<std::string, std::string>, Reservation> reservations_;  // (symbol, venue order id)
  Decimal fees_collected_;
  Decimal funding_pool_;
  Decimal total_deposits_;
};

}  // namespace propbot::venues::sim
