// The Journal contract (journal.hpp), proven the same way against MemoryJournal and
// SqliteJournal: lifecycle, duplicates, stale reports, fill dedupe, the readers and
// sequence numbers. SqliteJournal's own promises (reopen, outbox replay and bounds)
// are in sqlite_journal_test.cpp; kill -9 in journal_crash_test.cpp.
#include "core/exec/journal.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "core/exec/journal_index.hpp"
#include "core/exec/memory_journal.hpp"
#include "core/exec/sqlite_journal.hpp"
#include "tests/unit/exec/journal_test_support.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::exec {
namespace {

using namespace test_support;
using E = OrderEvent;

// How each implementation is made and "reopened" (MemoryJournal has no disk: the same
// object goes on).
struct MemoryKind {
  static std::unique_ptr<Journal> open(const std::string&) { return std::make_unique<MemoryJournal>(); }
  static constexpr bool kReopens = false;
};

struct SqliteKind {
  static std::unique_ptr<Journal> open(const std::string& dir) {
    Result<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::open(dir, JournalFsync::batch, quiet_logger());
    if (!journal) {
      ADD_FAILURE() << journal.error().describe();
      return std::make_unique<MemoryJournal>();
    }
    return std::move(*journal);
  }
  static constexpr bool kReopens = true;
};

template <typename Kind>
class JournalContractTest : public ::testing::Test {
 protected:
  JournalContractTest() : journal_(Kind::open(dir_.path())) {}

  Journal& journal() { return *journal_; }
  void reopen() {
    if (!Kind::kReopens) return;
    journal_.reset();
    journal_ = Kind::open(dir_.path());
  }
  RecordOutcome record(OrderEntry entry) {
    Result<RecordOutcome> outcome = journal_->record(entry);
    EXPECT_TRUE(outcome.ok()) << outcome.error().describe();
    return outcome ? *outcome : RecordOutcome::stale;
  }
  RecordOutcome record(FillEntry fill) {
    Result<RecordOutcome> outcome = journal_->record_fill(fill);
    EXPECT_TRUE(outcome.ok()) << outcome.error().describe();
    return outcome ? *outcome : RecordOutcome::stale;
  }
  // The usual path up to `last`, for intent `id`.
  void walk(std::uint64_t id, std::initializer_list<E> events, Leg leg = Leg::single, int attempt = 0) {
    for (E event : events) {
      const char* filled = event == E::filled ? "1" : event == E::partial ? "0.4" : "0";
      EXPECT_EQ(record(order_entry(id, event, filled, leg, attempt)), RecordOutcome::recorded) << to_string(event);
    }
  }

  store::test_support::TempDir dir_;
  std::unique_ptr<Journal> journal_;
};

using Kinds = ::testing::Types<MemoryKind, SqliteKind>;
TYPED_TEST_SUITE(JournalContractTest, Kinds);

TYPED_TEST(JournalContractTest, RecordsTheLifecycleWithIncreasingSeqsWrittenBack) {
  std::uint64_t previous = 0;
  for (auto [event, filled] : std::initializer_list<std::pair<E, const char*>>{
           {E::intent, "0"}, {E::new_order, "0"}, {E::sent, "0"}, {E::ack, "0"},
           {E::partial, "0.3"}, {E::partial, "0.6"}, {E::filled, "1"}}) {
    OrderEntry entry = order_entry(1, event, filled);
    Result<RecordOutcome> outcome = this->journal().record(entry);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(*outcome, RecordOutcome::recorded) << to_string(event);
    EXPECT_GT(entry.seq, previous);
    previous = entry.seq;
    std::optional<OrderEntry> last = this->journal().last("BINANCE", cid(1));
    ASSERT_TRUE(last.has_value());
    EXPECT_TRUE(same_entry(*last, entry)) << to_string(event);
  }
  EXPECT_TRUE(this->journal().unfinished().empty());
  const JournalStats stats = this->journal().stats();
  EXPECT_EQ(stats.orders_recorded, 7u);
  EXPECT_EQ(stats.last_seq, previous);
  EXPECT_EQ(stats.duplicate_suppressed_total, 0u);
}

TYPED_TEST(JournalContractTest, AnIntentsOrdersAndEventsAreReadBackInOrderAcrossReopen) {
  EXPECT_EQ(this->record(order_entry(7, E::intent, "0", Leg::a)), RecordOutcome::recorded);
  EXPECT_EQ(this->record(order_entry(7, E::intent, "0", Leg::b)), RecordOutcome::recorded);
  EXPECT_EQ(this->record(order_entry(7, E::new_order, "0", Leg::a)), RecordOutcome::recorded);
  EXPECT_EQ(this->record(order_entry(7, E::sent, "0", Leg::a)), RecordOutcome::recorded);
  EXPECT_EQ(this->record(order_entry(8, E::intent)), RecordOutcome::recorded);  // another intent
  EXPECT_EQ(this->record(order_entry(7, E::filled, "1", Leg::a)), RecordOutcome::recorded);
  this->reopen();
  const std::vector<OrderEntry> events = this->journal().events_of(7);
  std::vector<E> kinds;
  for (const auto& e : events) kinds.push_back(e.event);
  EXPECT_EQ(kinds, (std::vector<E>{E::intent, E::intent, E::new_order, E::sent, E::filled}));
  const std::vector<OrderEntry> orders = this->journal().orders_of(7);
  ASSERT_EQ(orders.size(), 2u) << "one last entry per order";
  EXPECT_EQ(orders[0].leg, Leg::b) << "seq order: B's intent is older than A's fill";
  EXPECT_EQ(orders[0].event, E::intent);
  EXPECT_EQ(orders[1].leg, Leg::a);
  EXPECT_EQ(orders[1].event, E::filled);
  EXPECT_TRUE(this->journal().orders_of(99).empty());
}

TYPED_TEST(JournalContractTest, AFillKeepsTheStrategyOfItsOrder) {
  FillEntry fill = fill_entry("t-strategy");
  fill.strategy = "funding_basis";
  EXPECT_EQ(this->record(fill), RecordOutcome::recorded);
  this->reopen();
  const auto fills = this->journal().fills();
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].strategy, "funding_basis");
}

