#pragma once
// The report's template files (reports/html/), compiled in by cmake/embed_html_assets.cmake.
#include <string_view>

namespace reports::html_assets {

extern const std::string_view page;    // report.html, with {{title}}, {{style}}, {{data}}, {{script}}
extern const std::string_view style;   // report.css
extern const std::string_view script;  // report.js

}  // namespace reports::html_assets
