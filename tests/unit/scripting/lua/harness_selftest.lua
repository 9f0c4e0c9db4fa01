-- The harness's own test, run by strategy_lua_test.cpp, which EXPECTS the failures
-- below (and their line numbers). Not a *_test.lua: it is not discovered as a suite.
local T = {}

function T.test_passes(h)
  h.load("cross_exchange_arb")
  h.eq(h.on_book("SIM-A", "BTC-USDT"), {}, "no books, no intents")
end

function T.test_fails_on_purpose(h)
  h.load("cross_exchange_arb")
  h.eq(#h.on_book("SIM-A", "BTC-USDT"), 2, "intents")
end

function T.test_strategy_fault_on_purpose(h)
  h.load_fixture("faulty")
  h.on_book("SIM-A", "BTC-USDT")
end

function T.test_load_error_on_purpose(h)
  h.load("no_such_strategy")
end

return T
