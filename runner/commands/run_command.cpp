// `fdconform run`: scenario -> driver -> probe -> normalize -> diff -> report, for every cell.
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>
#include <ostream>
#include <regex>
#include <thread>

#include "commands/columns.hpp"
#include "commands/commands.hpp"
#include "commands/corpus.hpp"
#include "commands/shard.hpp"
#include "session/installation.hpp"
#include "fdconform_common/signal_names.hpp"
#include "report/outputs.hpp"
#include "run/command_process.hpp"
#include "run/environment.hpp"
#include "run/interrupt.hpp"
#include "expectations/expectation_files.hpp"
#include "expectations/update_expectations.hpp"
#include "report/results_document.hpp"
#include "run/scheduler.hpp"
#include "run/newly_skipped.hpp"
#include "run/unmatched_expectations.hpp"
#include "run/utf8_text.hpp"

#include "reports/progress.hpp"
#include "reports/verdict.hpp"

namespace fdconform {
namespace {

std::vector<Scenario> filtered(std::vector<Scenario> scenarios, const std::string& filter) {
  if (filter.empty()) return scenarios;
  std::regex pattern(filter);  // throws std::regex_error for a bad expression
  std::vector<Scenario> out;
  for (auto& s : scenarios)
    if (std::regex_search(s.id, pattern)) out.push_back(std::move(s));
  return out;
}

bool all_directories(const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(p, ec)) return false;
  }
  return true;
}

// Why a run would have no scenario at all, for the message that refuses it. The loader has already said
// what is wrong with each path (an empty directory, a .yml file); this says what it adds up to.
std::string nothing_to_run(const Corpus& corpus, std::size_t valid_scenarios, const std::vector<std::string>& paths,
                           const std::string& filter) {
  if (valid_scenarios > 0 && !filter.empty())
    return fmt::format("--filter '{}' matches none of the {} scenario ids", filter, valid_scenarios);
  if (corpus.files_with_errors > 0)
    return fmt::format("none of the {} scenario files is valid (see the errors above)", corpus.files);
  std::vector<std::string> shown;
  for (const auto& p : paths) shown.push_back(valid_utf8(p));
  return fmt::format("no scenario file (*.yaml) in {}{}", fmt::join(shown, ", "),
                     corpus.path_errors.empty() ? "" : " (see above)");
}

// The source tree, or an installation's share/fdconform (FDCONFORM_SOURCE_DIR overrides either).
std::string source_dir() { return find_installation().data_dir; }

// Prints each failing or skipped cell as its row completes.
class LiveOutput {
 public:
  LiveOutput(std::ostream& out, std::size_t total)
      : out_(out), progress_(out, total, reports::is_terminal(out)) {}

  void row(const std::vector<JudgedCell*>& row, const std::vector<Scenario>& scenarios, const std::vector<Column>& columns) {
    for (const auto* cell : row) {
      const auto& scenario = scenarios[cell->scenario].id;
      const auto& impl = columns[cell->column].descriptor.id;
      const auto& j = cell->judgement;
      if (auto v = reports::parse_verdict(to_string(j.verdict))) progress_.record(scenario, impl, *v, j.reason);
    }
  }

  void finish() {
    progress_.finish();
    out_.flush();
  }

 private:
  std::ostream& out_;
  reports::Progress progress_;
};

}  // namespace

