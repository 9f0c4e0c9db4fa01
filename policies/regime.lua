-- Regime classifier (SPEC S-7.3, RG-3). The host calls classify(features) with
--   features = {realised_vol_bps, spread_std_bps, depth_usdt, funding_rate, basis_bps, trend_bps}
-- (one table reused between calls: read it, do not keep it) and expects
--   {regime = "range"|"trend"|"volatile"|"liquidity_shock", confidence = 0..1}.
-- Each regime gets a score in [0, 1] from ramps over the features; the highest wins,
-- ties go to the more dangerous regime. "range" is what is left when nothing else
-- scores. The returned table is reused too: the host copies it out at once.

local M = {}

-- Ramp edges: below `lo` a feature says nothing, above `hi` it is conclusive.
M.thresholds = {
  depth_usdt = {hi = 200000, lo = 50000},    -- thinner than lo: a liquidity shock
  spread_std_bps = {lo = 2, hi = 8},         -- a jumping spread: liquidity leaving
  realised_vol_bps = {lo = 20, hi = 60},     -- per window
  basis_bps = {lo = 30, hi = 100},           -- |perp - spot| dislocation
  funding_rate = {lo = 0.001, hi = 0.005},   -- |rate| per funding period
  trend_bps = {lo = 15, hi = 50},            -- |drift| over the window
}

local abs, max, min = math.abs, math.max, math.min

local function rising(x, edge)
  return max(0, min(1, (x - edge.lo) / (edge.hi - edge.lo)))
end

local function falling(x, edge)  -- 1 at or below edge.lo, 0 at or above edge.hi
  return max(0, min(1, (edge.hi - x) / (edge.hi - edge.lo)))
end

local result = {regime = "volatile", confidence = 0}

function M.classify(f)
  local t = M.thresholds
  local shock = max(falling(f.depth_usdt, t.depth_usdt), rising(f.spread_std_bps, t.spread_std_bps))
  local volatile = max(rising(f.realised_vol_bps, t.realised_vol_bps),
                       0.75 * rising(abs(f.basis_bps), t.basis_bps),
                       0.75 * rising(abs(f.funding_rate), t.funding_rate))
  local trend = rising(abs(f.trend_bps), t.trend_bps)
  local range = 1 - max(shock, volatile, trend)

  local regime, confidence = "liquidity_shock", shock
  if volatile > confidence then regime, confidence = "volatile", volatile end
  if trend > confidence then regime, confidence = "trend", trend end
  if range > confidence then regime, confidence = "range", range end
  result.regime = regime
  result.confidence = confidence
  return result
end

return M
