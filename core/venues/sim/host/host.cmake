# The venue simulator host: market model, the hosted venues' servers, the admin API and
# the self-signed certificate of `propbot venue-sim --tls`. Included (last) from
# core/venues/CMakeLists.txt; paths are relative to core/venues.
propbot_library(venue_sim_host
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/market_model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/instruments.cpp
    ${CMAKE_CURRENT_LIST_DIR}/admin_json.cpp
    ${CMAKE_CURRENT_LIST_DIR}/admin_routes.cpp
    ${CMAKE_CURRENT_LIST_DIR}/venue_sim_host.cpp
  DEPS propbot_sim_faults propbot_http_server propbot_sim_engine propbot_venues propbot_common nlohmann_json::nlohmann_json
       OpenSSL::SSL OpenSSL::Crypto Threads::Threads)

# The protocol frontends, kept apart from the host so the host and its tests build
# (against fake venues) whatever state the frontends are in. Each frontend is optional:
# link it when its target exists and tell the code (venue_factory.cpp, the CLI) with
# PROPBOT_HAVE_<VENUE>_SIM. The checks are generator expressions, evaluated once every
# target is known, so they hold whatever the order of the includes (this file is still
# included last).
propbot_library(venue_sim_frontends
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/venue_factory.cpp
  DEPS propbot_venue_sim_host)
foreach(frontend binance okx)
  string(TOUPPER ${frontend} upper)
  target_link_libraries(propbot_venue_sim_frontends PUBLIC
    $<$<TARGET_EXISTS:propbot_${frontend}_sim>:propbot_${frontend}_sim>)
  target_compile_definitions(propbot_venue_sim_frontends PUBLIC
    $<$<TARGET_EXISTS:propbot_${frontend}_sim>:PROPBOT_HAVE_${upper}_SIM>)
endforeach()
