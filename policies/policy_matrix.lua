-- Policy matrix (SPEC S-7.3, RG-3): one row per regime. The host calls
-- policy(regime, confidence) and expects
--   {min_edge_bps >= 0, max_impact_bps >= 0, allow_taker = bool, maker_only = bool,
--    time_guard_ms > 0}   (maker_only and allow_taker may not both be true).
-- As confidence drops every field moves toward the most conservative row: a
-- classifier that is unsure must not buy the permissive row of its best guess.

local M = {}

M.rows = {
  range           = {min_edge_bps = 8,  max_impact_bps = 5, allow_taker = true,  time_guard_ms = 1500},
  trend           = {min_edge_bps = 12, max_impact_bps = 4, allow_taker = true,  time_guard_ms = 800},
  volatile        = {min_edge_bps = 25, max_impact_bps = 2, allow_taker = false, time_guard_ms = 400},
  liquidity_shock = {min_edge_bps = 60, max_impact_bps = 1, allow_taker = false, time_guard_ms = 250},
}
M.most_conservative = M.rows.liquidity_shock
-- Below this confidence the taker side is closed whatever the row says.
M.taker_min_confidence = 0.6

local function toward(value, safe, confidence)
  return safe + (value - safe) * confidence
end

local out = {}

function M.policy(regime, confidence)
  local row = M.rows[regime]
  if row == nil then error("policy_matrix: no row for regime '" .. tostring(regime) .. "'") end
  local safe = M.most_conservative
  local c = math.max(0, math.min(1, confidence))
  out.min_edge_bps = toward(row.min_edge_bps, safe.min_edge_bps, c)
  out.max_impact_bps = toward(row.max_impact_bps, safe.max_impact_bps, c)
  out.time_guard_ms = math.floor(toward(row.time_guard_ms, safe.time_guard_ms, c))
  out.allow_taker = row.allow_taker and c >= M.taker_min_confidence
  out.maker_only = not out.allow_taker
  return out
end

return M
