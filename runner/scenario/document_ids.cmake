# Build step: reads docs/CHECKLIST.md and writes a C++ header listing every checklist item id, so the
# scenario validator can reject unknown `covers` ids without the source tree at run time.
# An item is a Markdown list item that starts with a bold id: "- **X7**: ...".
# Usage: cmake -DINPUT=<docs/CHECKLIST.md> -DOUTPUT=<header> -P checklist_ids.cmake
cmake_policy(SET CMP0057 NEW)  # if(... IN_LIST ...) in script mode
if(NOT DEFINED INPUT OR NOT DEFINED OUTPUT)
  message(FATAL_ERROR "checklist_ids.cmake: pass -DINPUT=<CHECKLIST.md> -DOUTPUT=<header>")
endif()
file(STRINGS "${INPUT}" item_lines REGEX "^[-*] \\*\\*[A-Z][0-9]+\\*\\*")
set(ids "")
foreach(line IN LISTS item_lines)
  string(REGEX MATCH "^[-*] \\*\\*([A-Z][0-9]+)\\*\\*" _ "${line}")
  set(id "${CMAKE_MATCH_1}")
  if(id IN_LIST ids)
    message(FATAL_ERROR "${INPUT}: checklist item ${id} appears more than once")
  endif()
  list(APPEND ids "${id}")
endforeach()
list(LENGTH ids count)
if(count EQUAL 0)
  message(FATAL_ERROR "${INPUT}: no checklist items found (expected lines such as '- **X7**: ...')")
endif()
set(body "")
foreach(id IN LISTS ids)
  string(APPEND body "    \"${id}\",\n")
endforeach()
set(content "// Generated at build time from docs/CHECKLIST.md by runner/scenario/checklist_ids.cmake. Do not edit.
#pragma once
#include <array>
#include <string_view>

namespace fdconform {
inline constexpr std::string_view checklist_document = \"docs/CHECKLIST.md\";
inline constexpr std::array<std::string_view, ${count}> checklist_ids = {
${body}};
}  // namespace fdconform
")
# Rewrite only on change, so an edit of the checklist's prose does not rebuild the runner.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
