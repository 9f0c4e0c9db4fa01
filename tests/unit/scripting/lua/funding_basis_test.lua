-- strategies/funding_basis.lua, driven by the strategy test harness (scripting/strategy_test_harness.hpp
-- documents the `h` API): each test_* function is one GoogleTest, or `propbot strategy test` this file.
local T = {}

local MINUTE = 60000

-- Two tight, deep books at 60000 (the round trip costs ~0.03 bps of slippage) and
-- 2 bps taker fees on both venues: 8 bps of fees for four fills.
local function market(h, opts)
  h.book("SIM-A", "BTC-USDT", 59999.9, 60000.0, opts)
  h.book("SIM-B", "BTC-USDT", 59999.9, 60000.0, opts)
end

-- Funding per interval on each venue, the next funding `lead_ms` from now.
local function funding(h, rate_a, rate_b, lead_ms)
  local next_ms = h.now_ms() + (lead_ms or 10 * MINUTE)
  h.funding("SIM-A", "BTC-USDT", rate_a, next_ms)
  h.funding("SIM-B", "BTC-USDT", rate_b, next_ms)
end

local function load(h, params, previous)
  h.fees("SIM-A", 0.5, 2)
  h.fees("SIM-B", 0.5, 2)
  h.load("funding_basis", params or {}, previous)
  market(h)
end

local SLIPPAGE = 2 * 2 * (0.05 / 59999.95 * 1e4)  -- half a tick each leg, in and out

function T.test_enters_long_where_funding_is_lower_and_short_where_it_is_higher(h)
  load(h)
  funding(h, 0.0001, 0.0006)  -- 1 and 6 bps: 5 bps per interval to the pair
  local intents = h.on_book("SIM-A", "BTC-USDT")
  h.len(intents, 1)
  local i = intents[1]
  h.eq(i.kind, "hedged_pair")
  h.eq(i.long_venue, "SIM-A", "long pays the lower funding")
  h.eq(i.short_venue, "SIM-B", "short receives the higher funding")
  h.eq(i.notional_usdt, 1000)
  -- 5 bps × 3 intervals − 8 bps of fees − slippage
  h.near(i.net_spread_bps, 15 - 8 - SLIPPAGE, 1e-6, "net carry over hold_intervals")
  h.near(i.long_price, 60000.0, 1e-6)
  h.near(i.short_price, 59999.9, 1e-6)
  h.eq(i.max_slippage_bps, 5, "a slippage cap")
  h.eq(i.time_guard_ms, 2000, "a time guard")
  h.eq(i.reduce_only, false, "an entry")
  h.contains(i.reason, "5.00 bps/interval")
  h.contains(i.reason, "54.7%/year")  -- 5 bps × 3 a day × 365
end

function T.test_the_direction_follows_the_rates(h)
  load(h)
  funding(h, 0.0004, -0.0002)  -- SIM-B's shorts pay: be long there
  local i = h.on_book("SIM-A", "BTC-USDT")[1]
  h.ok(i, "an entry")
  h.eq(i.long_venue, "SIM-B")
  h.eq(i.short_venue, "SIM-A")
  h.near(i.net_spread_bps, 18 - 8 - SLIPPAGE, 1e-6)
end

function T.test_no_entry_when_fees_and_slippage_eat_the_carry(h)
  load(h)
  funding(h, 0.0001, 0.0004)  -- 3 bps × 3 = 9 bps, 8 of them fees: 0.97 < min_net_bps 2
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
  -- The same carry clears a lower bar, so it was the threshold that said no.
  h.load("funding_basis", { min_net_bps = 0.5 })
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1)
end

function T.test_thin_books_cost_their_slippage(h)
  load(h)
  funding(h, 0.0001, 0.0006)
  -- 0.001 BTC at the touch, then 20 bps away: 1000 USDT walks the book on both legs.
  h.depth("SIM-A", "BTC-USDT", { { 59999.9, 1 } }, { { 60000.0, 0.001 }, { 60120.0, 1 } })
  h.depth("SIM-B", "BTC-USDT", { { 59999.9, 0.001 }, { 59880.0, 1 } }, { { 60000.0, 1 } })
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
end

