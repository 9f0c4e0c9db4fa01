-- funding_basis: funding-rate carry between two venues' perps of one symbol.
--
-- A perp long pays `rate × notional` every funding interval (receives when the rate is
-- negative), a short receives it. Long the perp where funding is lower and short the
-- one where it is higher, and the pair — flat in price — earns the difference every
-- interval it is held. Entering and leaving costs four taker fills (ctx:fees) and the
-- books' depth (ctx:fill_price for the notional), so the carry expected over
-- `hold_intervals` intervals must clear those costs by `min_net_bps` (of one leg's
-- notional) before a pair is proposed. Entries are only proposed in a window before
-- the next funding (`entry_window_ms` .. `min_lead_ms` ahead of it, from
-- ctx:funding's next_funding_ms): an earlier entry carries the price risk for nothing,
-- a later one may not be filled in time.
--
-- An open carry (long on one venue, short on the other, from ctx:position) is closed
-- when the differential in its favour, (short's rate − long's rate) × 1e4 bps per
-- interval, falls below `exit_bps` — at any time, not only in the window. The close is
-- a reduce_only pair with the venues swapped (buy back on the short venue, sell on the
-- long one) at the prices ctx:fill_price walks for the smaller leg, its notional_usdt
-- an upper bound (the smaller leg at the dearest of those prices and the long venue's
-- ask) so that the executor's clamp to the positions, not the notional, sizes it:
-- both legs close the smaller position's quantity. Entries only from flat: while the
-- strategy holds anything in the symbol on either venue of a pair, no entry is
-- proposed on it (an open carry is only ever closed; a leg left alone is the core's to
-- flatten). A proposal for a pair is not repeated for `cooldown_ms`
-- (ctx.state.cooldowns), and every proposal carries a time guard and a slippage cap.
-- The core decides whether anything is traded.

local M = {
  name = "funding_basis",
  params = {
    notional_usdt      = { type = "number",  default = 1000,   min = 10,    max = 1e6,      doc = "size of each leg in USDT" },
    min_net_bps        = { type = "number",  default = 2,      min = 0,     max = 1000,     doc = "net carry over hold_intervals, after round-trip fees and slippage, needed to enter (bps of one leg)" },
    hold_intervals     = { type = "integer", default = 3,      min = 1,     max = 90,       doc = "funding intervals the carry is expected to be held" },
    exit_bps           = { type = "number",  default = 0,      min = -100,  max = 100,      doc = "close an open carry when the differential in its favour falls below this (bps per interval)" },
    interval_hours     = { type = "number",  default = 8,      min = 1,     max = 24,       doc = "funding interval, for the annualised figure in the reason" },
    entry_window_ms    = { type = "number",  default = 1800000, min = 1000, max = 86400000, doc = "enter only this close (or closer) to the next funding" },
    min_lead_ms        = { type = "number",  default = 10000,  min = 0,     max = 3600000,  doc = "and not closer than this: the legs must fill before the snapshot" },
    max_slippage_bps   = { type = "number",  default = 5,      min = 0,     max = 1000,     doc = "slippage cap carried by each proposal" },
    time_guard_ms      = { type = "number",  default = 2000,   min = 1,     max = 60000,    doc = "time guard carried by each proposal" },
    max_book_age_ms    = { type = "number",  default = 2000,   min = 1,     max = 60000,    doc = "ignore books older than this" },
    cooldown_ms        = { type = "number",  default = 60000,  min = 0,     max = 86400000, doc = "do not repeat a proposal for the same pair within this" },
  },
}

local STATE_VERSION = 2

-- Round-trip cost in bps of buying `notional` on `long` and selling it on `short` now
-- and undoing both later: the entry prices against the mids (half spread, depth) and
-- the same again for the exit, plus four taker fees. nil when a book is missing or too
-- thin for the notional.
local function round_trip_cost_bps(ctx, long, short, lb, sb, symbol, notional)
  local buy = ctx:fill_price(long, symbol, "buy", notional)
  local sell = ctx:fill_price(short, symbol, "sell", notional)
  if not (buy and sell) then return nil end
  local slippage = (buy - lb.mid) / lb.mid * 1e4 + (sb.mid - sell) / sb.mid * 1e4
  local fees = 2 * (ctx:fees(long).taker_bps + ctx:fees(short).taker_bps)
  return 2 * slippage + fees, buy, sell
end

local function cooling(ctx, key, now)
  local last = ctx.state.cooldowns[key]
  return last ~= nil and now - last < ctx.params.cooldown_ms
end

local function fresh(book, p)
  return book ~= nil and book.age_ms <= p.max_book_age_ms
end

-- Close an open carry: long on `long`, short on `short`, opened on an earlier
-- differential. Returns true when it proposed (or is cooling down from) an exit.
local function maybe_exit(ctx, symbol, long, short, lf, sf, now)
  local p = ctx.params
  local held_long, held_short = ctx:position(long, symbol), ctx:position(short, symbol)
  if not (held_long > 0 and held_short < 0) then return false end
  local favour_bps = (sf.rate - lf.rate) * 1e4
  if favour_bps >= p.exit_bps then return true end  -- still earning: hold
  local key = symbol .. "|exit|" .. long .. "|" .. short
  if cooling(ctx, key, now) then return true end
  local lb, sb = ctx:book(long, symbol), ctx:book(short, symbol)
  if not (fresh(lb, p) and fresh(sb, p)) then return true end
  -- Buy back the short, sell the long: the smaller leg decides the size.
  local qty = math.min(held_long, -held_short)
  local reach = qty * math.max(lb.ask, sb.ask)
  local buy = ctx:fill_price(short, symbol, "buy", reach)
  local sell = ctx:fill_price(long, symbol, "sell", reach)
  if not (buy and sell) then return true end
  ctx:propose{
    symbol = symbol,
    long_venue = short,
    short_venue = long,
    notional_usdt = qty * math.max(buy, lb.ask),
    reduce_only = true,
    spread_bps = (sell - buy) / buy * 1e4,
    net_spread_bps = favour_bps,
    long_price = buy,
    short_price = sell,
    max_slippage_bps = p.max_slippage_bps,
    time_guard_ms = p.time_guard_ms,
    reason = string.format("funding carry exit: differential %.2f bps below exit_bps", favour_bps),
  }
  ctx.state.cooldowns[key] = now
  return true
end

local function maybe_enter(ctx, symbol, long, short, lf, sf, now)
  local p = ctx.params
  local diff_bps = (sf.rate - lf.rate) * 1e4  -- received per interval, bps of one leg
  if diff_bps <= 0 then return end
  -- The window before the next funding (the earlier of the two legs').
  local next_ms = math.min(lf.next_funding_ms, sf.next_funding_ms)
  if lf.next_funding_ms <= 0 or sf.next_funding_ms <= 0 then return end
  local lead = next_ms - now
  if lead > p.entry_window_ms or lead < p.min_lead_ms then return end
  local key = symbol .. "|enter|" .. long .. "|" .. short
  if cooling(ctx, key, now) then return end
  local lb, sb = ctx:book(long, symbol), ctx:book(short, symbol)
  if not (fresh(lb, p) and fresh(sb, p)) then return end
  local budget = ctx:budget()
  if budget.remaining_usdt < 2 * p.notional_usdt then return end
  local cost, buy, sell = round_trip_cost_bps(ctx, long, short, lb, sb, symbol, p.notional_usdt)
  if cost == nil then return end
  local net = diff_bps * p.hold_intervals - cost
  if net < p.min_net_bps then return end
  local annual_pct = diff_bps / 100 * (24 / p.interval_hours) * 365
  ctx:propose{
    symbol = symbol,
    long_venue = long,
    short_venue = short,
    notional_usdt = p.notional_usdt,
    spread_bps = (sell - buy) / buy * 1e4,
    net_spread_bps = net,
    long_price = buy,
    short_price = sell,
    max_slippage_bps = p.max_slippage_bps,
    time_guard_ms = p.time_guard_ms,
    reason = string.format("funding carry: %.2f bps/interval (%.1f%%/year), net %.2f bps over %d intervals",
                           diff_bps, annual_pct, net, p.hold_intervals),
  }
  ctx.state.cooldowns[key] = now
end

function M.on_start(ctx)
  ctx.state.version = STATE_VERSION
  ctx.state.cooldowns = ctx.state.cooldowns or {}
end

-- For each pair of venues quoting funding for the symbol: an open carry (in either
-- direction) is only ever closed, never added to; a pair flat on both venues may be
-- entered in the one direction whose differential is positive.
function M.on_book(ctx, ev)
  local symbol = ev.symbol
  local venues = ctx:venues()
  local now = ctx:now_ms()
  for i = 1, #venues - 1 do
    for j = i + 1, #venues do
      local a, b = venues[i], venues[j]
      -- Reused tables, one per venue: read them before the next ctx:funding of that venue.
      local fa, fb = ctx:funding(a, symbol), ctx:funding(b, symbol)
      if fa and fb then
        local open = maybe_exit(ctx, symbol, a, b, fa, fb, now) or maybe_exit(ctx, symbol, b, a, fb, fa, now)
        if not open and ctx:position(a, symbol) == 0 and ctx:position(b, symbol) == 0 then
          if fb.rate > fa.rate then
            maybe_enter(ctx, symbol, a, b, fa, fb, now)
          else
            maybe_enter(ctx, symbol, b, a, fb, fa, now)
          end
        end
      end
    end
  end
end

-- State of version 1 kept the last proposal time per pair in `last_proposed_ms`
-- (keys "symbol|long|short", entries only); version 2 splits entries from exits.
function M.migrate(old)
  local state = { version = STATE_VERSION, cooldowns = {} }
  if type(old) ~= "table" then return state end
  if type(old.cooldowns) == "table" then
    for key, at in pairs(old.cooldowns) do
      if type(key) == "string" and type(at) == "number" then state.cooldowns[key] = at end
    end
  elseif type(old.last_proposed_ms) == "table" then
    for key, at in pairs(old.last_proposed_ms) do
      local symbol, rest = string.match(key, "^([^|]+)|(.+)$")
      if symbol and type(at) == "number" then state.cooldowns[symbol .. "|enter|" .. rest] = at end
    end
  end
  return state
end

return M
