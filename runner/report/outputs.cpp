#include "report/outputs.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <ostream>

#ifdef FDCONFORM_HAVE_REPORTS
#include "reports/reports.hpp"
#endif

namespace fdconform {
namespace {

template <typename Render>
void write_file(const std::string& path, Render render, std::vector<std::string>& errors) {
  if (path.empty()) return;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    errors.push_back(fmt::format("cannot write {}", path));
    return;
  }
  render(out);
  out.flush();
  if (!out) errors.push_back(fmt::format("cannot write {}", path));
}

}  // namespace

OutputFiles files_in_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return {dir + "/results.json", dir + "/results.xml", dir + "/report.html"};
}

std::vector<std::string> write_outputs(const nlohmann::json& document, const OutputFiles& files) {
  std::vector<std::string> errors;
  write_file(files.json, [&](std::ostream& out) { out << document.dump(1) << '\n'; }, errors);
#ifdef FDCONFORM_HAVE_REPORTS
  write_file(files.junit, [&](std::ostream& out) { reports::write_junit(document, out); }, errors);
  write_file(files.html, [&](std::ostream& out) { reports::write_html(document, out); }, errors);
#else
  if (!files.junit.empty() || !files.html.empty())
    errors.push_back("JUnit and HTML reports need the reports library (reports/), which this build lacks");
#endif
  return errors;
}

void write_closing_summary(const nlohmann::json& document, std::ostream& out) {
#ifdef FDCONFORM_HAVE_REPORTS
  reports::write_differ_listing(document, out);
  out << reports::summary_line(document) << '\n';
#else
  const auto& s = document["summary"];
  int passed = s.value("match", 0) + s.value("expected-differ", 0);
  int failed = s.value("differ", 0) + s.value("unexpected-pass", 0) + s.value("error", 0);
  out << fmt::format("fdconform: {} passed, {} failed, {} skipped\n", passed, failed, s.value("skip", 0));
#endif
}

}  // namespace fdconform