function T.test_a_book_too_thin_for_the_notional_proposes_nothing(h)
  load(h)
  funding(h, 0.0001, 0.0006)
  h.book("SIM-B", "BTC-USDT", 59999.9, 60000.0, { qty = 0.001, levels = 2 })  -- 120 USDT of bids
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
  h.eq(h.faults(), 0)
end

function T.test_entries_only_inside_the_window_before_funding(h)
  load(h)
  funding(h, 0.0001, 0.0006, 2 * 60 * MINUTE)  -- two hours ahead: window is 30 minutes
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "too early")
  funding(h, 0.0001, 0.0006, 5000)  -- 5 s ahead: under min_lead_ms = 10 s
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "too late to fill before the snapshot")
  h.funding("SIM-A", "BTC-USDT", 0.0001, 0)  -- next funding unknown on one leg
  h.funding("SIM-B", "BTC-USDT", 0.0006, h.now_ms() + 10 * MINUTE)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "unknown schedule")
  funding(h, 0.0001, 0.0006, 30 * MINUTE)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1, "at the edge of the window")
end

function T.test_the_window_is_a_param(h)
  load(h, { entry_window_ms = 3 * 60 * MINUTE, min_lead_ms = 0 })
  funding(h, 0.0001, 0.0006, 2 * 60 * MINUTE)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1)
end

function T.test_stale_books_are_ignored(h)
  load(h)
  funding(h, 0.0001, 0.0006)
  market(h, { age_ms = 2500 })
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
end

function T.test_the_time_guard_and_slippage_cap_are_params(h)
  load(h, { time_guard_ms = 750, max_slippage_bps = 1.5 })
  funding(h, 0.0001, 0.0006)
  local i = h.on_book("SIM-A", "BTC-USDT")[1]
  h.eq(i.time_guard_ms, 750)
  h.eq(i.max_slippage_bps, 1.5)
end

function T.test_a_proposal_is_not_repeated_within_the_cooldown(h)
  load(h)
  funding(h, 0.0001, 0.0006, 20 * MINUTE)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1)
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0, "the next tick")
  h.advance(59000)
  market(h)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "59 s later")
  h.advance(1000)
  market(h)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1, "after cooldown_ms")
end

function T.test_no_entry_when_the_budget_has_no_room_for_both_legs(h)
  load(h)
  funding(h, 0.0001, 0.0006)
  h.budget(5000, 50000, 48500)  -- 1500 left, a pair needs 2 × 1000
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
  h.budget(5000, 50000, 47000)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1)
end

-- Long 0.02 BTC on SIM-A, short 0.025 on SIM-B: an open carry.
local function open_carry(h)
  h.position("SIM-A", "BTC-USDT", 0.02)
  h.position("SIM-B", "BTC-USDT", -0.025)
end

function T.test_an_open_carry_is_held_while_it_earns_and_never_added_to(h)
  load(h)
  open_carry(h)
  funding(h, 0.0001, 0.0009)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
end

function T.test_an_open_carry_is_closed_when_the_differential_falls_below_exit_bps(h)
  load(h)
  open_carry(h)
  funding(h, 0.0003, 0.0001)  -- now −2 bps in the carry's favour
  local intents = h.on_book("SIM-A", "BTC-USDT")
  h.len(intents, 1, "one exit, and no reverse entry on top of it")
  local i = intents[1]
  h.eq(i.reduce_only, true, "a close")
  h.eq(i.long_venue, "SIM-B", "buy back the short")
  h.eq(i.short_venue, "SIM-A", "sell the long")
  h.near(i.long_price, 60000.0, 1e-6, "SIM-B's ask")
  h.near(i.short_price, 59999.9, 1e-6, "SIM-A's bid")
  -- An upper bound: the smaller leg at the dearest price, so the executor's clamp to
  -- the positions (0.02 on both legs) sizes the close, whatever price it divides by.
  h.near(i.notional_usdt, 0.02 * 60000.0, 1e-6, "the smaller leg, at the dearest price")
  h.near(i.spread_bps, (59999.9 - 60000.0) / 60000.0 * 1e4, 1e-9)
  h.near(i.net_spread_bps, -2, 1e-9)
  h.eq(i.time_guard_ms, 2000)
  h.eq(i.max_slippage_bps, 5)
  h.contains(i.reason, "exit")
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "the exit cools down too")
  h.advance(60000)
  market(h)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1, "and is proposed again if still open")
