-- Circuit-breaker rules (SPEC S-7.4). The host calls evaluate(metrics) every tick with
--   metrics = {drawdown_usdt, reject_rate, cancel_fail_rate, hedge_latency_ms_p99,
--              ws_gap_ms, consecutive_losses}
-- (one table reused between calls) and expects a list of the rules that fire:
--   {rule, action = "degrade"|"pause_strategy"|"pause_symbol"|"safe_mode"|"hold",
--    severity = "P0"|"P1"|"P2", reason}   (SPEC S-4.2: P0 holds the desk, P1 degrades,
--    P2 is recorded only).
-- A rule whose `when` raises is reported as firing (action "degrade", P1) with the
-- error as its reason: one broken rule must not silence the others.

local M = {}

local fmt = string.format

M.rules = {
  {name = "drawdown_hold", action = "hold", severity = "P0",
   when = function(m) return m.drawdown_usdt >= 1000 end,
   reason = function(m) return fmt("drawdown %.0f USDT >= 1000", m.drawdown_usdt) end},
  {name = "drawdown_degrade", action = "degrade", severity = "P1",
   when = function(m) return m.drawdown_usdt >= 400 and m.drawdown_usdt < 1000 end,
   reason = function(m) return fmt("drawdown %.0f USDT >= 400", m.drawdown_usdt) end},
  {name = "reject_rate_high", action = "pause_strategy", severity = "P1",
   when = function(m) return m.reject_rate >= 0.2 end,
   reason = function(m) return fmt("reject_rate %.2f >= 0.20", m.reject_rate) end},
  {name = "cancel_fail_rate_high", action = "degrade", severity = "P1",
   when = function(m) return m.cancel_fail_rate >= 0.1 end,
   reason = function(m) return fmt("cancel_fail_rate %.2f >= 0.10", m.cancel_fail_rate) end},
  {name = "hedge_latency_slow", action = "degrade", severity = "P1",
   when = function(m) return m.hedge_latency_ms_p99 >= 250 end,
   reason = function(m) return fmt("hedge_latency_ms_p99 %.0f >= 250", m.hedge_latency_ms_p99) end},
  {name = "ws_gap_long", action = "pause_strategy", severity = "P1",
   when = function(m) return m.ws_gap_ms >= 5000 end,
   reason = function(m) return fmt("ws_gap_ms %.0f >= 5000", m.ws_gap_ms) end},
  {name = "loss_streak", action = "pause_strategy", severity = "P1",
   when = function(m) return m.consecutive_losses >= 5 end,
   reason = function(m) return fmt("%d consecutive losses >= 5", m.consecutive_losses) end},
}

-- The list is reused between calls (the host reads it at once); verdicts are only
-- built for rules that fire, so a quiet tick allocates nothing.
local fired = {}

function M.evaluate(m)
  for i = #fired, 1, -1 do fired[i] = nil end
  for _, rule in ipairs(M.rules) do
    local ok, hit = pcall(rule.when, m)
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
