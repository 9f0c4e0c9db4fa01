# The exchange core of the venue simulator (matching engine, accounts, exchange core).
# Included from core/venues/CMakeLists.txt; paths are relative to core/venues.
propbot_library(sim_engine
  SOURCES sim/engine/matching_engine.cpp sim/engine/accounts.cpp sim/engine/exchange_core.cpp sim/engine/trade_history.cpp sim/engine/income_history.cpp sim/engine/order_log.cpp
  DEPS propbot_common)
