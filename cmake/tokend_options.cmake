# SPDX-License-Identifier: MIT
# Shared compile settings, linked PRIVATE by our own targets only.

option(TOKEND_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
set(TOKEND_SANITIZERS "" CACHE STRING "Sanitizers to build with, e.g. address;undefined")

add_library(tokend_settings INTERFACE)
add_library(tokend::settings ALIAS tokend_settings)
target_compile_definitions(tokend_settings INTERFACE
    BOOST_ASIO_NO_DEPRECATED
    BOOST_ASIO_DISABLE_BOOST_COROUTINE
    BOOST_JSON_NO_LIB
    BOOST_CONTAINER_NO_LIB
    TOKEND_VERSION="${PROJECT_VERSION}")

add_library(tokend_warnings INTERFACE)
add_library(tokend::warnings ALIAS tokend_warnings)
target_compile_options(tokend_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow=local
    # In a unity build every source is #included, and GCC then flags coroutine frames holding
    # file-local types as if they were in a header.
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:${CMAKE_UNITY_BUILD}>>:-Wno-subobject-linkage>
    # GCC 12 at -O2/-O3 reports impossible overlaps inside libstdc++'s std::string (GCC bug
    # 105651, fixed in 13) wherever inlining happens to expose them.
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>
    $<$<BOOL:${TOKEND_WARNINGS_AS_ERRORS}>:-Werror>)

if(TOKEND_SANITIZERS)
    set(_tokend_san_list ${TOKEND_SANITIZERS})
    # GCC's -fsanitize=undefined leaves out float-to-integer overflow (a min_ttl of 1e300 cast
    # to nanoseconds was not caught, docs/security.md); Clang's includes it. Ask for it by name.
    if("undefined" IN_LIST _tokend_san_list AND NOT "float-cast-overflow" IN_LIST _tokend_san_list)
        list(APPEND _tokend_san_list float-cast-overflow)
    endif()
    list(JOIN _tokend_san_list "," _tokend_san)
    # A target with the property TOKEND_UNINSTRUMENTED (the test double mockbill) is compiled
    # without instrumentation but still links the runtime the instrumented libraries need.
    target_compile_options(tokend_settings INTERFACE
        $<$<NOT:$<BOOL:$<TARGET_PROPERTY:TOKEND_UNINSTRUMENTED>>>:-fsanitize=${_tokend_san} -fno-sanitize-recover=all>
        -fno-omit-frame-pointer)
    target_link_options(tokend_settings INTERFACE -fsanitize=${_tokend_san})
endif()
