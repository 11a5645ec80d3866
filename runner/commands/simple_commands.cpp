// validate, list, columns: the commands that run no scenario.
#include <fmt/format.h>

#include <filesystem>
#include <ostream>

#include "commands/commands.hpp"
#include "expectations/expectation_files.hpp"
#include "commands/corpus.hpp"
#include "session/installation.hpp"
#include "commands/columns.hpp"
#include "run/utf8_text.hpp"
#include "run/environment.hpp"

namespace fdconform {

int validate_command(const std::vector<std::string>& paths, const std::string& expectations_dir, std::ostream& out,
                     std::ostream& err) {
  auto corpus = load_corpus(paths);
  print_problems(corpus, err);
  out << fmt::format("fdconform: {} files, {} valid, {} with errors ({} errors)\n", corpus.files,
                     corpus.scenarios.size(), corpus.files_with_errors, corpus.diagnostics.size());
  bool expectations_ok = true;
  if (!expectations_dir.empty()) {
    // load_expectation_directory takes a missing directory for an empty set (run's default may not
    // exist); a directory named on this command line must.
    std::error_code ec;
    if (!std::filesystem::exists(expectations_dir, ec)) {
      err << fmt::format("fdconform: --expectations {}: no such directory\n", expectations_dir);
      return 1;
    }
    // Against the corpus just validated, an entry for a scenario that is not there is stale.
    ExpectationSet set = load_expectation_directory(expectations_dir);
    std::vector<std::string> ids;
    for (const auto& s : corpus.scenarios) ids.push_back(s.id);
    auto problems = set.diagnostics;
    auto stale = set.stale_entries(ids);
    problems.insert(problems.end(), stale.begin(), stale.end());
    for (const auto& d : problems) err << d.to_string() << '\n';
    out << fmt::format("fdconform: {} expectation files, {} problems\n", set.files.size(), problems.size());
    expectations_ok = problems.empty();
  }
  return corpus.diagnostics.empty() && corpus.path_errors.empty() && corpus.files > 0 && expectations_ok ? 0 : 1;
}

int list_command(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err) {
  auto corpus = load_corpus(paths);
  print_problems(corpus, err);
  for (const auto& s : corpus.scenarios)
    out << fmt::format("{}\t{}\t{}\n", s.id, s.title, fmt::join(s.covers, ","));
  // Nothing listed and nothing said would read as an empty corpus that is fine.
  if (corpus.scenarios.empty()) err << "fdconform: no scenarios to list\n";
  return corpus.diagnostics.empty() && corpus.path_errors.empty() && !corpus.scenarios.empty() ? 0 : 1;
}

int columns_command(const std::vector<std::string>& offered, std::ostream& out, std::ostream& err) {
  RunOptions options;
  options.offered = offered;
  ColumnChoice choice;
  try {
    choice = choose_columns(options, find_installation());
  } catch (const std::exception& e) {
    err << "fdconform: " << valid_utf8(e.what()) << '\n';
    return 2;
  }
  for (const auto& d : choice.all) {
    std::string where = d.unavailable.empty() ? d.argv.front() : "unavailable: " + d.unavailable;
    std::string marks;
    if (d.id == choice.reference_id) marks += "\t(default reference)";
    else if (d.default_column) marks += "\t(default)";
    out << fmt::format("{}\t{}{}\n", d.id, valid_utf8(where), marks);
  }
  for (const auto& notice : choice.notices) err << "fdconform: note: " << valid_utf8(notice) << '\n';
  return 0;
}

std::string version_text() {
  nlohmann::json described = describe_fdconform(find_installation().data_dir);
  std::string commit = described["commit"].is_string() ? described["commit"].get<std::string>() : "commit unknown";
  return fmt::format("fdconform {} ({})", described["version"].get<std::string>(), commit);
}

std::string default_scenarios_dir() {
  std::error_code ec;
  if (std::filesystem::is_directory("scenarios", ec)) return "scenarios";
  return find_installation().scenarios_dir;
}

}  // namespace fdconform