TYPED_TEST(JournalContractTest, ASecondNewOrIntentForAKnownOrderIsADuplicate) {
  this->walk(1, {E::intent, E::new_order});
  OrderEntry again = order_entry(1, E::new_order);
  EXPECT_EQ(*this->journal().record(again), RecordOutcome::duplicate);
  EXPECT_EQ(again.seq, 0u) << "nothing was written";
  EXPECT_EQ(this->record(order_entry(1, E::intent)), RecordOutcome::duplicate);
  this->walk(1, {E::sent});
  EXPECT_EQ(this->record(order_entry(1, E::new_order)), RecordOutcome::duplicate) << "even after sent";
  EXPECT_EQ(this->journal().stats().duplicate_suppressed_total, 3u);
  EXPECT_EQ(this->journal().last("BINANCE", cid(1))->event, E::sent);
}

TYPED_TEST(JournalContractTest, RepeatingTheLastEventWithTheSameFilledQuantityIsADuplicate) {
  this->walk(1, {E::intent, E::new_order, E::sent, E::ack});
  EXPECT_EQ(this->record(order_entry(1, E::ack)), RecordOutcome::duplicate);
  EXPECT_EQ(this->record(order_entry(1, E::partial, "0.3")), RecordOutcome::recorded);
  EXPECT_EQ(this->record(order_entry(1, E::partial, "0.30")), RecordOutcome::duplicate) << "same value, other scale";
  EXPECT_EQ(this->record(order_entry(1, E::partial, "0.5")), RecordOutcome::recorded) << "more filled: news";
  EXPECT_EQ(this->record(order_entry(1, E::filled, "1")), RecordOutcome::recorded);
  EXPECT_EQ(this->record(order_entry(1, E::filled, "1")), RecordOutcome::duplicate);
  EXPECT_EQ(this->journal().stats().duplicate_suppressed_total, 3u);
  EXPECT_EQ(this->journal().stats().orders_recorded, 7u);
}

TYPED_TEST(JournalContractTest, StaleReportsNeverMoveAnOrderBackward) {
  this->walk(1, {E::intent, E::new_order, E::sent, E::ack});
  EXPECT_EQ(this->record(order_entry(1, E::partial, "0.5")), RecordOutcome::recorded);
  EXPECT_EQ(this->record(order_entry(1, E::partial, "0.3")), RecordOutcome::stale) << "an older partial";
  EXPECT_EQ(this->record(order_entry(1, E::ack)), RecordOutcome::stale) << "a late ack";
  EXPECT_EQ(this->record(order_entry(1, E::filled, "1")), RecordOutcome::recorded);
  EXPECT_EQ(this->record(order_entry(1, E::cancelled, "1")), RecordOutcome::stale) << "nothing follows a fill";
  EXPECT_EQ(this->record(order_entry(1, E::partial, "0.9")), RecordOutcome::stale);
  EXPECT_EQ(this->record(order_entry(99, E::ack)), RecordOutcome::stale) << "an order never started";
  EXPECT_EQ(this->journal().stats().duplicate_suppressed_total, 5u) << "stale reports count as suppressed";
  EXPECT_EQ(this->journal().last("BINANCE", cid(1))->event, E::filled);
  EXPECT_FALSE(this->journal().last("BINANCE", cid(99)).has_value());
}

