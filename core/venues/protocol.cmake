# Venue wire protocols without I/O: request signing, error mapping and symbol/enum
# tables for Binance USDⓈ-M and OKX v5 (protocols.md A4–A6, B3–B5). Shared by the
# real connectors and the loopback venue simulator. Included from
# core/venues/CMakeLists.txt, so paths are relative to core/venues.
propbot_library(venue_protocol
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/binance/signing.cpp
    ${CMAKE_CURRENT_LIST_DIR}/binance/errors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/binance/symbols.cpp
    ${CMAKE_CURRENT_LIST_DIR}/okx/signing.cpp
    ${CMAKE_CURRENT_LIST_DIR}/okx/errors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/okx/symbols.cpp
  DEPS propbot_crypto propbot_common)
