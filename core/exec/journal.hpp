// Journal: the durable order outbox (SPEC S-8.1, DESIGN-NOTES "Client order ids").
// Every order event and every fill the desk learns of is recorded here, and the rule
// the executor lives by is: record first, then touch the network. After a crash the
// journal — never a cache — is what start-up reconciliation resolves against the
// venues: every order whose last event is not terminal is asked for by its client
// order id before anything is re-sent.
//
// Guarantees of every implementation:
// - record()/record_fill() return only once the entry survives a crash of this
//   process (kill -9). What survives power loss is the fsync policy's business
//   (JournalFsync; docs/PERFORMANCE.md says what each policy keeps).
// - An order is keyed by (venue, client_order_id). An event the lifecycle does not
//   allow after the order's last one (order_lifecycle.hpp can_follow) is `stale` and a
//   second `new` for a known key, or an event repeating the last one with the same
//   cumulative filled quantity, is `duplicate`: neither is written, both are counted
//   (duplicate_suppressed_total). A fill is keyed by (venue, symbol, trade_id); a
//   fill seen twice is `duplicate`.
//   The cases this leaves open are settled in journal_index.hpp: the first event of
//   an order must be `intent` or `new` (any other is `stale`), and a partial or fill
//   whose cumulative filled quantity is below the last one's is `stale`.
// - Sequence numbers are strictly increasing over the journal's life, across restarts.
//
// Thread: record(), record_fill() and the readers run on the executor's (engine's)
// driving thread; stats() from any thread. Implementations keep the driving thread's
// cost to what durability against a process crash needs (SqliteJournal: one write(2)
// to its outbox file; a writer thread does the SQLite group commit).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/common/side.hpp"
#include "core/exec/client_order_id.hpp"
#include "core/exec/order_lifecycle.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::exec {

// One event of one order. The order's static fields (symbol … simulated) are repeated
// on every event so any single entry describes the order; the event-dependent ones are
// filled_quantity, average_price, venue_order_id and reason.
struct OrderEntry {
  std::uint64_t seq = 0;            // assigned by the journal (0 on input)
  std::int64_t ts_ms = 0;           // Unix ms of the event, from the executor's Clock
  std::string venue;                // venue id, e.g. "BINANCE"
  std::string client_order_id;      // make_client_order_id(); with venue, the key
  OrderEvent event = OrderEvent::intent;
  std::uint64_t intent_id = 0;      // the intent (trade_parent_id) that made this order
  std::uint64_t position_id = 0;    // the position it opens or closes (= the opening intent's id)
  std::string strategy;             // proposing strategy; "operator" for manual, kFlattenStrategy for flatten
  Leg leg = Leg::single;
  int attempt = 0;
  std::string symbol;               // canonical BASE-QUOTE
  Side side = Side::buy;
  venues::OrderType type = venues::OrderType::limit;
  venues::TimeInForce time_in_force = venues::TimeInForce::ioc;
  bool reduce_only = false;
  Decimal quantity;                 // base coin, > 0
  std::optional<Decimal> price;     // limit price
  Decimal filled_quantity;          // cumulative, base coin
  Decimal average_price;            // of what filled; zero until something fills
  std::string venue_order_id;       // once known
  std::string reason;               // reason code for rejected / cancelled / expired; else empty
  bool simulated = false;           // dry-run: the order went to the paper broker
};

// One execution reported by a venue (or the paper broker), attributed to its order.
// The strategy name of hedge_flatten's orders: a flatten fill that no single position
// holds is shared out by the ledger among the positions it reduces.
inline constexpr std::string_view kFlattenStrategy = "system";

struct FillEntry {
  std::uint64_t seq = 0;            // assigned by the journal
  std::int64_t ts_ms = 0;           // the venue's trade time
  std::string venue;
  std::string symbol;
  std::string trade_id;             // venue trade id; with venue and symbol, the key
  std::string client_order_id;      // empty when the venue did not say (foreign order)
  std::uint64_t intent_id = 0;      // 0 when the order is not ours
  std::uint64_t position_id = 0;    // copied from the order's entry; 0 when not ours
  std::string strategy;             // copied from the order's entry; empty when not ours
  Leg leg = Leg::single;
  Side side = Side::buy;
  Decimal quantity;                 // base coin, > 0
  Decimal price;
  Decimal fee;                      // positive = paid
  std::string fee_asset;
  bool maker = false;
  bool simulated = false;
};

enum class RecordOutcome { recorded, duplicate, stale };
std::string_view to_string(RecordOutcome outcome);

// How far a record is pushed before the network call may follow it.
// - always: record() fdatasyncs before returning — survives power loss, costs a disk
//   flush per event on the driving thread;
// - batch: the writer thread fsyncs each group commit — survives kill -9 at once,
//   power loss after the group's commit (a few ms);
// - never: the OS flushes when it likes — survives kill -9, not power loss.
// Config key: execution.journal_fsync (default batch).
enum class JournalFsync { always, batch, never };
std::string_view to_string(JournalFsync policy);
std::optional<JournalFsync> parse_journal_fsync(std::string_view text);

struct JournalStats {
  std::uint64_t orders_recorded = 0;       // order events written (this process)
  std::uint64_t fills_recorded = 0;
  std::uint64_t duplicate_suppressed_total = 0;  // duplicate + stale, orders and fills
  std::uint64_t last_seq = 0;
  std::uint64_t committed_seq = 0;         // the highest seq the writer has committed to SQLite
  std::uint64_t group_commits = 0;
  double mean_group_size = 0;
  std::uint64_t writer_errors = 0;         // failed group commits (retried; the outbox keeps the records)
};

class Journal {
 public:
  virtual ~Journal() = default;
  // Records `entry` (seq is assigned and written back). Errors: io_error when the
  // entry could not be made durable — the caller must not send.
  virtual Result<RecordOutcome> record(OrderEntry& entry) = 0;
  virtual Result<RecordOutcome> record_fill(FillEntry& fill) = 0;
  // The last entry of every order whose last event is not terminal, in seq order:
  // what start-up reconciliation must resolve.
  virtual std::vector<OrderEntry> unfinished() const = 0;
  // The last entry of the order, if the journal knows it.
  virtual std::optional<OrderEntry> last(std::string_view venue, std::string_view client_order_id) const = 0;
  // The last entry of every order of one intent (both legs, every attempt), in seq
  // order: start-up reconciliation rebuilds an unfinished trade from them.
  virtual std::vector<OrderEntry> orders_of(std::uint64_t intent_id) const = 0;
  // Every event of every order of one intent, in seq order: the ledger rebuilds a
  // position's opening from them.
  virtual std::vector<OrderEntry> events_of(std::uint64_t intent_id) const = 0;
  // Every fill, in seq order (the ledger rebuilds positions from them at start).
  virtual std::vector<FillEntry> fills() const = 0;
  // The last entry of the order the venue calls `venue_order_id` (a venue's fill
  // history may name only that), if the journal knows it. For start-up, not the hot path.
  virtual std::optional<OrderEntry> by_venue_order_id(std::string_view venue, std::string_view venue_order_id) const = 0;
  // The highest attempt recorded for (intent_id, leg), or nullopt: a retry takes the next.
  virtual std::optional<int> last_attempt(std::uint64_t intent_id, Leg leg) const = 0;
  // The highest intent id ever recorded (0 when none): new intents number after it.
  virtual std::uint64_t max_intent_id() const = 0;
  virtual JournalStats stats() const = 0;
};

}  // namespace propbot::exec
