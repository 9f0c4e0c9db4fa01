-- strategies/quoting.lua, driven by the strategy test harness (scripting/strategy_test_harness.hpp
-- documents the `h` API): each test_* function is one GoogleTest, or `propbot strategy test` this file.
local T = {}

-- SIM-A: 59990 / 60010, mid 60000 (a 3.3 bps spread).
local function book(h, mid, opts)
  mid = mid or 60000
  h.book("SIM-A", "BTC-USDT", mid - 10, mid + 10, opts)
end

local function load(h, params, previous)
  h.load("quoting", params or {}, previous)
  book(h)
end

local function by_side(intents)
  local out = {}
  for _, i in ipairs(intents) do out[i.side] = i end
  return out
end

function T.test_quotes_both_sides_post_only_around_the_mid(h)
  load(h)
  local intents = h.on_book("SIM-A", "BTC-USDT")
  h.len(intents, 2)
  h.eq(intents[1].side, "buy", "the bid first")
  local q = by_side(intents)
  for _, side in ipairs({ "buy", "sell" }) do
    local i = q[side]
    h.eq(i.kind, "single", side)
    h.eq(i.venue, "SIM-A", side)
    h.eq(i.symbol, "BTC-USDT", side)
    h.eq(i.post_only, true, side)
    h.eq(i.notional_usdt, 200, side)
    h.eq(i.time_guard_ms, 10000, side .. " carries quote_ttl_ms")
  end
  h.near(q.buy.price, 60000 * (1 - 5e-4), 1e-6, "half_spread_bps = 5 below the mid")
  h.near(q.sell.price, 60000 * (1 + 5e-4), 1e-6, "and above it")
end

function T.test_books_of_other_venues_are_not_quoted(h)
  load(h)
  h.book("SIM-B", "BTC-USDT", 59990, 60010)
  h.len(h.on_book("SIM-B", "BTC-USDT"), 0)
  h.load("quoting", { venue = "SIM-B" })
  local intents = h.on_book("SIM-B", "BTC-USDT")
  h.len(intents, 2)
  h.eq(intents[1].venue, "SIM-B")
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
end

function T.test_long_inventory_skews_both_quotes_down(h)
  load(h)
  h.position("SIM-A", "BTC-USDT", 0.02)  -- 1200 USDT: 1.2 bps of skew
  local q = by_side(h.on_book("SIM-A", "BTC-USDT"))
  h.near(q.buy.price, 60000 * (1 - 6.2e-4), 1e-6)
  h.near(q.sell.price, 60000 * (1 + 3.8e-4), 1e-6)
  h.contains(q.buy.reason, "inventory 1200 USDT")
end

function T.test_short_inventory_skews_both_quotes_up(h)
  load(h, { skew_bps_per_1000_usdt = 2 })
  h.position("SIM-A", "BTC-USDT", -0.01)  -- −600 USDT: −1.2 bps
  local q = by_side(h.on_book("SIM-A", "BTC-USDT"))
  h.near(q.buy.price, 60000 * (1 - 3.8e-4), 1e-6)
  h.near(q.sell.price, 60000 * (1 + 6.2e-4), 1e-6)
end

function T.test_beyond_max_inventory_the_side_that_adds_is_not_quoted(h)
  load(h)
  h.position("SIM-A", "BTC-USDT", 2000 / 60000)  -- exactly max_inventory_usdt long
  local intents = h.on_book("SIM-A", "BTC-USDT")
  h.len(intents, 1)
  h.eq(intents[1].side, "sell", "only the side that reduces a long")
  h.position("SIM-A", "BTC-USDT", -0.05)
  book(h, 60100)  -- a move, so it requotes
  intents = h.on_book("SIM-A", "BTC-USDT")
  h.len(intents, 1)
  h.eq(intents[1].side, "buy", "only the side that reduces a short")
end

