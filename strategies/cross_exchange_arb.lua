-- cross_exchange_arb: perp–perp spread between two venues.
--
-- For the symbol whose book just changed, look at every ordered pair of venues
-- (buy on `long`, sell on `short`). The entry edge is measured on the prices we would
-- really get for the configured notional (walking the book, so slippage counts), less
-- the taker fees of the entry and of the later exit. When the edge clears
-- `min_spread_bps` and both books are fresh, propose a hedged pair. The core decides
-- whether anything is traded: in HOLD the proposal is shown as `blocked_by_hold`.

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

-- Net edge in bps of buying at `buy` and selling at `sell`, after four taker fills
-- (two legs in, two legs out).
local function net_edge_bps(buy, sell, fee_bps)
  return (sell - buy) / buy * 1e4 - 4 * fee_bps
end

function M.on_book(ctx, ev)
  local p = ctx.params
  local venues = ctx:venues()
  for i = 1, #venues do
    for j = 1, #venues do
      if i ~= j then
        local long, short = venues[i], venues[j]
        local lb = ctx:book(long, ev.symbol)
        local sb = ctx:book(short, ev.symbol)
        if lb and sb and lb.age_ms <= p.max_book_age_ms and sb.age_ms <= p.max_book_age_ms then
          local buy = ctx:fill_price(long, ev.symbol, "buy", p.notional_usdt)
          local sell = ctx:fill_price(short, ev.symbol, "sell", p.notional_usdt)
          if buy and sell then
            local net = net_edge_bps(buy, sell, p.taker_fee_bps)
            if net >= p.min_spread_bps then
              ctx:propose{
                symbol = ev.symbol,
                long_venue = long,
                short_venue = short,
                notional_usdt = p.notional_usdt,
                spread_bps = (sb.bid - lb.ask) / lb.ask * 1e4,
                net_spread_bps = net,
                long_price = buy,
                short_price = sell,
                reason = "net edge above min_spread_bps",
              }
            end
          end
        end
      end
    end
  end
end

return M
