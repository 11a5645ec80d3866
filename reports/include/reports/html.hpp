#pragma once
// The self-contained HTML report: one file with inline CSS, JS and the data (reports/html/).
#include <iosfwd>

#include <nlohmann/json.hpp>

#include "reports/results.hpp"

namespace reports {

void write_html(const Results& results, std::ostream& out);
void write_html(const nlohmann::json& document, std::ostream& out);

// The compact data the page renders from (exposed for tests): rows hold each distinct observation
// once and cells refer to it by class index.
nlohmann::json html_data(const Results& results);

}  // namespace reports
