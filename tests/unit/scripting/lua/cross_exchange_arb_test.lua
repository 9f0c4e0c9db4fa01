-- strategies/cross_exchange_arb.lua, driven by tests/unit/scripting/strategy_lua_test.cpp
-- (see the top of that file for the `h` API). Each test_* function is one GoogleTest.
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