TYPED_TEST(JournalContractTest, AnOrderIsKeyedByVenueAndClientOrderId) {
  this->walk(1, {E::intent, E::new_order});
  EXPECT_EQ(this->record(order_entry(1, E::new_order, "0", Leg::single, 0, "OKX")), RecordOutcome::recorded)
      << "the same id on another venue is another order";
  EXPECT_EQ(this->journal().unfinished().size(), 2u);
}

TYPED_TEST(JournalContractTest, AFillSeenTwiceIsADuplicate) {
  EXPECT_EQ(this->record(fill_entry("t1")), RecordOutcome::recorded);
  EXPECT_EQ(this->record(fill_entry("t2")), RecordOutcome::recorded);
  EXPECT_EQ(this->record(fill_entry("t1")), RecordOutcome::duplicate);
  EXPECT_EQ(this->record(fill_entry("t1", 1, "OKX")), RecordOutcome::recorded) << "another venue";
  EXPECT_EQ(this->record(fill_entry("t1", 1, "BINANCE", "ETH-USDT")), RecordOutcome::recorded) << "another symbol";
  const std::vector<FillEntry> fills = this->journal().fills();
  ASSERT_EQ(fills.size(), 4u);
  for (std::size_t i = 1; i < fills.size(); ++i) EXPECT_LT(fills[i - 1].seq, fills[i].seq);
  FillEntry expected = fill_entry("t2");
  expected.seq = fills[1].seq;
  EXPECT_TRUE(same_entry(fills[1], expected));
  const JournalStats stats = this->journal().stats();
  EXPECT_EQ(stats.fills_recorded, 4u);
  EXPECT_EQ(stats.duplicate_suppressed_total, 1u);
}

TYPED_TEST(JournalContractTest, UnfinishedIsTheLastEntryOfEveryOpenOrderInSeqOrder) {
  this->walk(1, {E::intent, E::new_order, E::sent});
  this->walk(2, {E::intent, E::new_order, E::sent, E::filled});
  this->walk(3, {E::intent});
  this->walk(1, {E::ack});
  this->walk(4, {E::intent, E::new_order, E::rejected});
  std::vector<OrderEntry> open = this->journal().unfinished();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].client_order_id, cid(3));
  EXPECT_EQ(open[0].event, E::intent);
  EXPECT_EQ(open[1].client_order_id, cid(1));
  EXPECT_EQ(open[1].event, E::ack);

  this->reopen();
  open = this->journal().unfinished();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[1].event, E::ack);
  EXPECT_TRUE(same_entry(open[1], *this->journal().last("BINANCE", cid(1))));
}

TYPED_TEST(JournalContractTest, LastAttemptAndMaxIntentIdNumberRetriesAndNewIntents) {
  EXPECT_EQ(this->journal().max_intent_id(), 0u);
  EXPECT_FALSE(this->journal().last_attempt(7, Leg::a).has_value());
  this->walk(7, {E::intent, E::new_order, E::rejected}, Leg::a, 0);
  this->walk(7, {E::intent, E::new_order, E::rejected}, Leg::a, 1);
  this->walk(7, {E::intent}, Leg::a, 2);
  this->walk(7, {E::intent}, Leg::b, 0);
  this->walk(3, {E::intent});
  EXPECT_EQ(this->journal().last_attempt(7, Leg::a), 2);
  EXPECT_EQ(this->journal().last_attempt(7, Leg::b), 0);
  EXPECT_FALSE(this->journal().last_attempt(7, Leg::single).has_value());
  EXPECT_FALSE(this->journal().last_attempt(8, Leg::a).has_value());
  EXPECT_EQ(this->journal().max_intent_id(), 7u);

  this->reopen();
  EXPECT_EQ(this->journal().last_attempt(7, Leg::a), 2);
  EXPECT_EQ(this->journal().last_attempt(7, Leg::b), 0);
  EXPECT_EQ(this->journal().max_intent_id(), 7u);
}

