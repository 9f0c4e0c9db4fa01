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

-- The daemon's log is rate-limited (10 ctx:log lines per 10 s); a test is not: h.logs()
-- holds every line, though the test clock never moves.
function T.test_every_log_line_reaches_the_test(h)
  h.load_fixture("chatty")
  for _ = 1, 30 do h.on_book("SIM-A", "BTC-USDT") end
  h.len(h.logs(), 30, "one line per book")
  h.eq(h.logs()[30], "book 30 on SIM-A")
end

function T.test_load_error_on_purpose(h)
  h.load("no_such_strategy")
end

return T
