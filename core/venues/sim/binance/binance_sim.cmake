# Binance USDⓈ-M protocol frontend of the venue simulator (REST + WebSocket on our own
# HttpServer, on top of the venue-neutral exchange core). Included from
# core/venues/CMakeLists.txt; paths are relative to core/venues.
propbot_library(binance_sim
  SOURCES sim/binance/binance_sim_venue.cpp sim/binance/wire_format.cpp
  DEPS propbot_sim_engine propbot_venue_protocol propbot_http_server propbot_md propbot_common nlohmann_json::nlohmann_json)
