// fdconform: replays fd-inheritance scenarios against several spawn implementations and diffs them.
//
// Exit statuses (docs/CLI.md): 0 no unexpected difference; 1 unexpected differences or errors; 2 a usage
// error or invalid input (CLI11's own parse errors included); 128 + N when signal N stopped a run.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "commands/commands.hpp"
#include "commands/suggest.hpp"
#include "fuzz/fuzz_command.hpp"
#include "run/standard_fds.hpp"

namespace {

constexpr int usage_error = 2;

std::vector<std::string> option_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options()) {
    for (const auto& name : option->get_lnames()) names.push_back("--" + name);
    for (const auto& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

// After a parse error: a subcommand or option name that is not one, with the closest valid one. Empty
// when every name is known (the error is about a value), so CLI11's own message is the better one.
std::optional<std::string> mistyped_name(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> subcommand_names;
  std::vector<CLI::App*> subcommands = app.get_subcommands({});
  for (const CLI::App* sub : subcommands) subcommand_names.push_back(sub->get_name());
  std::size_t first = 0;
  for (; first < args.size() && args[first].starts_with("-"); ++first) {
    std::vector<std::string> top_level = option_names(app);
    std::string name = args[first].substr(0, args[first].find('='));
    if (std::find(top_level.begin(), top_level.end(), name) != top_level.end()) continue;
    auto closest = fdconform::closest_name(name, top_level);
    return closest ? fmt::format("unknown option '{}': did you mean '{}'?", name, *closest)
                   : fmt::format("unknown option '{}': expected a subcommand first, one of {}", name,
                                 fmt::join(subcommand_names, ", "));
  }
  if (first == args.size())
    return fmt::format("expected a subcommand, one of {}", fmt::join(subcommand_names, ", "));
  const std::string& typed = args[first];
  CLI::App* command = nullptr;
  for (CLI::App* sub : subcommands)
    if (sub->get_name() == typed) command = sub;
  if (command == nullptr) {
    auto closest = fdconform::closest_name(typed, subcommand_names);
    return closest ? fmt::format("unknown subcommand '{}': did you mean '{}'?", typed, *closest)
                   : fmt::format("unknown subcommand '{}': expected one of {}", typed, fmt::join(subcommand_names, ", "));
  }
  std::vector<std::string> known = option_names(*command);
  for (std::size_t i = first + 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (!arg.starts_with("-") || arg.size() < 2 || std::isdigit(static_cast<unsigned char>(arg[1]))) continue;
    std::string name = arg.starts_with("--") ? arg.substr(0, arg.find('=')) : arg.substr(0, 2);
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    auto closest = fdconform::closest_name(name, known);
    return closest ? fmt::format("{}: unknown option '{}': did you mean '{}'?", typed, name, *closest)
                   : fmt::format("{}: unknown option '{}' (fdconform {} --help lists them)", typed, name, typed);
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything opens an fd: a closed 0, 1 or 2 would be handed to the first pipe we make.
  if (!fdconform::reserve_standard_fds()) return 2;
  CLI::App app{"fdconform: what a spawned child inherits, compared across implementations\n"
               "Exit status: 0 no unexpected difference, 1 unexpected differences or errors, 2 usage error or "
               "invalid input (docs/CLI.md)"};
  app.require_subcommand(1);
  // Computed only when asked for: the commit comes from git.
  app.set_version_flag("--version", [] { return fdconform::version_text(); }, "print fdconform's version and commit");

  std::vector<std::string> paths;
  auto* validate = app.add_subcommand("validate", "check scenario files strictly; print every error");
  validate->add_option("paths", paths, "scenario files or directories (recursive *.yaml)")->required();
  std::string validate_expectations;
  validate->add_option("--expectations", validate_expectations,
                       "also check the expectation files in this directory (stale entries included)");

  auto* list = app.add_subcommand("list", "list scenario ids, titles and the checklist items they cover");
  list->add_option("paths", paths, "scenario files or directories")->required();

  std::vector<std::string> columns_offered;
  auto* columns = app.add_subcommand("columns", "list every column the installed drivers offer on this machine");
  columns->add_option("--with", columns_offered, "an executable to offer to every driver's discovery (repeatable)")
      ->allow_extra_args(false);

  fdconform::RunOptions run_options;
  auto* run = app.add_subcommand("run", "run scenarios against every implementation and report");
  run->add_option("paths", run_options.paths,
                  "scenario files or directories (default: ./scenarios, else the installed scenarios)");
  // One value per occurrence, so `--impl '*' scenarios/` leaves scenarios/ to be a path.
  run->add_option("--impl", run_options.impls,
                  "the columns to run instead of the default ones: ids or globs ('*': every column found; "
                  "repeatable); the reference runs as well")
      ->allow_extra_args(false);
  run->add_option("--with", run_options.offered,
                  "an executable (an interpreter, a runtime) to offer to every driver's discovery; the column "
                  "made for it joins the run (repeatable)")
      ->allow_extra_args(false);
  std::vector<std::string> retired_oracle;
  run->add_option("--oracle", retired_oracle, "")->group("")->allow_extra_args(false);
  run->add_option("--driver", run_options.driver_files, "a driver descriptor JSON file adding a column (repeatable)")
      ->allow_extra_args(false);
  run->add_option("-j,--jobs", run_options.jobs, "parallel workers (default: one per core)")->check(CLI::Range(1, 256));
  run->add_option("--filter", run_options.filter, "only scenarios whose id matches this regular expression");
  run->add_option("--shard", run_options.shard,
                  "I/N: only the I-th of N disjoint shares of the scenarios (sorted by id, every N-th)");
  run->add_option("--timeout", run_options.timeout_seconds, "seconds per scenario unless it says otherwise")
      ->check(CLI::Range(0.1, 86400.0));
  run->add_option("--json", run_options.json_file, "write the results document here");
  run->add_option("--junit", run_options.junit_file, "write JUnit XML here");
  run->add_option("--html", run_options.html_file, "write the HTML report here");
  run->add_option("--out", run_options.out_dir, "write results.json, results.xml and report.html into this directory");
  run->add_option("--reference", run_options.reference,
                  "the column verdicts are against: an id, or a glob for its highest-ranked match (default: the "
                  "highest-ranked of the run's columns, as `fdconform columns` shows)");
  run->add_option("--expectations", run_options.expectations_dir,
                  "directory of expectation files (default: the source tree's or installation's expectations/)");
  run->add_flag("--no-expectations", run_options.no_expectations, "ignore expectation files");
  run->add_flag("--update-expectations", run_options.update_expectations,
                "rewrite the expectation files from this run (new entries are marked unreviewed)");
  run->add_flag("--allow-unconfined", run_options.allow_unconfined,
                "run scenarios marked `unconfined`, whose paths may reach outside their working directory");
  run->add_flag("--cold", run_options.cold, "start a fresh driver for every cell instead of keeping drivers warm");
  run->add_option("--baseline", run_options.baseline,
                  "an earlier run's results.json: a cell it saw pass that this run skips is an error");
  // Test-only: makes one implementation deviate on purpose, to prove the harness reports it.
  run->add_option("--deviate", run_options.deviations, "IMPL=WHAT")->group("")->allow_extra_args(false);

  fdconform::ReportOptions report_options;
  auto* report = app.add_subcommand("report", "render a saved results document again; runs nothing");
  report->add_option("results", report_options.results_file, "a results document (run --json, merge -o)")->required();
  report->add_option("--html", report_options.html_file, "write the HTML report here");
  report->add_option("--junit", report_options.junit_file, "write JUnit XML here");
  report->add_flag("--github-annotations", report_options.github_annotations,
                   "print a GitHub Actions error annotation per failing cell");

  fdconform::MergeOptions merge_options;
  auto* merge = app.add_subcommand(
      "merge", "combine results documents: shards of one host by rows, other hosts by columns");
  merge->add_option("inputs", merge_options.inputs, "results documents")->required();
  merge->add_option("-o,--output", merge_options.output_file, "write the merged document here")->required();
  merge->add_flag("--rows", merge_options.rows,
                  "combine every input by rows, as shards of one run (CI runners with different host names)");

  fdconform::ShowOptions show_options;
  auto* show = app.add_subcommand("show", "run one scenario on one implementation and print its observation "
                                          "as an expect: block");
  show->add_option("scenario", show_options.scenario, "a scenario file, or the id of one in the default scenarios")
      ->required();
  show->add_option("--impl", show_options.impl, "the implementation (default: the reference run would use)");
  show->add_option("--with", show_options.offered, "an executable to offer to every driver's discovery (repeatable)")
      ->allow_extra_args(false);
  show->add_option("--driver", show_options.driver_files, "a driver descriptor JSON file (repeatable)")
      ->allow_extra_args(false);
  show->add_option("--timeout", show_options.timeout_seconds, "seconds unless the scenario says otherwise")
      ->check(CLI::Range(0.1, 86400.0));
  show->add_flag("--allow-unconfined", show_options.allow_unconfined, "run it even if it is marked `unconfined`");

  fdconform::FuzzOptions fuzz_options;
  auto* fuzz = app.add_subcommand("fuzz", "run generated scenarios on the chosen columns and reduce each new "
                                          "difference from the reference to a small scenario file");
  fuzz->add_option("--seed", fuzz_options.seed, "the generator's seed: the same seed gives the same cases");
  auto* fuzz_cases = fuzz->add_option("--cases", fuzz_options.cases, "run this many cases (default: 1000)")
                         ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  fuzz->add_option("--first-case", fuzz_options.first_case,
                   "start at this case number (default 0): `--first-case K --cases 1` runs case K alone")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 40));
  fuzz->add_option("--budget", fuzz_options.budget_seconds, "run for this many seconds, reductions included")
      ->check(CLI::Range(1.0, 7 * 86400.0))
      ->excludes(fuzz_cases);
  fuzz->add_option("--impl", fuzz_options.impls, "the columns, as `run --impl` takes them (repeatable)")
      ->allow_extra_args(false);
  fuzz->add_option("--reference", fuzz_options.reference, "the column differences are against, as in `run`");
  fuzz->add_option("--driver", fuzz_options.driver_files, "a driver descriptor JSON file adding a column (repeatable)")
      ->allow_extra_args(false);
  fuzz->add_option("--with", fuzz_options.offered, "an executable to offer to every driver's discovery (repeatable)")
      ->allow_extra_args(false);
  fuzz->add_option("--expectations", fuzz_options.expectations_dir,
                   "directory of expectation files whose explained fields are not reported (default: as `run`)");
  fuzz->add_flag("--no-expectations", fuzz_options.no_expectations, "report every difference");
  fuzz->add_option("--out", fuzz_options.out_dir, "write the reduced scenarios and summary.json here (default: fuzz-out)");
  fuzz->add_option("-j,--jobs", fuzz_options.jobs, "parallel workers (default: one per core)")->check(CLI::Range(1, 256));
  fuzz->add_option("--timeout", fuzz_options.timeout_seconds, "seconds per case")->check(CLI::Range(0.1, 86400.0));
  bool fuzz_no_reduce = false;
  fuzz->add_flag("--no-reduce", fuzz_no_reduce, "write each difference's case as generated, unreduced");

  // `--version` anywhere (`fdconform run --version`) answers the same, before any other check.
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i)
    if (std::string_view(argv[i]) == "--version") {
      std::cout << fdconform::version_text() << '\n';
      return 0;
    }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
    std::vector<std::string> args(argv + 1, argv + argc);
    if (auto hint = mistyped_name(app, args)) {
      std::cerr << "fdconform: " << *hint << "\nRun with --help for more information.\n";
    } else {
      (void)app.exit(error);  // CLI11's message; its status (105, 106, 109, ...) is not ours
    }
    return usage_error;
  }

  if (validate->parsed()) return fdconform::validate_command(paths, validate_expectations, std::cout, std::cerr);
  if (list->parsed()) return fdconform::list_command(paths, std::cout, std::cerr);
  if (run->parsed() && !retired_oracle.empty()) {
    std::cerr << "fdconform: --oracle is gone: columns come from the drivers' discovery (`fdconform columns` lists "
                 "them). For every column found use --impl '*'; for an interpreter or runtime that is not found "
                 "on its own use --with PATH\n";
    return usage_error;
  }
  if (run->parsed()) return fdconform::run_command(run_options, std::cout, std::cerr);
  if (report->parsed()) return fdconform::report_command(report_options, std::cout, std::cerr);
  if (merge->parsed()) return fdconform::merge_command(merge_options, std::cout, std::cerr);
  if (show->parsed()) return fdconform::show_command(show_options, std::cout, std::cerr);
  if (fuzz->parsed()) {
    fuzz_options.reduce = !fuzz_no_reduce;
    return fdconform::fuzz_command(fuzz_options, std::cout, std::cerr);
  }
  if (columns->parsed()) return fdconform::columns_command(columns_offered, std::cout, std::cerr);
  return usage_error;
}
