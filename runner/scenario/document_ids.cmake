# Build step: reads a Markdown document whose list items start with an id and writes a C++ header
# listing the ids, so the scenario validator knows them without the source tree at run time.
# Used for docs/CHECKLIST.md ("- **X7**: ...", the `covers` ids) and docs/FEATURES.md
# ("- `posix_spawn`: ...", the `requires.features` names).
# Usage: cmake -DINPUT=<doc> -DOUTPUT=<header> -DPATTERN=<regex with one group> -DNAME=<C++ name> -P document_ids.cmake
cmake_policy(SET CMP0057 NEW)  # if(... IN_LIST ...) in script mode
foreach(required INPUT OUTPUT PATTERN NAME)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "document_ids.cmake: pass -DINPUT=<doc> -DOUTPUT=<header> -DPATTERN=<regex> -DNAME=<name>")
  endif()
endforeach()
file(STRINGS "${INPUT}" item_lines REGEX "${PATTERN}")
set(ids "")
foreach(line IN LISTS item_lines)
  string(REGEX MATCH "${PATTERN}" _ "${line}")
  set(id "${CMAKE_MATCH_1}")
  if(id IN_LIST ids)
    message(FATAL_ERROR "${INPUT}: ${id} appears more than once")
  endif()
  list(APPEND ids "${id}")
endforeach()
list(LENGTH ids count)
if(count EQUAL 0)
  message(FATAL_ERROR "${INPUT}: no items found (expected list items matching ${PATTERN})")
endif()
set(body "")
foreach(id IN LISTS ids)
  string(APPEND body "    \"${id}\",\n")
endforeach()
get_filename_component(document "${INPUT}" NAME)
set(content "// Generated at build time from docs/${document} by runner/scenario/document_ids.cmake. Do not edit.
#pragma once
#include <array>
#include <string_view>

namespace fdconform {
inline constexpr std::string_view ${NAME}_document = \"docs/${document}\";
inline constexpr std::array<std::string_view, ${count}> ${NAME} = {
${body}};
}  // namespace fdconform
")
# Rewrite only on change, so an edit of the document's prose does not rebuild the runner.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
