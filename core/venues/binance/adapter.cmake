# Binance USDⓈ-M futures adapter (venues::Venue): REST client, order client, market
# data stream, user data stream, fill history (recovery) and the factory. Included from
# core/venues/CMakeLists.txt, so paths are relative to core/venues.
propbot_library(binance_adapter
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/messages.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parse.cpp
    ${CMAKE_CURRENT_LIST_DIR}/rest_client.cpp
    ${CMAKE_CURRENT_LIST_DIR}/data_stream.cpp
    ${CMAKE_CURRENT_LIST_DIR}/order_client.cpp
    ${CMAKE_CURRENT_LIST_DIR}/user_stream.cpp
    ${CMAKE_CURRENT_LIST_DIR}/fill_history.cpp
    ${CMAKE_CURRENT_LIST_DIR}/funding_history.cpp
    ${CMAKE_CURRENT_LIST_DIR}/adapter.cpp
  DEPS propbot_venue_protocol propbot_net propbot_md propbot_venues propbot_common nlohmann_json::nlohmann_json
       Boost::headers)