TYPED_TEST(JournalContractTest, SeqKeepsIncreasingAcrossReopen) {
  this->walk(1, {E::intent, E::new_order});
  EXPECT_EQ(this->record(fill_entry("t1")), RecordOutcome::recorded);
  const std::uint64_t before = this->journal().stats().last_seq;
  EXPECT_EQ(before, 3u);
  this->reopen();
  EXPECT_EQ(this->journal().stats().last_seq, before);
  OrderEntry next = order_entry(1, E::sent);
  EXPECT_EQ(*this->journal().record(next), RecordOutcome::recorded);
  EXPECT_EQ(next.seq, before + 1);
  EXPECT_EQ(this->record(fill_entry("t1")), RecordOutcome::duplicate) << "dedupe survives the reopen";
  EXPECT_EQ(this->record(order_entry(1, E::new_order)), RecordOutcome::duplicate);
}

TYPED_TEST(JournalContractTest, MalformedEntriesAreRefusedAndNothingIsRecorded) {
  OrderEntry no_venue = order_entry(1, E::intent);
  no_venue.venue.clear();
  Result<RecordOutcome> refused = this->journal().record(no_venue);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  FillEntry no_trade = fill_entry("");
  EXPECT_EQ(this->journal().record_fill(no_trade).error().code, Errc::invalid_argument);
  OrderEntry huge_id = order_entry(1, E::intent);
  huge_id.intent_id = ~0ULL;
  EXPECT_EQ(this->journal().record(huge_id).error().code, Errc::invalid_argument);
  EXPECT_EQ(this->journal().stats().last_seq, 0u);
  EXPECT_TRUE(this->journal().unfinished().empty());
}

TEST(JournalNamesTest, OutcomesAndPoliciesHaveStableNames) {
  EXPECT_EQ(to_string(RecordOutcome::recorded), "recorded");
  EXPECT_EQ(to_string(RecordOutcome::duplicate), "duplicate");
  EXPECT_EQ(to_string(RecordOutcome::stale), "stale");
  for (JournalFsync policy : {JournalFsync::always, JournalFsync::batch, JournalFsync::never}) {
    EXPECT_EQ(parse_journal_fsync(to_string(policy)), policy);
  }
  EXPECT_EQ(to_string(JournalFsync::always), "always");
  EXPECT_EQ(to_string(JournalFsync::batch), "batch");
  EXPECT_EQ(to_string(JournalFsync::never), "never");
  EXPECT_EQ(parse_journal_fsync("Batch"), std::nullopt);
  EXPECT_EQ(parse_journal_fsync(""), std::nullopt);
}

// Which (intent, leg) questions the index answers alone — without it a new trade's leg
// B would be looked up in SQLite on the engine thread — and which it must leave to the
// store: intents the store had at load, and intents whose attempts were evicted.
TEST(JournalIndexTest, HoldsEveryAttemptOnlyOfIntentsItSawWhole) {
  JournalIndex index(JournalBounds{.recent_terminal_orders = 8, .recent_fills = 8, .recent_attempts = 2});
  EXPECT_TRUE(index.holds_every_attempt_of(1));
  index.raise_max_intent_id(10);  // the store held intents up to 10 at load
  EXPECT_FALSE(index.holds_every_attempt_of(10));
  EXPECT_TRUE(index.holds_every_attempt_of(11));
  std::uint64_t seq = 0;
  for (std::uint64_t id : {11, 12, 13}) {
    OrderEntry entry = order_entry(id, E::intent, "0", Leg::a);
    entry.seq = ++seq;
    index.apply(entry);
    index.trim(seq);  // everything committed: the oldest attempt beyond 2 goes
  }
  EXPECT_FALSE(index.holds_every_attempt_of(11)) << "intent 11's attempt was evicted";
  EXPECT_TRUE(index.holds_every_attempt_of(12));
  EXPECT_TRUE(index.holds_every_attempt_of(13));
  EXPECT_FALSE(index.last_attempt(13, Leg::b).has_value());
  EXPECT_EQ(index.last_attempt(13, Leg::a), 0);
}

TEST(MemoryJournalTest, RefusesBeyondItsCapacity) {
  MemoryJournal journal(2);
  OrderEntry first = order_entry(1, E::intent);
  FillEntry fill = fill_entry("t1");
  OrderEntry third = order_entry(2, E::intent);
  EXPECT_TRUE(journal.record(first).ok());
  EXPECT_TRUE(journal.record_fill(fill).ok());
  Result<RecordOutcome> refused = journal.record(third);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::overflow);
  EXPECT_EQ(third.seq, 0u);
  EXPECT_FALSE(journal.last("BINANCE", cid(2)).has_value());
}

}  // namespace
}  // namespace propbot::exec
