-- Sizing (SPEC S-7.3, RG-3). The host calls size(intent, regime, risk_level, caps):
--   intent = {notional_usdt}
--   regime = {regime, confidence, realised_vol_bps, vol_baseline_bps, trend_bps}
--   risk_level = 0..100
--   caps = {max_position_notional_usdt, max_total_notional_usdt,
--           position_notional_usdt, open_notional_usdt, headroom_usdt}
-- and expects one number: the notional in USDT, >= 0. The host clamps it to
-- caps.headroom_usdt anyway (and counts the clamp); this script respects it too.

local M = {}

M.regime_multiplier = {range = 1.0, trend = 0.7, volatile = 0.35, liquidity_shock = 0.0}
-- A vol spike: realised vol above spike_ratio x the baseline; size falls with the
-- square of the excess. Without a baseline, absolute_vol_bps plays its part.
M.spike_ratio = 1.5
M.absolute_vol_bps = 40
-- Drift: beyond drift_bps over the window the size is halved.
M.drift_bps = 60

local max, min, abs = math.max, math.min, math.abs

function M.size(intent, regime, risk_level, caps)
  local multiplier = M.regime_multiplier[regime.regime] or 0
  -- Half size at zero confidence, full size when sure.
  multiplier = multiplier * (0.5 + 0.5 * regime.confidence)
  local notional = intent.notional_usdt * multiplier * (max(0, min(100, risk_level)) / 100)

  local reference = regime.vol_baseline_bps
  if reference <= 0 then reference = M.absolute_vol_bps / M.spike_ratio end
  local spike = regime.realised_vol_bps / (M.spike_ratio * reference)
  if spike > 1 then notional = notional / (spike * spike) end
  if abs(regime.trend_bps) > M.drift_bps then notional = notional * 0.5 end

  return max(0, min(notional, caps.headroom_usdt))
end

return M
