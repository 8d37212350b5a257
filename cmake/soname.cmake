# mv_soname(OUT LIBRARY_FILE): the SONAME of a shared library (what dlopen must be given to
# open the same library the build links against), read with objdump -p.
function(mv_soname out lib)
  get_filename_component(real "${lib}" REALPATH)
  execute_process(COMMAND ${CMAKE_OBJDUMP} -p "${real}" OUTPUT_VARIABLE dump
                  RESULT_VARIABLE rc ERROR_QUIET)
  string(REGEX MATCH "SONAME +([^ \n]+)" m "${dump}")
  if(NOT rc EQUAL 0 OR NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "cannot read the SONAME of ${lib}")
  endif()
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()
