# Code layout: the functions scans execute are placed together at the front of modelvet's code,
# in the order cmake/modelvet.order lists them (written by scripts/text_order.py). A scan of one
# small file otherwise touches ~1 MB of code scattered over 5 MB, page by page
# (docs/architecture.md, "Code layout"; docs/benchmarks.md, "Issue 12, round 5").
#
# Needs each function in its own section (-ffunction-sections, for every file) and a linker that
# takes a symbol order: lld (Debian's `lld`). Without lld the build links as before, unordered.
# The order never changes what the program does, only where its code sits; Debug, sanitizer
# and fuzz builds, whose speed nobody measures, are not ordered.
option(MODELVET_ORDER_CODE "Place the code scans run together (needs lld)" ON)

set(MV_ORDER_FILE ${CMAKE_CURRENT_LIST_DIR}/modelvet.order)
set(MV_ORDER_LINK_OPTIONS "")
if(MODELVET_ORDER_CODE AND NOT MODELVET_SANITIZE AND NOT MODELVET_FUZZ
   AND NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=lld" MV_HAVE_LLD)
  if(MV_HAVE_LLD)
    # In the flags (not add_compile_options) so that every object, tests included, is compiled
    # alike and the compiler cache serves all the builds of one tree.
    string(APPEND CMAKE_CXX_FLAGS " -ffunction-sections")
    string(APPEND CMAKE_C_FLAGS " -ffunction-sections")
    # A name the binary no longer has is skipped: the list may lag behind the code.
    set(MV_ORDER_LINK_OPTIONS -fuse-ld=lld "-Wl,--symbol-ordering-file=${MV_ORDER_FILE}"
                              -Wl,--no-warn-symbol-ordering)
  else()
    message(STATUS "modelvet: lld not found; the code is linked unordered (MODELVET_ORDER_CODE)")
  endif()
endif()

# mv_order_code(TARGET): links TARGET with the order (no-op when it is off).
function(mv_order_code target)
  if(MV_ORDER_LINK_OPTIONS)
    target_link_options(${target} PRIVATE ${MV_ORDER_LINK_OPTIONS})
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${MV_ORDER_FILE})
  endif()
endfunction()