function T.test_a_skewed_bid_never_crosses_the_best_ask(h)
  load(h, { skew_bps_per_1000_usdt = 100 })
  h.position("SIM-A", "BTC-USDT", -0.01)  -- −600 USDT: the quotes move 60 bps up
  local q = by_side(h.on_book("SIM-A", "BTC-USDT"))
  h.ok(60000 * (1 + 55e-4) >= 60010, "unpulled, the bid would cross")
  h.eq(q.buy.price, 59990, "pulled back to the best bid")
  h.ok(q.buy.price < 60010, "below the best ask: post-only is not rejected")
  h.near(q.sell.price, 60000 * (1 + 65e-4), 1e-6, "the ask is not touched")
end

function T.test_a_skewed_ask_never_crosses_the_best_bid(h)
  load(h, { skew_bps_per_1000_usdt = 100 })
  h.position("SIM-A", "BTC-USDT", 0.01)
  local q = by_side(h.on_book("SIM-A", "BTC-USDT"))
  h.eq(q.sell.price, 60010, "pulled back to the best ask")
  h.near(q.buy.price, 60000 * (1 - 65e-4), 1e-6)
end

function T.test_a_quote_inside_the_spread_is_kept(h)
  load(h, { half_spread_bps = 0.5 })  -- 3 USDT from the mid, inside the 20 USDT spread
  local q = by_side(h.on_book("SIM-A", "BTC-USDT"))
  h.near(q.buy.price, 59997, 1e-6)
  h.near(q.sell.price, 60003, 1e-6)
end

function T.test_requotes_only_when_the_mid_moved_more_than_requote_bps(h)
  load(h)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 2, "first quotes")
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "same book")
  book(h, 60006)  -- 1 bp
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "1 bp is within requote_bps = 2")
  book(h, 60018)  -- 3 bps from the quoted mid
  local q = by_side(h.on_book("SIM-A", "BTC-USDT"))
  h.near(q.buy.price, 60018 * (1 - 5e-4), 1e-6, "requoted around the new mid")
  book(h, 60012)  -- 1 bp from the new quoted mid
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
end

function T.test_the_refresh_timer_requotes_and_picks_up_inventory(h)
  load(h)
  h.len(h.on_book("SIM-A", "BTC-USDT"), 2)
  h.len(h.advance(4000), 0, "before refresh_ms")
  h.position("SIM-A", "BTC-USDT", 0.02)  -- a fill happened meanwhile
  book(h)                                -- fresh again
  local q = by_side(h.advance(1000))
  h.ok(q.buy and q.sell, "refresh_ms = 5000: both quotes renewed")
  h.near(q.buy.price, 60000 * (1 - 6.2e-4), 1e-6, "with the new skew")
  h.contains(q.buy.reason, "refresh")
end

function T.test_a_stale_book_is_not_quoted(h)
  load(h)
  book(h, 60000, { age_ms = 2500 })
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0)
  h.len(h.advance(5000), 0, "nor on refresh")
end

function T.test_migrate_keeps_the_well_formed_quotes(h)
  load(h, {}, { quoted = { ["BTC-USDT"] = { mid = 60000, bid = 59970, ask = 60030 },
                           ["ETH-USDT"] = { mid = -1 }, ["SOL-USDT"] = "junk" } })
  h.len(h.on_book("SIM-A", "BTC-USDT"), 0, "the migrated quote is still good for this mid")
  local state = h.stop()
  h.eq(state.quoted["BTC-USDT"].mid, 60000)
  h.is_nil(state.quoted["ETH-USDT"])
  h.is_nil(state.quoted["SOL-USDT"])
  load(h, {}, "not a table")
  h.len(h.on_book("SIM-A", "BTC-USDT"), 2, "a state it cannot read means quoting afresh")
end

function T.test_params_are_checked_against_their_declarations(h)
  h.contains(h.load_error("quoting", { half_spread_bps = 0 }), "below its min")
  h.contains(h.load_error("quoting", { venue = 3 }), "must be a string")
  h.is_nil(h.load_error("quoting", { venue = "SIM-B", max_inventory_usdt = 500 }))
end

return T
