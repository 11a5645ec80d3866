#pragma once
// GitHub Actions workflow commands: one `::error file=...,line=N::message` per failing cell, so the
// failure shows on the scenario file in a pull request.
#include <iosfwd>

#include <nlohmann/json.hpp>

#include "reports/results.hpp"

namespace reports {

void write_github_annotations(const Results& results, std::ostream& out);
void write_github_annotations(const nlohmann::json& document, std::ostream& out);

}  // namespace reports
