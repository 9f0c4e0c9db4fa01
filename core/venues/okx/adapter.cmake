# The OKX v5 swap adapter (Venue over REST + WebSocket): rest_client, parse, messages,
# data_stream, order_client, user_stream, fill_history (recovery), funding_history, adapter. Included from
# core/venues/CMakeLists.txt; paths are relative to core/venues.
propbot_library(okx_adapter
  SOURCES
    okx/rest_client.cpp
    okx/parse.cpp
    okx/messages.cpp
    okx/data_stream.cpp
    okx/order_client.cpp
    okx/user_stream.cpp
    okx/fill_history.cpp
    okx/funding_history.cpp
    okx/adapter.cpp
  DEPS propbot_venue_protocol propbot_net propbot_md propbot_venues propbot_common nlohmann_json::nlohmann_json)
