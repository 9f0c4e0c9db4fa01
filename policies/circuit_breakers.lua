-- Circuit-breaker rules (SPEC S-3.5, S-7.4). The host calls evaluate(metrics) every
-- evaluation once per scope (one table reused between calls: read it, do not keep it):
--   m.scope = "global": the whole desk, symbol and venues "";
--     drawdown_usdt, reject_rate, cancel_fail_rate, hedge_latency_ms_p95,
--     hedge_latency_ms_p99, consecutive_losses, loss_today_usdt (the desk's figures),
--     ws_gap_ms (the worst valid book's age), book_staleness_ms (the worst route's),
--     depeg_bps;
--   m.scope = "route": one symbol on one venue pair, m.symbol "BTC-USDT",
--     m.venues "BINANCE/OKX" (sorted);
--     spread_std_bps (std of the cross-venue mid spread over the window),
--     volatility_bps (the worse venue's realised vol over the window),
--     ws_gap_ms_p95 (the worse venue's p95 gap between book messages),
--     book_staleness_ms (the older book's age), crossed_books (0..2),
--     mark_index_divergence_bps, mark_last_divergence_bps, funding_rate_abs_bps,
--     basis_bps (each the worse venue's; 0 while unknown), depeg_bps.
--   depeg_bps: |price - 1| x 1e4 of a USDC-USDT / USDT-USDC symbol when the universe
--   trades one, else 0 (no peg measured). Every number is present in both scopes (0
--   where it does not apply).
-- A rule applies to the scope it names (`scope = "global"|"route"`; none: every scope).
-- evaluate returns a list of the rules that fire:
--   {rule, action = "degrade"|"pause_strategy"|"pause_symbol"|"safe_mode"|"hold",
--    severity = "P0"|"P1"|"P2", reason}   (SPEC S-4.2: P0 holds the desk, P1 degrades,
--    P2 is recorded only); the host tags each with the scope, symbol and venues.
-- A rule whose `when` raises is reported as firing (action "degrade", P1) with the
-- error as its reason: one broken rule must not silence the others.
--
-- The route thresholds sit well above what the calm paper market produces
-- (configs/paper.yaml sim: 0.3 bps a tick, one 10..45 bps dislocation of 3 s per symbol
-- at a time): there the cross spread's std stays under ~35 bps even with dislocations
-- back to back, realised vol under ~50 bps, gaps at the 100 ms tick, no crossed book,
-- mark/index/basis within ~25 bps and funding ~1 bps.

local M = {}

local fmt = string.format

-- A P1 rule of the route scope that fires when m[field] >= limit; its reason names the
-- route, the metric, its value and the limit.
local function route_rule(name, field, limit, action)
  return {name = name, scope = "route", action = action, severity = "P1",
          when = function(m) return m[field] >= limit end,
          reason = function(m) return fmt("%s %s %s %.1f >= %g", m.symbol, m.venues, field, m[field], limit) end}
end

M.rules = {
  -- The desk (global scope).
  {name = "drawdown_hold", scope = "global", action = "hold", severity = "P0",
   when = function(m) return m.drawdown_usdt >= 1000 end,
   reason = function(m) return fmt("drawdown %.0f USDT >= 1000", m.drawdown_usdt) end},
  {name = "drawdown_degrade", scope = "global", action = "degrade", severity = "P1",
   when = function(m) return m.drawdown_usdt >= 400 and m.drawdown_usdt < 1000 end,
   reason = function(m) return fmt("drawdown %.0f USDT >= 400", m.drawdown_usdt) end},
  {name = "reject_rate_high", scope = "global", action = "pause_strategy", severity = "P1",
   when = function(m) return m.reject_rate >= 0.2 end,
   reason = function(m) return fmt("reject_rate %.2f >= 0.20", m.reject_rate) end},
  {name = "cancel_fail_rate_high", scope = "global", action = "degrade", severity = "P1",
   when = function(m) return m.cancel_fail_rate >= 0.1 end,
   reason = function(m) return fmt("cancel_fail_rate %.2f >= 0.10", m.cancel_fail_rate) end},
  {name = "hedge_latency_slow", scope = "global", action = "degrade", severity = "P1",
   when = function(m) return m.hedge_latency_ms_p99 >= 250 end,
   reason = function(m) return fmt("hedge_latency_ms_p99 %.0f >= 250", m.hedge_latency_ms_p99) end},
  {name = "ws_gap_long", scope = "global", action = "pause_strategy", severity = "P1",
   when = function(m) return m.ws_gap_ms >= 5000 end,
   reason = function(m) return fmt("ws_gap_ms %.0f >= 5000", m.ws_gap_ms) end},
  {name = "loss_streak", scope = "global", action = "pause_strategy", severity = "P1",
   when = function(m) return m.consecutive_losses >= 5 end,
   reason = function(m) return fmt("%d consecutive losses >= 5", m.consecutive_losses) end},
  -- A stablecoin off its peg moves every USDT price at once: the whole desk holds (one
  -- verdict, on the global scope, rather than one per route).
  {name = "stablecoin_depeg", scope = "global", action = "hold", severity = "P0",
   when = function(m) return m.depeg_bps >= 100 end,
   reason = function(m) return fmt("stablecoin depeg %.0f bps >= 100", m.depeg_bps) end},

  -- One symbol on one venue pair (route scope): each fires when its metric reaches the limit.
  route_rule("route_spread_std_high", "spread_std_bps", 40, "degrade"),
  route_rule("route_volatility_spike", "volatility_bps", 100, "degrade"),
  route_rule("route_ws_gap_p95_high", "ws_gap_ms_p95", 2000, "degrade"),
  route_rule("route_book_stale", "book_staleness_ms", 5000, "pause_symbol"),
  route_rule("route_crossed_book", "crossed_books", 1, "pause_symbol"),
  route_rule("route_mark_index_divergence", "mark_index_divergence_bps", 150, "degrade"),
  route_rule("route_mark_last_divergence", "mark_last_divergence_bps", 150, "degrade"),
  route_rule("route_funding_extreme", "funding_rate_abs_bps", 30, "degrade"),
  route_rule("route_basis_extreme", "basis_bps", 200, "degrade"),
}

-- The list is reused between calls (the host reads it at once); verdicts are only
-- built for rules that fire, so a quiet tick allocates nothing.
local fired = {}

function M.evaluate(m)
  for i = #fired, 1, -1 do fired[i] = nil end
  for _, rule in ipairs(M.rules) do
    local ok, hit = true, false
    if rule.scope == nil or rule.scope == m.scope then ok, hit = pcall(rule.when, m) end
    if not ok then
      fired[#fired + 1] = {rule = rule.name, action = "degrade", severity = "P1",
                           reason = "rule raised: " .. tostring(hit)}
    elseif hit then
      fired[#fired + 1] = {rule = rule.name, action = rule.action, severity = rule.severity,
                           reason = rule.reason and rule.reason(m) or rule.name}
    end
  end
  return fired
end

return M
