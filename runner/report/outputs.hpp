#pragma once
// Writing the results document and the reports rendered from it (reports/ library when built).
#include <nlohmann/json.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace fdconform {

struct OutputFiles {
  std::string json, junit, html;  // empty: not asked for
};

// --out DIR: DIR/results.json, DIR/results.xml, DIR/report.html (the directory is created).
OutputFiles files_in_directory(const std::string& dir);

// Writes every asked-for file; returns one error message per file that could not be written.
std::vector<std::string> write_outputs(const nlohmann::json& document, const OutputFiles& files);

// The listing of failing cells, then exactly "fdconform: N passed, N failed, N skipped".
void write_closing_summary(const nlohmann::json& document, std::ostream& out);

}  // namespace fdconform
