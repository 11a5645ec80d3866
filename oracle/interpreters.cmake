# The CPython interpreters of this machine for the build and its tests, as oracle/columns lists
# them for the runner: one discovery (oracle/discover_columns.py), not a second search here.
#
# fdconform_cpython_interpreters(OUT) sets OUT to "NAME=PYTHON" entries, NAME being the
# interpreter's version (3.11.7), or "system" for /usr/bin/python3.
function(fdconform_cpython_interpreters out)
  execute_process(COMMAND ${PROJECT_SOURCE_DIR}/oracle/columns
                  OUTPUT_VARIABLE text RESULT_VARIABLE status ERROR_VARIABLE problem)
  if(NOT status EQUAL 0)
    message(WARNING "oracle/columns failed (${status}): ${problem}; no CPython interpreter is used")
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  set(found)
  string(REGEX MATCHALL "[^\n]+" lines "${text}")
  foreach(line IN LISTS lines)
    string(JSON id ERROR_VARIABLE no_id GET "${line}" id)
    string(JSON python ERROR_VARIABLE no_argv GET "${line}" argv 0)
    if(no_id OR no_argv)
      continue()  # a notice: something found that cannot be a column
    endif()
    string(REGEX REPLACE "^cpython-" "" version "${id}")
    if(python STREQUAL "/usr/bin/python3")
      set(version system)
    endif()
    list(APPEND found "${version}=${python}")
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()
