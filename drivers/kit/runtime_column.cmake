# The steps every column family on fdconform-kit-host shares (drivers/node,
# perl, java, rust, go, c_library): its discovery program `columns`, made from
# the folder's columns.in twice, once for the build tree and once for the
# installed layout, and the installation of that program beside the kit host
# and the adapter's files.
#
#   include(${PROJECT_SOURCE_DIR}/drivers/kit/runtime_column.cmake)
#   fdconform_runtime_column(
#     [AVAILABLE <bool>]                 false: the runtime or its compiler is missing; the columns
#                                        program (which lists the column unavailable, with the
#                                        reason) is made and installed, nothing else
#     [DEPENDS <target or file>...]      what the column needs built: the target
#                                        fdconform_<folder>_column (ALL) depends on them and the kit host
#     [BUILD_VALUES <VAR> <value>...]    @VAR@ of columns.in in the build tree
#     [INSTALL_VALUES <VAR> <value>...]  the same for the installed program, which finds its files
#                                        beside itself: "$here/..." (columns.in sets here to its folder)
#     [INSTALL_TARGETS <target>...]      executables and modules installed beside it
#     [INSTALL_PROGRAMS <file>...] [INSTALL_FILES <file>...] [INSTALL_DIRECTORIES <dir>...])
#
# @FDCONFORM_KIT_HOST@ is set in both. Values may hold generator expressions
# ($<TARGET_FILE:...>): both programs go through file(GENERATE). Installed:
# <libexec>/fdconform/drivers/<folder>/, whatever prefix or DESTDIR is used.
include_guard(GLOBAL)

# One layout's program. A macro: the values it sets land in the calling function's scope, where
# configure_file reads them; every other @VAR@ is the column folder's own variable.
macro(fdconform_column_program values kit_host output)
  set(FDCONFORM_KIT_HOST "${kit_host}")
  set(pairs ${values})
  list(LENGTH pairs count)
  math(EXPR odd "${count} % 2")
  if(odd)
    message(FATAL_ERROR "fdconform_runtime_column: ${folder}: a value is missing in '${values}'")
  endif()
  while(pairs)
    list(POP_FRONT pairs name value)
    set(${name} "${value}")
  endwhile()
  configure_file(${CMAKE_CURRENT_SOURCE_DIR}/columns.in ${output}.in @ONLY)
  file(GENERATE OUTPUT ${output} INPUT ${output}.in
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endmacro()


function(fdconform_runtime_column)
  cmake_parse_arguments(PARSE_ARGV 0 column "" "AVAILABLE"
                        "DEPENDS;BUILD_VALUES;INSTALL_VALUES;INSTALL_TARGETS;INSTALL_PROGRAMS;INSTALL_FILES;INSTALL_DIRECTORIES")
  if(column_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "fdconform_runtime_column: unknown arguments ${column_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT DEFINED column_AVAILABLE)
    set(column_AVAILABLE TRUE)
  endif()
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set(out ${CMAKE_CURRENT_BINARY_DIR})


  # The build tree's program runs the kit host and the adapter where the build put them.
  fdconform_column_program("${column_BUILD_VALUES}" "'$<TARGET_FILE:fdconform-kit-host>'" ${out}/columns)
  if(column_AVAILABLE)
    add_custom_target(fdconform_${folder}_column ALL DEPENDS fdconform-kit-host ${column_DEPENDS})
  endif()

  # The installed one finds them beside itself.
  fdconform_column_program("${column_INSTALL_VALUES}" "\"$here/fdconform-kit-host\"" ${out}/columns.installed)
  set(destination ${FDCONFORM_INSTALL_LIBEXECDIR}/drivers/${folder})
  install(PROGRAMS ${out}/columns.installed DESTINATION ${destination} RENAME columns)
  if(NOT column_AVAILABLE)
    return()
  endif()
  install(TARGETS fdconform-kit-host ${column_INSTALL_TARGETS}
          RUNTIME DESTINATION ${destination} LIBRARY DESTINATION ${destination})
  if(column_INSTALL_PROGRAMS)
    install(PROGRAMS ${column_INSTALL_PROGRAMS} DESTINATION ${destination})
  endif()
  if(column_INSTALL_FILES)
    install(FILES ${column_INSTALL_FILES} DESTINATION ${destination})
  endif()
  foreach(directory IN LISTS column_INSTALL_DIRECTORIES)
    install(DIRECTORY ${directory} DESTINATION ${destination})
  endforeach()
endfunction()
