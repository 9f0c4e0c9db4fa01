-- cross_exchange_arb: perp–perp spread between two venues.
--
-- For the symbol whose book just changed, look at every ordered pair of venues
-- (`long`, `short`) whose books are both fresh (age_ms <= max_book_age_ms). Prices are
-- those we would really get for the configured notional (ctx:fill_price walks the
-- book, so slippage counts); `fee` is taker_fee_bps.
--
-- Entry, when the strategy is flat on both venues in the symbol: buy on `long`, sell
-- on `short`. Its net edge counts the taker fees of the entry and of the later exit:
--   entry_net = (sell on short − buy on long) / buy on long × 1e4 − 4 × fee
-- A hedged pair is proposed when entry_net >= min_spread_bps.
--
-- Exit, when the strategy holds an open pair (ctx:position(long) > 0 and
-- ctx:position(short) < 0): undoing it sells back on `long` at its bids and buys back
-- on `short` at its asks. That closing trade's own net edge, after its two taker fees,
-- and the spread the pair still holds are
--   exit_net  = (sell on long − buy on short) / buy on short × 1e4 − 2 × fee
--   remaining = −exit_net
-- exit_spread_bps ("net edge at which an open pair is closed") is that remaining
-- spread: the pair is closed when remaining <= exit_spread_bps. (The entry's edge
-- already paid all four fees, so a pair entered and closed at the proposed prices has
-- earned, after fees, at least about min_spread_bps − exit_spread_bps + 2 × fee.)
-- The close is a reduce_only pair that buys on `short` and sells on `long` (the venues
-- swapped) with notional_usdt = the param as an upper bound: the executor never closes
-- more than the smaller of the two positions, and what a smaller notional leaves open
-- is closed on a later book event. It carries the closing trade's spread_bps (gross,
-- top of book) and net_spread_bps (exit_net).
--
-- No pyramiding: while the strategy holds anything in the symbol on either venue of a
-- pair, no entry is proposed on that pair in either direction. An open pair is only
-- ever closed; a leg left alone (a hedge that failed) is the core's to flatten, not a
-- reason to trade more. Positions come from ctx:position alone (on_fill is not used).
--
-- The core decides whether anything is traded: in HOLD a proposal is shown as
-- `blocked_by_hold`. The per-event path allocates nothing but the proposals themselves
-- (ctx:venues, ctx:book are reused tables; ctx:position and ctx:fill_price numbers).
-- Host calls per event: ctx:book and ctx:position once per venue (not per pair), and
-- ctx:fill_price only for a pair whose top of book could clear the threshold — the
-- walked prices are never better than the top (buy ≥ best ask, sell ≤ best bid), so a
-- pair that fails at the top (by more than a rounding margin) fails walked too.

local M = {
  name = "cross_exchange_arb",
  params = {
    min_spread_bps  = { type = "number", default = 4,    min = 0,  max = 1000, doc = "net edge needed to propose an entry" },
    exit_spread_bps = { type = "number", default = 1,    min = -100, max = 1000, doc = "net edge at which an open pair is closed" },
    notional_usdt   = { type = "number", default = 1000, min = 10, max = 1e6, doc = "size of each leg in USDT" },
    taker_fee_bps   = { type = "number", default = 4,    min = 0,  max = 100, doc = "taker fee per leg per side" },
    max_book_age_ms = { type = "number", default = 2000, min = 1,  max = 60000, doc = "time guard: ignore books older than this" },
  },
}

-- Per-event scratch, reused: the books and positions of ctx:venues() by index.
local books, held = {}, {}

local function fresh(book, p)
  return book ~= nil and book.age_ms <= p.max_book_age_ms
end

-- Entries and closes are the same trade: buy on `buy_venue`, sell on `sell_venue`, each
-- walked for the notional; its net edge is the gross edge less `fee_fills` taker fees.
-- Proposed when that edge is at least `min_net`.
local TOP_MARGIN_BPS = 1e-6  -- rounding of the walked average against the top price

local function propose_if(ctx, symbol, buy_venue, sell_venue, buy_book, sell_book, fee_fills, min_net, reduce_only,
                          reason)
  local p = ctx.params
  local top_net = (sell_book.bid - buy_book.ask) / buy_book.ask * 1e4 - fee_fills * p.taker_fee_bps
  if top_net < min_net - TOP_MARGIN_BPS then return end
  local buy = ctx:fill_price(buy_venue, symbol, "buy", p.notional_usdt)
  local sell = ctx:fill_price(sell_venue, symbol, "sell", p.notional_usdt)
  if not (buy and sell) then return end
  local net = (sell - buy) / buy * 1e4 - fee_fills * p.taker_fee_bps
  if net < min_net then return end
  ctx:propose{
    symbol = symbol,
    long_venue = buy_venue,
    short_venue = sell_venue,
    notional_usdt = p.notional_usdt,
    reduce_only = reduce_only,
    spread_bps = (sell_book.bid - buy_book.ask) / buy_book.ask * 1e4,
    net_spread_bps = net,
    long_price = buy,
    short_price = sell,
    reason = reason,
  }
end

function M.on_book(ctx, ev)
  local p = ctx.params
  local symbol = ev.symbol
  local venues = ctx:venues()
  local n = #venues
  -- One read per venue; a stale or missing book is `false` (skipped below).
  for i = 1, n do
    local book = ctx:book(venues[i], symbol)
    if fresh(book, p) then
      books[i] = book
      held[i] = ctx:position(venues[i], symbol)
    else
      books[i] = false
    end
  end
  for i = 1, n do
    for j = 1, n do
      if i ~= j and books[i] and books[j] then
        local long, short = venues[i], venues[j]
        local lb, sb = books[i], books[j]
        local held_long, held_short = held[i], held[j]
        if held_long > 0 and held_short < 0 then
          -- The close buys back on `short`, sells on `long`: remaining = −net.
          propose_if(ctx, symbol, short, long, sb, lb, 2, -p.exit_spread_bps, true,
                     "exit: spread back under exit_spread_bps")
        elseif held_long == 0 and held_short == 0 then
          propose_if(ctx, symbol, long, short, lb, sb, 4, p.min_spread_bps, false,
                     "net edge above min_spread_bps")
        end
      end
    end
  end
end

return M
