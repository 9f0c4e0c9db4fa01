-- strategies/cross_exchange_arb.lua, driven by the strategy test harness (scripting/strategy_test_harness.hpp
-- documents the `h` API): each test_* function is one GoogleTest, or `propbot strategy test` this file.
local T = {}

local PARAMS = { min_spread_bps = 4, taker_fee_bps = 2, notional_usdt = 1000 }

-- SIM-A around 60000; SIM-B bids `gap_bps` above SIM-A's ask.
local function books(h, gap_bps, opts)
  h.book("SIM-A", "BTC-USDT", 59999.9, 60000.0, opts)
  local bid = 60000.0 * (1 + gap_bps / 1e4)
  h.book("SIM-B", "BTC-USDT", bid, bid + 0.1, opts)
end

function T.test_proposes_the_profitable_direction_only(h)
  h.load("cross_exchange_arb", PARAMS)
  books(h, 30)
  local intents = h.on_book("SIM-B", "BTC-USDT")
  h.len(intents, 1, "one direction pays")
  local i = intents[1]
  h.eq(i.kind, "hedged_pair")
  h.eq(i.long_venue, "SIM-A", "buy where it is cheap")
  h.eq(i.short_venue, "SIM-B", "sell where it is dear")
  h.eq(i.notional_usdt, 1000)
  h.near(i.spread_bps, 30, 0.01, "gross spread")
  h.near(i.net_spread_bps, 30 - 4 * 2, 0.01, "net of four taker fills")
  h.near(i.long_price, 60000.0, 1e-6)
  h.near(i.short_price, 60180.0, 1e-6)
  h.eq(i.reduce_only, false, "an entry")
end

function T.test_no_entry_when_the_fees_eat_the_spread(h)
  h.load("cross_exchange_arb", PARAMS)
  books(h, 11)  -- 11 − 8 = 3 bps net, under min_spread_bps = 4
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0)
  books(h, 12.5)  -- 4.5 bps net
  h.len(h.on_book("SIM-B", "BTC-USDT"), 1)
end

function T.test_the_edge_is_measured_on_the_depth_it_would_take(h)
  h.load("cross_exchange_arb", PARAMS)
  -- 30 bps at the top, but only 0.001 BTC (60 USDT) there: 1000 USDT walks into a
  -- second level 40 bps worse on each side.
  h.depth("SIM-A", "BTC-USDT", { { 59999.9, 1 } }, { { 60000.0, 0.001 }, { 60240.0, 1 } })
  h.depth("SIM-B", "BTC-USDT", { { 60180.0, 0.001 }, { 59940.0, 1 } }, { { 60180.1, 1 } })
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0, "the top of book alone would have proposed")
end

function T.test_stale_books_are_ignored(h)
  h.load("cross_exchange_arb", PARAMS)
  books(h, 30, { age_ms = 2500 })  -- max_book_age_ms defaults to 2000
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0)
  books(h, 30, { age_ms = 1500 })
  h.len(h.on_book("SIM-B", "BTC-USDT"), 1)
end

function T.test_a_missing_book_proposes_nothing(h)
  h.load("cross_exchange_arb", PARAMS)
  h.book("SIM-A", "BTC-USDT", 59999.9, 60000.0)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
  h.eq(h.faults(), 0)
end

-- ---- open pairs: no pyramiding, and the close at exit_spread_bps --------------------
--
-- The exit of a pair long SIM-A / short SIM-B sells on SIM-A at its bid (59999.9) and
-- buys back on SIM-B at its ask. With 2 bps taker fees:
--   exit_net = (59999.9 − ask_b) / ask_b × 1e4 − 4,  remaining = −exit_net.

-- Long 0.0166 BTC on SIM-A, short as much on SIM-B (what a 1000 USDT entry opened).
local function open_pair(h, long, short)
  h.position(long or "SIM-A", "BTC-USDT", 0.0166)
  h.position(short or "SIM-B", "BTC-USDT", -0.0166)
end

-- SIM-A as in books(); SIM-B with its ask at `ask_b`, one tick wide.
local function converged(h, ask_b, opts)
  h.book("SIM-A", "BTC-USDT", 59999.9, 60000.0, opts)
  h.book("SIM-B", "BTC-USDT", ask_b - 0.1, ask_b, opts)
end

local function remaining_bps(ask_b) return -((59999.9 - ask_b) / ask_b * 1e4 - 4) end

function T.test_an_open_pair_is_held_while_the_spread_is_wide_and_never_added_to(h)
  h.load("cross_exchange_arb", PARAMS)
  open_pair(h)
  books(h, 30)  -- the entry that opened it would pay again
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0, "no second entry, and no close")
  books(h, 60)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "not even at twice the edge")
end

