# The OKX v5 protocol frontend of the venue simulator (REST + WebSocket on our own
# HTTP server, over the venue-neutral exchange core). Included from
# core/venues/CMakeLists.txt; paths are relative to core/venues.
propbot_library(okx_sim
  SOURCES sim/okx/okx_sim_wire.cpp sim/okx/okx_sim_venue.cpp
  DEPS propbot_sim_engine propbot_venue_protocol propbot_http_server propbot_md propbot_common nlohmann_json::nlohmann_json)
