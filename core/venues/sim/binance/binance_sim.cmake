# Binance USDⓈ-M protocol frontend of the venue simulator (REST + WebSocket on our own
# HttpServer, on top of the venue-neutral exchange core). Included from
# core/venues/CMakeLists.txt; paths are relative to core/venues.
propbot_library(binance_sim
  SOURCES
    sim/binance/binance_sim_venue.cpp
    sim/binance/routes.cpp
    sim/binance/request_pipeline.cpp
    sim/binance/auth.cpp
    sim/binance/rest_replies.cpp
    sim/binance/market_data_endpoints.cpp
    sim/binance/order_entry.cpp
    sim/binance/partial_fill.cpp
    sim/binance/order_endpoints.cpp
    sim/binance/account_endpoints.cpp
    sim/binance/position_settings.cpp
    sim/binance/user_trades.cpp
    sim/binance/income.cpp
    sim/binance/listen_keys.cpp
    sim/binance/timers.cpp
    sim/binance/market_model.cpp
    sim/binance/market_streams.cpp
    sim/binance/user_stream.cpp
    sim/binance/ws_sessions.cpp
    sim/binance/wire_format.cpp
    sim/binance/balance_adjust.cpp
  DEPS propbot_sim_faults propbot_sim_engine propbot_venue_protocol propbot_http_server propbot_md propbot_common nlohmann_json::nlohmann_json)