function T.test_a_leg_held_alone_blocks_entries_on_its_venue(h)
  h.load("cross_exchange_arb", PARAMS)
  h.position("SIM-A", "BTC-USDT", 0.0166)  -- its hedge never filled: the core's to flatten
  books(h, 30)
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0)
  h.position("SIM-A", "BTC-USDT", 0)
  h.len(h.on_book("SIM-B", "BTC-USDT"), 1, "flat again: entries resume")
end

function T.test_an_open_pair_is_closed_when_the_spread_is_back_under_exit_spread_bps(h)
  h.load("cross_exchange_arb", PARAMS)  -- exit_spread_bps defaults to 1
  open_pair(h)
  converged(h, 59981.0)
  local intents = h.on_book("SIM-B", "BTC-USDT")
  h.len(intents, 1, "exactly one close")
  local i = intents[1]
  h.eq(i.kind, "hedged_pair")
  h.eq(i.reduce_only, true)
  h.eq(i.long_venue, "SIM-B", "buy back where it is short")
  h.eq(i.short_venue, "SIM-A", "sell where it is long")
  h.eq(i.notional_usdt, 1000, "the param, an upper bound")
  h.near(i.long_price, 59981.0, 1e-6, "SIM-B's ask")
  h.near(i.short_price, 59999.9, 1e-6, "SIM-A's bid")
  local gross = (59999.9 - 59981.0) / 59981.0 * 1e4
  h.near(i.spread_bps, gross, 1e-9, "the closing trade's gross spread")
  h.near(i.net_spread_bps, gross - 4, 1e-9, "net of the two exit fees")
  h.ok(-i.net_spread_bps <= 1, "remaining spread under exit_spread_bps")
  h.eq(i.reason, "exit: spread back under exit_spread_bps")
end

function T.test_the_close_waits_for_the_remaining_spread_to_reach_exit_spread_bps(h)
  h.load("cross_exchange_arb", PARAMS)
  open_pair(h)
  converged(h, 59990.0)  -- converged, but 2.35 bps (with the exit fees) still remain
  h.ok(remaining_bps(59990.0) > 1 and remaining_bps(59990.0) < 3)
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0, "over exit_spread_bps = 1")
  h.load("cross_exchange_arb", { min_spread_bps = 4, taker_fee_bps = 2, notional_usdt = 1000, exit_spread_bps = 3 })
  local intents = h.on_book("SIM-B", "BTC-USDT")
  h.len(intents, 1, "under exit_spread_bps = 3")
  h.eq(intents[1].reduce_only, true)
end

function T.test_the_close_of_the_other_direction_swaps_its_venues(h)
  h.load("cross_exchange_arb", PARAMS)
  open_pair(h, "SIM-B", "SIM-A")  -- long SIM-B, short SIM-A
  -- Sell on SIM-B at 60030, buy back on SIM-A at 60000: 5 bps − 4 of fees = 1 bp
  -- earned by closing, a remaining spread of −1 bp.
  h.book("SIM-A", "BTC-USDT", 59999.9, 60000.0)
  h.book("SIM-B", "BTC-USDT", 60030.0, 60030.1)
  local intents = h.on_book("SIM-A", "BTC-USDT")
  h.len(intents, 1)
  local i = intents[1]
  h.eq(i.reduce_only, true)
  h.eq(i.long_venue, "SIM-A")
  h.eq(i.short_venue, "SIM-B")
  h.near(i.long_price, 60000.0, 1e-6)
  h.near(i.short_price, 60030.0, 1e-6)
  h.near(i.net_spread_bps, 1, 1e-9)
end

function T.test_the_close_is_measured_on_the_depth_it_would_take(h)
  h.load("cross_exchange_arb", PARAMS)
  open_pair(h)
  -- SIM-B's touch would close, but holds 0.001 BTC: 1000 USDT walks 30 bps up.
  h.book("SIM-A", "BTC-USDT", 59999.9, 60000.0)
  h.depth("SIM-B", "BTC-USDT", { { 59980.9, 1 } }, { { 59981.0, 0.001 }, { 60161.0, 1 } })
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0, "the top of book alone would have closed")
end

function T.test_no_close_on_stale_books(h)
  h.load("cross_exchange_arb", PARAMS)
  open_pair(h)
  converged(h, 59981.0, { age_ms = 2500 })
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0)
end

function T.test_params_are_checked_against_their_declarations(h)
  h.contains(h.load_error("cross_exchange_arb", { min_spread_bps = -1 }), "below its min 0")
  h.contains(h.load_error("cross_exchange_arb", { notional_usdt = "lots" }), "must be a number")
  h.contains(h.load_error("cross_exchange_arb", { typo_bps = 1 }), "not declared")
  h.is_nil(h.load_error("cross_exchange_arb", PARAMS))
end

function T.test_a_previous_state_is_dropped_without_migrate(h)
  h.load("cross_exchange_arb", PARAMS, { anything = 1 })
  h.contains(h.logs()[1], "previous state dropped")
  h.eq(h.stop(), {})
end

return T
