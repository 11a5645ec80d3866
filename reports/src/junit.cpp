#include "reports/junit.hpp"

#include <ostream>

#include <fmt/format.h>

#include "reports/matrix.hpp"
#include "reports/mismatch_text.hpp"
#include "reports/tally.hpp"
#include "reports/xml_text.hpp"

namespace reports {
namespace {

std::string seconds(double milliseconds) { return fmt::format("{:.3f}", milliseconds < 0 ? 0.0 : milliseconds / 1000.0); }

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

// The failure message is the short form a CI server shows in its list; the body has every field.
std::string failure_message(const Cell& cell) {
  if (!cell.reason.empty()) return cell.reason;
  std::size_t count = cell.diff.size() + cell.expectation_failures.size();
  if (cell.verdict == Verdict::unexpected_pass) return "expected to differ from the reference, but matched";
  return fmt::format("{} field{} differ", count, count == 1 ? "" : "s");
}

void write_testcase(const Cell* cell, const Scenario& scenario, const Implementation& impl, std::ostream& out) {
  out << "    <testcase name=\"" << xml_attribute(scenario.id) << "\" classname=\"" << xml_attribute(impl.id)
      << "\" time=\"" << seconds(cell ? cell->duration_ms : 0) << '"';
  if (!scenario.file.empty()) out << " file=\"" << xml_attribute(scenario.file) << "\" line=\"" << scenario.line << '"';
  if (!cell) {
    // A missing cell means the run stopped before reaching it (an incomplete document).
    out << ">\n      <skipped message=\"not run: the run ended before this cell\"/>\n    </testcase>\n";
    return;
  }
  switch (cell->verdict) {
    case Verdict::match:
      out << "/>\n";
      return;
    case Verdict::expected_differ: {
      // A pass, so no <failure>: the reason it passes is in the output a CI server shows with the test.
      std::string text = "expected difference, accepted by an expectation file:\n";
      for (const auto& note : cell->expectation) {
        text += "  reason: " + (note.reason.empty() ? std::string("(none given)") : note.reason) + "\n";
        if (!note.link.empty()) text += "  link: " + note.link + "\n";
        if (!note.file.empty())
          text += "  entry: " + note.file + (note.line > 0 ? fmt::format(":{}", note.line) : std::string()) + "\n";
      }
      text += joined_lines(failure_lines(*cell));
      out << ">\n      <system-out>" << xml_text(text) << "</system-out>\n    </testcase>\n";
      return;
    }
    case Verdict::skip:
    case Verdict::no_api:  // JUnit has no other word for "not judged"; the message ("no API: ...") tells them apart
      out << ">\n      <skipped message=\"" << xml_attribute(cell->reason) << "\"/>\n    </testcase>\n";
      return;
    case Verdict::error:
      out << ">\n      <error message=\"" << xml_attribute(cell->reason.empty() ? "harness error" : cell->reason)
          << "\" type=\"error\">" << xml_text(joined_lines(failure_lines(*cell))) << "</error>\n    </testcase>\n";
      return;
    case Verdict::differ:
    case Verdict::unexpected_pass: {
      std::string body = joined_lines(failure_lines(*cell));
      // The entry that expected another difference (differ) or none to remain (unexpected-pass).
      for (const auto& line : expectation_lines(*cell)) body += "expectation entry " + line + "\n";
      out << ">\n      <failure message=\"" << xml_attribute(failure_message(*cell)) << "\" type=\""
          << verdict_name(cell->verdict) << "\">" << xml_text(body) << "</failure>\n    </testcase>\n";
      return;
    }
  }
}

// One errored testcase per scenario file that did not load, in a suite of their own: the file is what
// failed, not a cell of any implementation.
void write_invalid_scenarios(const Results& results, const std::string& timestamp, std::ostream& out) {
  const auto files = invalid_scenario_files(results);
  if (files.empty()) return;
  out << "  <testsuite name=\"invalid scenario files\" tests=\"" << files.size() << "\" failures=\"0\" errors=\""
      << files.size() << "\" skipped=\"0\" time=\"0.000\" id=\"invalid\" package=\"fdconform\" hostname=\"localhost\""
      << " timestamp=\"" << xml_attribute(timestamp) << "\">\n";
  for (const auto& file : files) {
    const InvalidScenario* first = nullptr;
    std::string body;
    for (const auto& invalid : results.invalid_scenarios) {
      if (invalid.file != file) continue;
      if (!first) first = &invalid;
      body += fmt::format("{}:{}:{}: {}\n", invalid.file, invalid.line, invalid.column, invalid.message);
    }
    out << "    <testcase name=\"" << xml_attribute(file) << "\" classname=\"invalid-scenario\" time=\"0.000\" file=\""
        << xml_attribute(file) << "\" line=\"" << first->line << "\">\n      <error message=\""
        << xml_attribute(first->message) << "\" type=\"invalid-scenario\">" << xml_text(body)
        << "</error>\n    </testcase>\n";
  }
  out << "  </testsuite>\n";
}

}  // namespace

void write_junit(const Results& results, std::ostream& out) {
  Matrix matrix = build_matrix(results);
  // Merged documents carry one environment per host; each suite reports its own host's.
  auto environment_of = [&](const std::string& host) {
    for (const auto& environment : results.environments)
      if (environment.value("host", std::string()) == host) return environment;
    return results.environments.empty() ? nlohmann::json::object() : results.environments.front();
  };

  struct SuiteCounts {
    Tally tally;
    std::size_t missing = 0;
    double milliseconds = 0;
  };
  std::vector<SuiteCounts> suites(matrix.columns.size());
  SuiteCounts all;
  for (const auto& row : matrix.rows) {
    for (std::size_t column = 0; column < matrix.columns.size(); ++column) {
      const Cell* cell = row.cells[column];
      for (SuiteCounts* counts : {&suites[column], &all}) {
        if (!cell) {
          ++counts->missing;
          continue;
        }
        counts->tally.add(cell->verdict);
        counts->milliseconds += cell->duration_ms;
      }
    }
  }
  all.tally.invalid_files = invalid_scenario_files(results).size();
  auto counts_attributes = [](const SuiteCounts& counts) {
    return fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"",
                       counts.tally.total() + counts.missing + counts.tally.invalid_files,
                       counts.tally.count(Verdict::differ) + counts.tally.count(Verdict::unexpected_pass),
                       counts.tally.count(Verdict::error) + counts.tally.invalid_files,
                       counts.tally.skipped() + counts.tally.without_api() + counts.missing,
                       seconds(counts.milliseconds));
  };

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"fdconform\" " << counts_attributes(all) << ">\n";
  for (std::size_t column = 0; column < matrix.columns.size(); ++column) {
    const Implementation& impl = *matrix.columns[column];
    const nlohmann::json environment = environment_of(impl.host);
    std::string host = impl.host.empty() ? environment.value("host", std::string()) : impl.host;
    std::string timestamp = environment.value("date", std::string());
    out << "  <testsuite name=\"" << xml_attribute(impl.id) << "\" " << counts_attributes(suites[column])
        << " id=\"" << column << "\" package=\"fdconform\" hostname=\"" << xml_attribute(host.empty() ? "localhost" : host)
        << "\" timestamp=\"" << xml_attribute(timestamp) << "\">\n";
    out << "    <properties>\n";
    auto property = [&](std::string_view name, std::string_view value) {
      if (!value.empty())
        out << "      <property name=\"" << xml_attribute(name) << "\" value=\"" << xml_attribute(value) << "\"/>\n";
    };
    property("implementation.name", impl.name);
    property("implementation.version", impl.version);
    property("implementation.detail", impl.detail);
    property("reference", results.reference);
    property("complete", results.complete ? "true" : "false");
    for (const auto& [key, value] : environment.items())
      property("environment." + key, value.is_string() ? value.get<std::string>()
                                                       : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    out << "    </properties>\n";
    for (const auto& row : matrix.rows) write_testcase(row.cells[column], *row.scenario, impl, out);
    out << "  </testsuite>\n";
  }
  std::string run_date;
  if (!results.environments.empty()) {
    auto date = results.environments.front().find("date");
    if (date != results.environments.front().end() && date->is_string()) run_date = date->get<std::string>();
  }
  write_invalid_scenarios(results, run_date, out);
  out << "</testsuites>\n";
}

void write_junit(const nlohmann::json& document, std::ostream& out) { write_junit(parse_results(document), out); }

}  // namespace reports
