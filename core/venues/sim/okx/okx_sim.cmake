# The OKX v5 protocol frontend of the venue simulator (REST + WebSocket on our own
# HTTP server, over the venue-neutral exchange core). Included from
# core/venues/CMakeLists.txt; paths are relative to core/venues.
propbot_library(okx_sim
  SOURCES
    sim/okx/okx_sim_venue.cpp
    sim/okx/routes.cpp
    sim/okx/request_pipeline.cpp
    sim/okx/auth.cpp
    sim/okx/rest_replies.cpp
    sim/okx/book_levels.cpp
    sim/okx/market_data_endpoints.cpp
    sim/okx/trade_request.cpp
    sim/okx/order_entry.cpp
    sim/okx/partial_fill.cpp
    sim/okx/order_endpoints.cpp
    sim/okx/history_query.cpp
    sim/okx/fills.cpp
    sim/okx/bills.cpp
    sim/okx/account_endpoints.cpp
    sim/okx/account_settings.cpp
    sim/okx/close_position.cpp
    sim/okx/order_shapes.cpp
    sim/okx/account_shapes.cpp
    sim/okx/market_model.cpp
    sim/okx/public_stream.cpp
    sim/okx/ws_sessions.cpp
    sim/okx/private_stream.cpp
    sim/okx/okx_sim_wire.cpp
    sim/okx/balance_adjust.cpp
  DEPS propbot_sim_faults propbot_sim_engine propbot_venue_protocol propbot_http_server propbot_md propbot_common nlohmann_json::nlohmann_json)
