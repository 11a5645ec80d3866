#include "reports/github_annotations.hpp"

#include <ostream>
#include <unordered_map>

#include <fmt/format.h>

#include "reports/mismatch_text.hpp"
#include "reports/results.hpp"

namespace reports {
namespace {

// Workflow-command escaping: the runner splits on newlines and on "::", ",", ":" in properties.
std::string escape_data(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_property(std::string_view text) {
  std::string out;
  for (char c : escape_data(text)) {
    switch (c) {
      case ':': out += "%3A"; break;
      case ',': out += "%2C"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

void write_github_annotations(const Results& results, std::ostream& out) {
  std::unordered_map<std::string, const Scenario*> scenario_of;
  for (const auto& scenario : results.scenarios) scenario_of.emplace(scenario.id, &scenario);
  for (const auto& cell : results.cells) {
    if (cell.verdict != Verdict::differ && cell.verdict != Verdict::unexpected_pass && cell.verdict != Verdict::error)
      continue;
    const Scenario& scenario = *scenario_of.at(cell.scenario);
    std::string message = fmt::format("{} on {}: {}", scenario.id, cell.implementation, verdict_name(cell.verdict));
    auto lines = failure_lines(cell);
    if (cell.verdict == Verdict::unexpected_pass && lines.empty())
      lines.push_back("matches the reference although the expectation file says it differs");
    for (const auto& line : expectation_lines(cell)) lines.push_back("expectation entry " + line);
    for (const auto& line : lines) message += "\n" + line;
    out << "::error ";
    if (!scenario.file.empty()) out << "file=" << escape_property(scenario.file) << ",line=" << scenario.line;
    out << "::" << escape_data(message) << "\n";
  }
  // A scenario file that did not load fails the run like a cell: one annotation per problem, at its place.
  for (const auto& invalid : results.invalid_scenarios)
    out << "::error file=" << escape_property(invalid.file) << ",line=" << invalid.line << ",col=" << invalid.column
        << "::" << escape_data("invalid scenario file: " + invalid.message) << "\n";
}

void write_github_annotations(const nlohmann::json& document, std::ostream& out) {
  write_github_annotations(parse_results(document), out);
}

}  // namespace reports
