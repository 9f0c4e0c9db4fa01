// Shared scaffolding for the executor's tests (executor_*_test.cpp): a journal that can
// fail on demand, a market of fixed books, a desk and a listener that record what the
// executor tells them, scripted position lookups and paper twins, and the ExecutorTest /
// ReconTest fixtures (BINANCE and OKX as scripted venues over a SimClock). Nothing here
// asserts behaviour of its own; the tests that use it do.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/exec/executor.hpp"
#include "core/exec/memory_journal.hpp"
#include "tests/unit/exec/order_venue.hpp"

namespace propbot::exec::testing {

inline Logger quiet() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

inline Decimal dec(const char* text) { return *Decimal::parse(text); }

// The product's MemoryJournal, with a scripted disk failure on demand.
class TestJournal final : public Journal {
 public:
  Result<RecordOutcome> record(OrderEntry& entry) override {
    if (fail_next) {
      fail_next = false;
      return make_error(Errc::io_error, "disk full (scripted)");
    }
    return inner.record(entry);
  }
  Result<RecordOutcome> record_fill(FillEntry& fill) override { return inner.record_fill(fill); }
  std::vector<OrderEntry> unfinished() const override { return inner.unfinished(); }
  std::optional<OrderEntry> last(std::string_view venue, std::string_view coid) const override {
    return inner.last(venue, coid);
  }
  std::vector<OrderEntry> orders_of(std::uint64_t id) const override { return inner.orders_of(id); }
  std::vector<OrderEntry> events_of(std::uint64_t id) const override { return inner.events_of(id); }
  std::optional<OrderEntry> by_venue_order_id(std::string_view venue, std::string_view id) const override {
    return inner.by_venue_order_id(venue, id);
  }
  std::vector<FillEntry> fills() const override { return inner.fills(); }
  std::optional<int> last_attempt(std::uint64_t id, Leg leg) const override { return inner.last_attempt(id, leg); }
  std::uint64_t max_intent_id() const override { return inner.max_intent_id(); }
  JournalStats stats() const override { return inner.stats(); }

  // The events recorded for one order of an intent, in order.
  std::vector<OrderEvent> events(std::uint64_t intent_id, const std::string& coid) const {
    std::vector<OrderEvent> out;
    for (const auto& entry : inner.events_of(intent_id)) {
      if (entry.client_order_id == coid) out.push_back(entry.event);
    }
    return out;
  }

  MemoryJournal inner;
  bool fail_next = false;
};

class Market final : public MarketLookup {
 public:
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    for (const auto& book : books) {
      if (book.spec().venue == venue && book.spec().symbol == symbol) return &book;
    }
    return nullptr;
  }
  void add(const venues::Venue& venue, double bid, double bid_qty, double ask, double ask_qty, MonoTime now) {
    md::OrderBook book(venue.instruments().front());
    const md::BookLevel bids[] = {{std::llround(bid * 10), std::llround(bid_qty * 1000)}};
    const md::BookLevel asks[] = {{std::llround(ask * 10), std::llround(ask_qty * 1000)}};
    book.apply_snapshot(bids, asks, 1, now);
    books.push_back(std::move(book));
  }
  std::vector<md::OrderBook> books;
};

class Desk final : public ExecutionDesk {
 public:
  Mode mode() const override { return current; }
  bool dry_run_mode() const override { return dry_run; }
  void safety_action(IncidentCode code, const std::string&, const std::string& summary) override {
    incidents.push_back(code);
    summaries.push_back(summary);
    if (code == IncidentCode::hedge_lost || code == IncidentCode::hedge_latency_violation) current = Mode::hold;
  }
  void audit(const std::string& action, const nlohmann::json&) override { audits.push_back(action); }
  void recon_finished(bool is_clean, const std::string& text) override {
    finished = true;
    clean = is_clean;
    summary = text;
  }
  Mode current = Mode::resume;
  bool dry_run = false;
  std::vector<IncidentCode> incidents;
  std::vector<std::string> summaries;
  std::vector<std::string> audits;
  bool finished = false;
  bool clean = false;
  std::string summary;
};

