// The recon daemon's cost to the engine thread (issue 14, SPEC S-9.2): one pass against
// two venues that answer at once (an in-process account double), so what is timed is
// the daemon's own work on the driving thread — building the reports, comparing
// positions, orders, wallets and fees, the neutrality check and the verdict. Over the
// network a pass also waits for the venues' answers (not engine-thread time: the
// daemon's status shows both, `last_pass_ms` and `last_engine_cost_us`).
// Run: ./build/tests/bench/propbot_recon_bench (docs/PERFORMANCE.md, "Recon").
//
// BM_ReconPass/<symbols>: a clean pass, each venue holding a hedged position in every
//   symbol (and reporting it), nothing to confirm.
// BM_ReconPassWithFees/<fills>: a clean pass that also confirms that many fills' fees
//   against the venues' trade histories.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/exec/memory_journal.hpp"
#include "core/ledger/recon_daemon.hpp"
#include "tests/unit/ledger/account_venue.hpp"

namespace {

using namespace propbot;
using namespace propbot::ledger;

Logger quiet() {
  LogOptions options;
  options.level = "error";
  options.to_stderr = false;
  return Logger(make_logger(options));
}

struct Desk {
  explicit Desk(int symbols) {
    ReconOptions options;
    options.interval = std::chrono::milliseconds(0);  // passes only when the benchmark asks
    daemon = std::make_unique<ReconDaemon>(options, clock, std::vector<venues::Venue*>{&a, &b}, journal, cash, book,
                                           entries, ReconHooks{}, quiet());
    for (int i = 0; i < symbols; ++i) {
      const std::string symbol = "S" + std::to_string(i) + "-USDT";
      for (auto* venue : {&a, &b}) {
        const bool buy = venue == &a;
        exec::FillEntry fill;
        fill.venue = venue->id();
        fill.symbol = symbol;
        fill.trade_id = "t" + std::to_string(i);
        fill.intent_id = fill.position_id = static_cast<std::uint64_t>(i + 1);
        fill.strategy = "cross_exchange_arb";
        fill.side = buy ? Side::buy : Side::sell;
        fill.quantity = Decimal::from_mantissa(5, 1);
        fill.price = Decimal::from_mantissa(100, 0);
        (void)cash.on_fill(fill);
        venue->held.push_back(venues::Position{symbol, buy ? fill.quantity : fill.quantity.negated().value(), {}, {},
                                               {}, {}, {}, {}});
      }
    }
    a.wallet = b.wallet = Decimal::from_mantissa(1000, 0);
    daemon->run_now();  // the openings
  }

  SimClock clock;
  ledger::testing::AccountVenue a{"BINANCE"};
  ledger::testing::AccountVenue b{"OKX"};
  exec::MemoryJournal journal;
  CashLedger cash;
  PositionBook book;
  MemoryLedgerEntries entries;
  std::unique_ptr<ReconDaemon> daemon;
};

void BM_ReconPass(benchmark::State& state) {
  Desk desk(static_cast<int>(state.range(0)));
  for (auto _ : state) desk.daemon->run_now();
  if (desk.daemon->state() != ReconState::ok) state.SkipWithError("the pass was not clean");
}
BENCHMARK(BM_ReconPass)->Arg(2)->Arg(20)->Arg(200);

void BM_ReconPassWithFees(benchmark::State& state) {
  Desk desk(2);
  const int fills = static_cast<int>(state.range(0));
  std::vector<exec::FillEntry> queued;
  for (int i = 0; i < fills; ++i) {
    exec::FillEntry fill;
    fill.venue = i % 2 == 0 ? "BINANCE" : "OKX";
    fill.symbol = "S0-USDT";
    fill.trade_id = "f" + std::to_string(i);
    fill.fee = Decimal::from_mantissa(1, 2);
    fill.fee_asset = "USDT";
    queued.push_back(fill);
    venues::Fill trade;
    trade.symbol = fill.symbol;
    trade.trade_id = fill.trade_id;
    trade.fee = fill.fee;
    trade.fee_asset = "USDT";
    (i % 2 == 0 ? desk.a : desk.b).trades.push_back(trade);
  }
  for (auto _ : state) {
    state.PauseTiming();
    for (const auto& fill : queued) desk.daemon->on_fill(fill);
    state.ResumeTiming();
    desk.daemon->run_now();
  }
  if (desk.daemon->status_json()["unverified_fees"] != 0) state.SkipWithError("fees were left unconfirmed");
}
BENCHMARK(BM_ReconPassWithFees)->Arg(10)->Arg(100)->Arg(1000);

}  // namespace
