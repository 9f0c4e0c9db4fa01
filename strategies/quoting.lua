-- quoting: an example maker skeleton (S-7.2). Not a strategy to run as it is.
--
-- On one venue, quote a bid and an ask around the mid, `half_spread_bps` away, as
-- post-only single orders. Inventory (ctx:position × mid, in USDT) skews both quotes
-- against itself: long inventory moves both prices down by `skew_bps_per_1000_usdt`
-- per 1000 USDT (sell more readily, buy less), short inventory moves them up. Beyond
-- `max_inventory_usdt` the side that would add to the inventory is not quoted at all.
-- A quote never crosses the book: a bid at or above the best ask is pulled back to the
-- best bid (and an ask at or below the best bid to the best ask), the nearest prices
-- known to be on the venue's tick grid and on the passive side, so post-only is not
-- rejected. Quotes are renewed only when the mid moved more than `requote_bps` since
-- the last quote, or when the `refresh_ms` timer fires (which also picks up inventory
-- that changed through fills). Each quote carries `quote_ttl_ms` as its time guard.

local M = {
  name = "quoting",
  params = {
    venue                  = { type = "string", default = "",    doc = "venue to quote on; empty: the first of ctx:venues()" },
    notional_usdt          = { type = "number", default = 200,   min = 10,   max = 1e6,     doc = "size of each quote in USDT" },
    half_spread_bps        = { type = "number", default = 5,     min = 0.1,  max = 1000,    doc = "distance of each quote from the mid" },
    skew_bps_per_1000_usdt = { type = "number", default = 1,     min = 0,    max = 1000,    doc = "both quotes move against the inventory by this per 1000 USDT held" },
    max_inventory_usdt     = { type = "number", default = 2000,  min = 1,    max = 1e7,     doc = "beyond this, the side that adds inventory is not quoted" },
    requote_bps            = { type = "number", default = 2,     min = 0,    max = 1000,    doc = "renew the quotes when the mid moved more than this" },
    refresh_ms             = { type = "number", default = 5000,  min = 100,  max = 3600000, doc = "renew the quotes at least this often" },
    quote_ttl_ms           = { type = "number", default = 10000, min = 1,    max = 3600000, doc = "time guard of each quote" },
    max_book_age_ms        = { type = "number", default = 2000,  min = 1,    max = 60000,   doc = "do not quote on a book older than this" },
  },
}

local function quoted_venue(ctx)
  local venue = ctx.params.venue
  if venue == "" then venue = ctx:venues()[1] end
  return venue
end

-- The prices to quote for `book` with `inventory_usdt` held; nil for a side not quoted.
local function quote_prices(p, book, inventory_usdt)
  local skew = inventory_usdt / 1000 * p.skew_bps_per_1000_usdt
  local bid = book.mid * (1 - (p.half_spread_bps + skew) / 1e4)
  local ask = book.mid * (1 + (p.half_spread_bps - skew) / 1e4)
  -- Never cross: post-only would be rejected (or, worse, take).
  if bid >= book.ask then bid = book.bid end
  if ask <= book.bid then ask = book.ask end
  if inventory_usdt >= p.max_inventory_usdt then bid = nil end
  if inventory_usdt <= -p.max_inventory_usdt then ask = nil end
  return bid, ask
end

local function quote(ctx, venue, symbol, why)
  local p = ctx.params
  local book = ctx:book(venue, symbol)
  if book == nil or book.age_ms > p.max_book_age_ms then return end
  local inventory_usdt = ctx:position(venue, symbol) * book.mid
  local bid, ask = quote_prices(p, book, inventory_usdt)
  local function propose(side, price)
    if price == nil then return end
    ctx:propose{
      kind = "single",
      symbol = symbol,
      venue = venue,
      side = side,
      notional_usdt = p.notional_usdt,
      price = price,
      post_only = true,
      time_guard_ms = p.quote_ttl_ms,
      reason = string.format("%s quote (%s), inventory %.0f USDT", side, why, inventory_usdt),
    }
  end
  propose("buy", bid)
  propose("sell", ask)
  local last = ctx.state.quoted[symbol]
  if last == nil then
    last = {}
    ctx.state.quoted[symbol] = last
  end
  last.mid, last.bid, last.ask, last.at_ms = book.mid, bid, ask, ctx:now_ms()
end

function M.on_start(ctx)
  ctx.state.quoted = ctx.state.quoted or {}
  ctx:set_timer("refresh", ctx.params.refresh_ms, true)
end

function M.on_book(ctx, ev)
  local venue = quoted_venue(ctx)
  if ev.venue ~= venue then return end
  local book = ctx:book(venue, ev.symbol)
  if book == nil then return end
  local last = ctx.state.quoted[ev.symbol]
  if last ~= nil and math.abs(book.mid - last.mid) / last.mid * 1e4 <= ctx.params.requote_bps then return end
  quote(ctx, venue, ev.symbol, last == nil and "first" or "mid moved")
end

function M.on_timer(ctx, name, now_ms)
  if name ~= "refresh" then return end
  local venue = quoted_venue(ctx)
  -- Sorted, so the order of the proposals does not depend on table iteration.
  local symbols = {}
  for symbol in pairs(ctx.state.quoted) do symbols[#symbols + 1] = symbol end
  table.sort(symbols)
  for _, symbol in ipairs(symbols) do quote(ctx, venue, symbol, "refresh") end
end

-- The last quotes are only a hint (they are renewed on the first book): keep the
-- well-formed ones, drop the rest.
function M.migrate(old)
  local state = { quoted = {} }
  if type(old) == "table" and type(old.quoted) == "table" then
    for symbol, q in pairs(old.quoted) do
      if type(symbol) == "string" and type(q) == "table" and type(q.mid) == "number" and q.mid > 0 then
        state.quoted[symbol] = { mid = q.mid, bid = q.bid, ask = q.ask, at_ms = q.at_ms }
      end
    end
  end
  return state
end

return M