class Listener final : public ExecutionListener {
 public:
  void on_trade_opened(const TradeOpening& opening) override { opened.push_back(opening); }
  void on_fill(const FillEntry& fill) override { fills.push_back(fill); }
  void on_hedge_lost(std::uint64_t id, const std::string&) override { lost.push_back(id); }
  std::vector<TradeOpening> opened;
  std::vector<FillEntry> fills;
  std::vector<std::uint64_t> lost;
};

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() {
    // BINANCE's ask is thinner than OKX's bid: the long leg on BINANCE goes first.
    market.add(binance, 59990, 5, 60000, 1, clock.now());
    market.add(okx, 60030, 5, 60040, 5, clock.now());
  }

  std::unique_ptr<Executor> make(ExecutorOptions options = {}, TwinVenues* twins = nullptr,
                                 std::vector<venues::Venue*> venues = {}) {
    options.symbols = {"BTC-USDT"};
    if (venues.empty()) venues = {&binance, &okx};
    auto executor = std::make_unique<Executor>(options, clock, std::move(venues), journal, desk, market, &listener,
                                               quiet());
    executor->set_twins(twins);
    executor->reconcile();
    return executor;
  }

  // hedge_flatten, run to its end (5 s of the clock); its report.
  SafetyReport flattened(Executor& executor) {
    std::optional<SafetyReport> report;
    executor.hedge_flatten("test", [&](const SafetyReport& r) { report = r; });
    clock.advance(std::chrono::seconds(5));
    EXPECT_TRUE(report.has_value()) << "the flatten never ended";
    return report.value_or(SafetyReport{});
  }

  // A BTC-USDT position of `quantity` (negative: short) held at `venue`.
  static void hold_position(OrderVenue& venue, const char* quantity) {
    venues::Position position;
    position.symbol = "BTC-USDT";
    position.quantity = dec(quantity);
    venue.held_positions.push_back(position);
  }

  static Intent pair_intent() {
    Intent intent;
    intent.strategy = "cross_exchange_arb";
    intent.kind = IntentKind::hedged_pair;
    intent.symbol = "BTC-USDT";
    intent.long_venue = "BINANCE";
    intent.short_venue = "OKX";
    intent.notional_usdt = dec("1000");
    intent.long_price = dec("60000");
    intent.short_price = dec("60030");
    return intent;
  }

  SimClock clock;
  OrderVenue binance{"BINANCE"};
  OrderVenue okx{"OKX"};
  TestJournal journal;
  Market market;
  Desk desk;
  Listener listener;
};

// A ledger holding one closable position for cross_exchange_arb (none when `held` is empty).
class HeldPositions final : public PositionLookup {
 public:
  std::optional<ClosablePosition> closable(std::string_view strategy, std::string_view, std::string_view,
                                           std::string_view) const override {
    if (strategy != "cross_exchange_arb" || held.held.empty()) return std::nullopt;
    return held;
  }
  ClosablePosition held;
};

// Scripted twins with the venues' ids: what a simulated trade sends lands here.
class Twins final : public TwinVenues {
 public:
  venues::Venue* twin(std::string_view venue) const override {
    for (venues::Venue* each : all()) {
      if (each->id() == venue) return each;
    }
    return nullptr;
  }
  std::vector<venues::Venue*> all() const override { return {&binance, &okx}; }
  void on_book(const md::OrderBook&) override {}
  bool working() const override { return false; }
  mutable OrderVenue binance{"BINANCE"};
  mutable OrderVenue okx{"OKX"};
};

// ---- start-up reconciliation ------------------------------------------------------

class ReconTest : public ExecutorTest {
 protected:
  // A previous process whose leg A went out to BINANCE and was never answered (the venue
  // holds it open), ended as a crash ends it. Leaves A's client order id in `a_id`.
  void crash_with_a_held() {
    {
      binance.replies = {Reply::hold};
      auto first = make();
      ASSERT_TRUE(first->submit(pair_intent()));
    }
    ASSERT_EQ(binance.placed.size(), 1u);
    a_id = binance.placed[0].client_order_id;
  }

  // The held A filled in full at the venue while the desk was down.
  void a_filled_while_down() {
    binance.known[a_id].status = venues::OrderStatus::filled;
    binance.known[a_id].filled_quantity = dec("0.016");
  }

  // A fresh desk, as a restart finds it: always HOLD.
  void restart_desk_in_hold() {
    desk = Desk{};
    desk.current = Mode::hold;
  }

  std::string a_id;
};

}  // namespace propbot::exec::testing
