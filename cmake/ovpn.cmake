# Build helpers shared by every layer: warnings, sanitizers, and the naming of tests.

# Flags every target gets. Warnings are errors everywhere.
add_library(ovpn_flags INTERFACE)
target_compile_options(ovpn_flags INTERFACE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                                            -Wold-style-cast -Wcast-align -Wnull-dereference)
# The parsers live in proto/ and crypto/: these layers are also checked for silent conversions.
add_library(ovpn_strict_flags INTERFACE)
target_compile_options(ovpn_strict_flags INTERFACE -Wconversion -Wsign-conversion)
target_link_libraries(ovpn_strict_flags INTERFACE ovpn_flags)

if(OVPN_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(OVPN_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT OVPN_SANITIZE STREQUAL "")
  message(FATAL_ERROR "OVPN_SANITIZE must be empty, address or thread")
endif()

if(OVPN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "OVPN_FUZZ needs clang (use the fuzz preset)")
  endif()
  # Instrument every library for coverage; only the fuzzer binaries link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# ovpn_add_library(<layer> SOURCES ... DEPS ... [STRICT])
# Creates ovpn_<layer>, with src/ as the include root ("proto/opcode.h").
function(ovpn_add_library layer)
  cmake_parse_arguments(ARG "STRICT" "" "SOURCES;DEPS" ${ARGN})
  add_library(ovpn_${layer} STATIC ${ARG_SOURCES})
  target_include_directories(ovpn_${layer} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  if(ARG_STRICT)
    target_link_libraries(ovpn_${layer} PRIVATE ovpn_strict_flags)
  else()
    target_link_libraries(ovpn_${layer} PRIVATE ovpn_flags)
  endif()
  target_link_libraries(ovpn_${layer} PUBLIC ${ARG_DEPS})
endfunction()

# ovpn_add_test(<kind> <name> SOURCES ... DEPS ... [LABELS ...])
# One gtest binary, registered with CTest as ovpn.<kind>.<name> and labelled <kind>.
function(ovpn_add_test kind name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  set(target ovpn_${kind}_${name})
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ovpn_flags ${ARG_DEPS} GTest::gtest GTest::gmock)
  if(NOT ARG_DEPS MATCHES "GTest::gtest_main")
    target_link_libraries(${target} PRIVATE GTest::gtest_main)
  endif()
  target_compile_definitions(${target} PRIVATE
                             OVPN_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  add_test(NAME ovpn.${kind}.${name} COMMAND ${target})
  set_tests_properties(ovpn.${kind}.${name} PROPERTIES LABELS "${kind};${ARG_LABELS}")
endfunction()