end

function T.test_an_open_carry_is_closed_in_either_direction(h)
  load(h)
  h.position("SIM-B", "BTC-USDT", 0.02)
  h.position("SIM-A", "BTC-USDT", -0.02)
  funding(h, 0.0001, 0.0003)  -- SIM-B's long now pays 2 bps more than SIM-A's short gets
  local intents = h.on_book("SIM-B", "BTC-USDT")
  h.len(intents, 1)
  h.eq(intents[1].reduce_only, true)
  h.eq(intents[1].long_venue, "SIM-A", "buy back the short")
  h.eq(intents[1].short_venue, "SIM-B", "sell the long")
  h.near(intents[1].net_spread_bps, -2, 1e-9)
end

function T.test_exit_bps_is_the_line_the_differential_falls_below(h)
  load(h, { exit_bps = 2 })
  open_carry(h)
  funding(h, 0.0001, 0.00035)  -- 2.5 bps in favour: above exit_bps, held
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
  funding(h, 0.0001, 0.00025)  -- 1.5 bps: still positive, but below exit_bps
  local intents = h.on_book("SIM-A", "BTC-USDT")
  h.len(intents, 1)
  h.eq(intents[1].reduce_only, true)
end

function T.test_a_leg_held_alone_blocks_entries(h)
  load(h)
  h.position("SIM-A", "BTC-USDT", 0.02)  -- its hedge never filled: the core's to flatten
  funding(h, 0.0001, 0.0006)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "no entry on top of a lone leg")
  h.position("SIM-A", "BTC-USDT", 0)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1, "flat again: entries resume")
end

function T.test_exits_do_not_wait_for_the_funding_window(h)
  load(h, { exit_bps = 1 })
  open_carry(h)
  funding(h, 0.0001, 0.00015, 5 * 60 * MINUTE)  -- 0.5 bps in favour, under exit_bps = 1
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1)
end

function T.test_migrate_reads_version_1_state(h)
  local now = h.now_ms()
  load(h, {}, { last_proposed_ms = { ["BTC-USDT|SIM-A|SIM-B"] = now - 1000 } })
  funding(h, 0.0001, 0.0006)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "the old cooldown still holds")
  local state = h.stop()
  h.eq(state.version, 2)
  h.eq(state.cooldowns, { ["BTC-USDT|enter|SIM-A|SIM-B"] = now - 1000 })
end

function T.test_migrate_keeps_version_2_state_and_drops_garbage(h)
  local now = h.now_ms()
  load(h, {}, { version = 2, cooldowns = { ["BTC-USDT|exit|SIM-A|SIM-B"] = now, bad = "x" } })
  h.eq(h.stop().cooldowns, { ["BTC-USDT|exit|SIM-A|SIM-B"] = now })
  load(h, {}, { something = "else" })
  h.eq(h.stop(), { version = 2, cooldowns = {} })
end

function T.test_state_survives_a_reload_through_stop_and_migrate(h)
  load(h)
  funding(h, 0.0001, 0.0006)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 1)
  local state = h.stop()
  load(h, {}, state)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "the new version keeps the cooldown")
end

function T.test_params_are_checked_against_their_declarations(h)
  h.contains(h.load_error("funding_basis", { hold_intervals = 1.5 }), "must be an integer")
  h.contains(h.load_error("funding_basis", { entry_window_ms = 10 }), "below its min")
  h.is_nil(h.load_error("funding_basis", { min_net_bps = 0 }))
end

return T
