# The dry-run paper broker (SPEC S-8.7): real market data, orders matched locally.
propbot_library(paper_broker
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/paper_broker.cpp
  DEPS propbot_sim_engine propbot_venues propbot_md propbot_common)