int run_command(const RunOptions& options, std::ostream& out, std::ostream& err) {
  CommandProcess process;

  std::optional<Baseline> baseline;
  if (!options.baseline.empty()) {
    std::string why;
    baseline = read_baseline(options.baseline, why);
    if (!baseline) {
      err << "fdconform: " << valid_utf8(why) << '\n';
      return 2;
    }
  }
  std::optional<Shard> shard;
  if (!options.shard.empty()) {
    std::string why;
    shard = parse_shard(options.shard, why);
    if (!shard) {
      err << "fdconform: " << why << '\n';
      return 2;
    }
  }
  const std::vector<std::string> paths =
      options.paths.empty() ? std::vector<std::string>{default_scenarios_dir()} : options.paths;
  auto corpus = load_corpus(paths);
  print_problems(corpus, err);
  std::vector<Scenario> scenarios;
  const std::size_t valid_scenarios = corpus.scenarios.size();
  try {
    scenarios = filtered(std::move(corpus.scenarios), options.filter);
  } catch (const std::regex_error& e) {
    err << fmt::format("fdconform: --filter {}: not a valid regular expression ({})\n", options.filter, e.what());
    return 2;
  }
  const std::size_t selected_scenarios = scenarios.size();
  if (shard && !scenarios.empty()) {
    scenarios = shard_scenarios(std::move(scenarios), *shard);
    if (scenarios.empty()) {
      err << fmt::format("fdconform: nothing to run: shard {}/{} of {} scenarios is empty; use at most {} shards\n",
                         shard->index, shard->count, selected_scenarios, selected_scenarios);
      return 2;
    }
  }
  if (scenarios.empty()) {
    // Zero cells would pass: a typo in a path or a filter must not look like a green run.
    err << "fdconform: nothing to run: " << nothing_to_run(corpus, valid_scenarios, paths, options.filter) << '\n';
    return 2;
  }

  OutputFiles files{options.json_file, options.junit_file, options.html_file};
  if (!options.out_dir.empty()) {
    auto in_dir = files_in_directory(options.out_dir);
    if (files.json.empty()) files.json = in_dir.json;
    if (files.junit.empty()) files.junit = in_dir.junit;
    if (files.html.empty()) files.html = in_dir.html;
  }
  // Checked (and locked) before anything runs: a run whose results cannot be kept is not worth running.
  OutputTargets targets;
  if (auto problems = targets.prepare(files, options.out_dir); !problems.empty()) {
    for (const auto& p : problems) err << "fdconform: " << p << '\n';
    return 2;
  }

  const bool expectations_given = !options.expectations_dir.empty();
  const std::string expectations_dir = expectations_given ? options.expectations_dir : source_dir() + "/expectations";
  ExpectationSet expectations;
  if (!options.no_expectations) {
    struct stat st {};
    if (::stat(expectations_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      int error = errno;
      std::string why = ::stat(expectations_dir.c_str(), &st) != 0 ? std::strerror(error) : "not a directory";
      if (expectations_given) {
        err << fmt::format("fdconform: --expectations {}: {}\n", valid_utf8(expectations_dir), why);
        return 2;
      }
      err << fmt::format("fdconform: no expectation files: {}: {}\n", valid_utf8(expectations_dir), why);
    }
    expectations = load_expectation_directory(expectations_dir);
    if (!expectations.diagnostics.empty()) {
      for (const auto& d : expectations.diagnostics) err << d.to_string() << '\n';
      err << "fdconform: the expectation files have errors; fix them or pass --no-expectations\n";
      return 2;
    }
  }

  Installation installation = find_installation();
  std::vector<Column> columns;
  std::vector<std::unique_ptr<DriverSession>> warm;
  std::size_t reference = 0;
  try {
    ColumnChoice choice = choose_columns(options, installation);
    for (const auto& notice : choice.notices) err << "fdconform: note: " << valid_utf8(notice) << '\n';
    columns = start_columns(choice.descriptors, interrupt_fd(), warm);
    reference = reference_column(columns, choice.reference_id);
  } catch (const std::exception& e) {
    err << "fdconform: " << valid_utf8(e.what()) << '\n';
    return 2;
  }
  for (const auto& c : columns)
    if (!c.available) err << "fdconform: " << c.unavailable << '\n';
  // Every verdict is against this column: say which before the first one is printed.
  out << fmt::format("fdconform: reference: {}{}\n", columns[reference].descriptor.id,
                     options.reference.empty() ? " (the default; --reference to choose another)" : "")
      << std::flush;

  std::optional<RunDirectory> run_dir(std::in_place);
  if (!run_dir->ok()) {
    err << "fdconform: " << valid_utf8(run_dir->error()) << '\n';
    return 2;
  }
  // Both travel to every driver inside JSON text (docs/PROTOCOL.md), which cannot carry other bytes; a
  // mapped path would name a directory that does not exist, so every cell would fail for a reason that
  // has nothing to do with spawning.
  for (const auto& [what, path] : {std::pair<const char*, std::string>{"the run's temporary directory (from TMPDIR)",
                                                                       run_dir->path()},
                                   {"the probe", installation.probe}}) {
    if (is_valid_utf8(path)) continue;
    err << fmt::format("fdconform: {} is not valid UTF-8: {}; drivers receive paths as JSON text, so set TMPDIR "
                       "(or move the build) to a path that is\n",
                       what, valid_utf8(path));
    return 2;
  }
  if (auto why = run_dir->check_room(scenarios.size() * columns.size()); !why.empty()) {
    err << "fdconform: " << valid_utf8(why) << '\n';
    return 2;
  }
  // Here, while this is the only thread: the scheduler's workers start below.
  process.watch(*run_dir, err);

  RunPlan plan;
  plan.scenarios = &scenarios;
  plan.columns = &columns;
  plan.reference_column = reference;
  plan.jobs = options.jobs > 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  plan.settings.probe = installation.probe;
  plan.settings.default_timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  plan.settings.host = HostFacts::current();
  plan.settings.interrupt_fd = interrupt_fd();
  plan.settings.allow_unconfined = options.allow_unconfined;
  plan.expectations = options.no_expectations ? nullptr : &expectations;
  plan.cold = options.cold;

  LiveOutput live(out, scenarios.size() * columns.size());
  Scheduler scheduler(plan, *run_dir, [&](const std::vector<JudgedCell*>& row) { live.row(row, scenarios, columns); });
  scheduler.adopt_sessions(std::move(warm));
  bool complete = scheduler.run();
  live.finish();

  RunRecord record;
  record.scenarios = &scenarios;
  record.columns = &columns;
  record.reference_column = reference;
  record.cells = scheduler.finished_cells();
  if (baseline) mark_newly_skipped(record.cells, scenarios, columns, *baseline);
  record.complete = complete && !interrupt_requested();
  record.environment = describe_environment();
  record.fdconform = describe_fdconform(source_dir());
  record.invalid_scenarios = corpus.diagnostics;
  record.unusable_paths = corpus.path_errors;

  // Unused entries only mean something when every entry had its chance: the whole corpus, every column.
  std::string unmatched_note;
  UnmatchedCheck unmatched;
  if (record.complete && !options.no_expectations && !expectations.files.empty()) {
    std::string restriction = !options.filter.empty()  ? "--filter"
                              : !options.impls.empty() ? "--impl"
                              : !options.shard.empty() ? "--shard"
                              : !all_directories(paths) ? "a scenario file given by name"
                                                        : "";
    if (!restriction.empty()) {
      unmatched_note = fmt::format("fdconform: expectation entries were not checked for use: {} restricts the run",
                                   restriction);
    } else {
      unmatched = unmatched_expectations(expectations, scenarios, columns, reference, record.cells);
      if (unmatched.other_corpus)
        unmatched_note = fmt::format("fdconform: the expectation files in {} name none of this run's scenarios; "
                                     "their entries were not checked for use",
                                     valid_utf8(expectations_dir));
      else
        record.unmatched_expectations = unmatched.entries;
    }
  }
  nlohmann::json document = results_document(record);

  auto outputs = write_outputs(document, files);
  for (const auto& e : outputs.errors) err << "fdconform: " << e << '\n';

  std::size_t expectation_write_errors = 0;
  if (options.update_expectations && record.complete) {
    ExpectationUpdate update = update_expectations(expectations, expectations_dir, scenarios, columns, reference,
                                                   record.cells, document["environment"].value("date", ""));
    out << fmt::format("fdconform: expectations: {} added, {} replaced, {} removed\n", update.added, update.replaced,
                       update.removed);
    for (const auto& path : update.written) out << "fdconform: rewrote " << path << '\n';
    // A file that could not be rewritten keeps its old entries: the run must not look as if it had.
    for (const auto& e : update.errors) err << "fdconform: " << valid_utf8(e) << '\n';
    expectation_write_errors = update.errors.size();
    if (update.added > 0)
      out << "fdconform: new entries are marked unreviewed: give each a reason and a link\n";
  }

  for (const auto& u : unmatched.entries)
    err << fmt::format("{}:{}: warning: expectation entry matched no cell: {}\n", valid_utf8(u.file), u.line, u.why);
  if (!unmatched_note.empty()) err << unmatched_note << '\n';
  write_closing_summary(document, out);
  if (!record.complete) {
    out << (interrupt_signal() ? fmt::format("fdconform: interrupted by {}; the results are partial (complete: false)\n",
                                             fdconform_common::signal_name(interrupt_signal()))
                               : std::string("fdconform: the run stopped before every cell ran; the results are "
                                             "partial (complete: false)\n"));
  }
  for (const auto& [label, path] : {std::pair{"results", files.json}, {"JUnit", files.junit}, {"HTML report", files.html}})
    if (!path.empty() && std::find(outputs.written.begin(), outputs.written.end(), path) != outputs.written.end())
      out << fmt::format("fdconform: {}: {}\n", label, path);

  // Whatever is left may take a moment to end; the reader of our output must not wait for it.
  out.flush();
  err.flush();
  process.finish(run_dir, err);

  if (!record.complete) return interrupt_signal() ? 128 + interrupt_signal() : 1;
  const auto& s = document["summary"];
  bool failed = s["differ"].get<int>() + s["unexpected-pass"].get<int>() + s["error"].get<int>() > 0;
  bool bad_input = !corpus.diagnostics.empty() || !corpus.path_errors.empty();
  return failed || bad_input || !outputs.errors.empty() || expectation_write_errors > 0 ? 1 : 0;
}

}  // namespace fdconform
