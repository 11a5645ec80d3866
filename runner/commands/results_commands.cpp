// `fdconform report` and `fdconform merge`: commands on saved results documents; they run nothing.
#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "commands/commands.hpp"
#include "report/outputs.hpp"
#include "run/utf8_text.hpp"

#include "reports/reports.hpp"

namespace fdconform {
namespace {

// The whole file as JSON; false with `why` naming the file and what is wrong with it.
bool read_json_file(const std::string& path, nlohmann::json& document, std::string& why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    why = fmt::format("{}: {}", valid_utf8(path), std::strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    why = fmt::format("{}: not a regular file: expected a results document (results.json)", valid_utf8(path));
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    why = fmt::format("{}: cannot read it", valid_utf8(path));
    return false;
  }
  try {
    document = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    why = fmt::format("{}: not JSON: {}", valid_utf8(path), e.what());
    return false;
  }
  return true;
}

}  // namespace


int report_command(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  nlohmann::json document;
  std::string why;
  if (!read_json_file(options.results_file, document, why)) {
    err << "fdconform: " << why << '\n';
    return 2;
  }
  reports::Results results;
  try {
    results = reports::parse_results(document);
  } catch (const reports::ResultsError& e) {
    err << fmt::format("fdconform: {}: not a results document: {}\n", valid_utf8(options.results_file), e.what());
    return 2;
  }
  OutputFiles files{"", options.junit_file, options.html_file};
  OutputTargets targets;
  if (auto problems = targets.prepare(files, ""); !problems.empty()) {
    for (const auto& p : problems) err << "fdconform: " << p << '\n';
    return 2;
  }
  // The same renderers, and the same atomic writes, as the end of `fdconform run`.
  auto outputs = write_outputs(document, files);
  for (const auto& e : outputs.errors) err << "fdconform: " << e << '\n';
  if (options.github_annotations) reports::write_github_annotations(results, out);
  write_closing_summary(document, out);
  if (!results.complete) out << "fdconform: the results are partial (complete: false)\n";
  for (const auto& [label, path] : {std::pair{"JUnit", files.junit}, {"HTML report", files.html}})
    if (!path.empty() && std::find(outputs.written.begin(), outputs.written.end(), path) != outputs.written.end())
      out << fmt::format("fdconform: {}: {}\n", label, path);
  // Scenario files the run could not load fail it, as they failed the run itself (docs/RESULTS.md).
  bool invalid_scenarios = document.contains("invalid_scenarios") && document["invalid_scenarios"].is_array() &&
                           !document["invalid_scenarios"].empty();
  bool failed = reports::tally(results).failed() > 0 || invalid_scenarios;
  return failed || !results.complete || !outputs.errors.empty() ? 1 : 0;
}

int merge_command(const MergeOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<nlohmann::json> documents;
  for (const auto& input : options.inputs) {
    nlohmann::json document;
    std::string why;
    if (!read_json_file(input, document, why)) {
      err << "fdconform: " << why << '\n';
      return 2;
    }
    documents.push_back(std::move(document));
  }
  nlohmann::json merged;
  try {
    merged = reports::merge(documents, options.rows ? reports::MergeBy::rows : reports::MergeBy::machine);
  } catch (const reports::ResultsError& e) {
    // merge names inputs by position; the user typed paths.
    std::string message = e.what();
    for (std::size_t i = 0; i < options.inputs.size(); ++i)
      message += fmt::format("{}document {} is {}", i == 0 ? "\n  (" : ", ", i + 1, valid_utf8(options.inputs[i]));
    err << "fdconform: " << message << ")\n";
    return 2;
  }
  OutputFiles files{options.output_file, "", ""};
  OutputTargets targets;
  if (auto problems = targets.prepare(files, ""); !problems.empty()) {
    for (const auto& p : problems) err << "fdconform: " << p << '\n';
    return 2;
  }
  auto outputs = write_outputs(merged, files);
  for (const auto& e : outputs.errors) err << "fdconform: " << e << '\n';
  if (!outputs.errors.empty()) return 1;
  out << fmt::format("fdconform: merged {} documents: {} scenarios, {} implementations, {} cells; reference {}\n",
                     documents.size(), merged["scenarios"].size(), merged["implementations"].size(),
                     merged["cells"].size(), merged["reference"].get<std::string>());
  out << reports::summary_line(merged) << '\n';
  out << fmt::format("fdconform: results: {}\n", options.output_file);
  return 0;
}


}  // namespace fdconform
