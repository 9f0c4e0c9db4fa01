# Helpers shared by every area: one way to declare a library and one way to declare a test.

# Warnings are errors on project code only (not on third-party headers, which are SYSTEM).
set(PROPBOT_WARNINGS -Wall -Wextra -Werror -Wno-error=deprecated-declarations)

set(PROPBOT_SANITIZE_FLAGS "")
if(PROPBOT_SANITIZE)
  set(PROPBOT_SANITIZE_FLAGS -fsanitize=${PROPBOT_SANITIZE} -fno-omit-frame-pointer)
endif()

# propbot_library(NAME SOURCES ... DEPS ...) -> static library propbot_NAME
function(propbot_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(propbot_${name} STATIC ${ARG_SOURCES})
  target_include_directories(propbot_${name} PUBLIC ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/generated)
  target_compile_options(propbot_${name} PRIVATE ${PROPBOT_WARNINGS} ${PROPBOT_SANITIZE_FLAGS})
  target_link_options(propbot_${name} PUBLIC ${PROPBOT_SANITIZE_FLAGS})
  target_link_libraries(propbot_${name} PUBLIC ${ARG_DEPS})
endfunction()

# propbot_test(NAME SOURCES ... DEPS ... LABELS ...) -> GoogleTest executable, discovered by ctest
function(propbot_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${PROPBOT_WARNINGS} ${PROPBOT_SANITIZE_FLAGS})
  target_link_options(${name} PRIVATE ${PROPBOT_SANITIZE_FLAGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    PROPBOT_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    PROPBOT_BINARY="$<TARGET_FILE:propbot>")
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
