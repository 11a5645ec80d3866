// `fdconform show SCENARIO [--impl ID]`: one scenario on one column, its normalized observation printed
// as an `expect:` block, so writing a scenario's expectations starts from what an implementation does.
#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <ostream>

#include "commands/columns.hpp"
#include "commands/commands.hpp"
#include "commands/corpus.hpp"
#include "run/environment.hpp"
#include "run/interrupt.hpp"
#include "run/command_process.hpp"
#include "run/scheduler.hpp"
#include "run/utf8_text.hpp"
#include "run/workdir.hpp"
#include "session/installation.hpp"

namespace fdconform {
namespace {

// A YAML scalar for `text`: plain when YAML reads it back as the same string, else double-quoted (a
// JSON string is a valid YAML double-quoted scalar, escapes included).
std::string yaml_scalar(const std::string& text) {
  bool plain = !text.empty() && text.size() < 200;
  for (unsigned char c : text)
    plain = plain && (std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '/' || c == '+' || c == ' ');
  // Leading/trailing spaces, and words YAML reads as something else (numbers, booleans, null).
  if (plain && (text.front() == ' ' || text.back() == ' ' || text.front() == '-' || text.front() == '.')) plain = false;
  if (plain) {
    bool digits_only = true;
    for (unsigned char c : text) digits_only = digits_only && (std::isdigit(c) || c == '.' || c == '+' || c == '-');
    static const char* special[] = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "True", "False",
                                    "Yes", "No", "On", "Off", "Null", "NULL", "TRUE", "FALSE", "YES", "NO", "ON",
                                    "OFF", "Y", "N"};
    for (const char* word : special) plain = plain && text != word;
    plain = plain && !digits_only;
  }
  return plain ? text : nlohmann::json(text).dump();
}

}  // namespace

int show_command(const ShowOptions& options, std::ostream& out, std::ostream& err) {
  CommandProcess process;

  // A file path, else an id from the default corpus.
  std::error_code ec;
  const bool is_file = std::filesystem::is_regular_file(options.scenario, ec);
  const std::string where = is_file ? options.scenario : default_scenarios_dir();
  auto corpus = load_corpus({where});
  std::vector<Scenario> scenarios;
  if (is_file) {
    print_problems(corpus, err);
    if (corpus.scenarios.empty()) {
      err << fmt::format("fdconform: show: {} is not a valid scenario (see above)\n", valid_utf8(options.scenario));
      return 2;
    }
    scenarios.push_back(std::move(corpus.scenarios.front()));
  } else {
    for (auto& s : corpus.scenarios)
      if (s.id == options.scenario) scenarios.push_back(std::move(s));
    if (scenarios.empty()) {
      err << fmt::format("fdconform: show: no scenario file {} and no scenario with that id in {}\n",
                         valid_utf8(options.scenario), valid_utf8(where));
      return 2;
    }
  }

  RunOptions run_options;
  run_options.offered = options.offered;
  run_options.driver_files = options.driver_files;
  if (!options.impl.empty()) run_options.impls = {options.impl};
  Installation installation = find_installation();
  std::vector<Column> columns;
  std::vector<std::unique_ptr<DriverSession>> warm;
  try {
    ColumnChoice choice = choose_columns(run_options, installation);
    const std::string wanted = options.impl.empty() ? choice.reference_id : options.impl;
    std::vector<DriverDescriptor> one;
    std::vector<std::string> known;
    for (const auto& d : choice.descriptors) {
      known.push_back(d.id);
      if (d.id == wanted) one.push_back(d);
    }
    if (one.empty()) {
      err << fmt::format("fdconform: show --impl {}: expected one implementation id, such as {}\n", wanted,
                         fmt::join(known, ", "));
      return 2;
    }
    columns = start_columns(one, interrupt_fd(), warm);
  } catch (const std::exception& e) {
    err << "fdconform: " << valid_utf8(e.what()) << '\n';
    return 2;
  }
  if (!columns.front().available) {
    err << "fdconform: " << columns.front().unavailable << '\n';
    return 2;
  }

  std::optional<RunDirectory> run_dir(std::in_place);
  if (!run_dir->ok()) {
    err << "fdconform: " << valid_utf8(run_dir->error()) << '\n';
    return 2;
  }
  process.watch(*run_dir, err);
  RunPlan plan;
  plan.scenarios = &scenarios;
  plan.columns = &columns;
  plan.reference_column = 0;  // the column is its own reference: nothing to compare, only to observe
  plan.jobs = 1;
  plan.settings.probe = installation.probe;
  plan.settings.default_timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  plan.settings.host = HostFacts::current();
  plan.settings.interrupt_fd = interrupt_fd();
  plan.settings.allow_unconfined = options.allow_unconfined;
  bool complete = false;
  std::vector<JudgedCell> cells;
  {
    Scheduler scheduler(plan, *run_dir, [](const std::vector<JudgedCell*>&) {});
    scheduler.adopt_sessions(std::move(warm));
    complete = scheduler.run();
    cells = scheduler.finished_cells();
  }  // the driver sessions end here, before what they left behind is reaped
  process.finish(run_dir, err);
  if (!complete || cells.empty()) {
    err << "fdconform: show: the run was interrupted\n";
    return interrupt_signal() ? 128 + interrupt_signal() : 1;
  }
  const JudgedCell& cell = cells.front();
  const std::string& impl = columns.front().descriptor.id;
  if (cell.judgement.verdict == Verdict::skip || cell.judgement.verdict == Verdict::error) {
    err << fmt::format("fdconform: show: {} on {}: {}: {}\n", scenarios.front().id, impl,
                       to_string(cell.judgement.verdict), valid_utf8(cell.judgement.reason));
    return 1;
  }
  // No observation to paste: the column's runtime has no API for what the scenario asks, and that is
  // the one thing worth saying.
  if (cell.judgement.verdict == Verdict::no_api) {
    err << fmt::format("fdconform: show: {} on {}: {} (this column's runtime cannot express the scenario, so "
                       "there is no observation to show)\n",
                       scenarios.front().id, impl, valid_utf8(no_api_reason(cell.observation.capability)));
    return 1;
  }
  out << fmt::format("# {} on {}: its normalized observation. Keep the fields the scenario is about.\n",
                     scenarios.front().id, impl);
  out << "expect:\n  fields:\n";
  for (const auto& [field, value] : cell.observation.observation)
    out << fmt::format("    {}: {}\n", yaml_scalar(valid_utf8(field)), yaml_scalar(valid_utf8(value)));
  return 0;
}

}  // namespace fdconform
