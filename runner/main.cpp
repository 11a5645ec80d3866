// fdconform: replays fd-inheritance scenarios against several spawn implementations and diffs them.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands/commands.hpp"
#include "run/standard_fds.hpp"

int main(int argc, char** argv) {
  // Before anything opens an fd: a closed 0, 1 or 2 would be handed to the first pipe we make.
  if (!fdconform::reserve_standard_fds()) return 2;
  CLI::App app{"fdconform: what a spawned child inherits, compared across implementations"};
  app.require_subcommand(1);

  std::vector<std::string> paths;
  auto* validate = app.add_subcommand("validate", "check scenario files strictly; print every error");
  validate->add_option("paths", paths, "scenario files or directories (recursive *.yaml)")->required();
  std::string validate_expectations;
  validate->add_option("--expectations", validate_expectations,
                       "also check the expectation files in this directory (stale entries included)");

  auto* list = app.add_subcommand("list", "list scenario ids, titles and the checklist items they cover");
  list->add_option("paths", paths, "scenario files or directories")->required();

  app.add_subcommand("oracles", "list the CPython interpreters found, with their versions");

  fdconform::RunOptions run_options;
  auto* run = app.add_subcommand("run", "run scenarios against every implementation and report");
  run->add_option("paths", run_options.paths, "scenario files or directories (default: scenarios)");
  run->add_option("--oracle", run_options.oracles, "a CPython interpreter to compare (repeatable; 'all' for every one found)");
  run->add_option("--impl", run_options.impls, "only these implementation ids (repeatable; globs allowed)");
  run->add_option("--driver", run_options.driver_files, "a driver descriptor JSON file adding a column (repeatable)");
  run->add_option("-j,--jobs", run_options.jobs, "parallel workers (default: one per core)")->check(CLI::Range(1, 256));
  run->add_option("--filter", run_options.filter, "only scenarios whose id matches this regular expression");
  run->add_option("--timeout", run_options.timeout_seconds, "seconds per scenario unless it says otherwise")
      ->check(CLI::Range(0.1, 86400.0));
  run->add_option("--json", run_options.json_file, "write the results document here");
  run->add_option("--junit", run_options.junit_file, "write JUnit XML here");
  run->add_option("--html", run_options.html_file, "write the HTML report here");
  run->add_option("--out", run_options.out_dir, "write results.json, results.xml and report.html into this directory");
  run->add_option("--reference", run_options.reference, "the implementation verdicts are against (default: newest CPython)");
  run->add_option("--expectations", run_options.expectations_dir,
                  "directory of expectation files (default: the source tree's expectations/)");
  run->add_flag("--no-expectations", run_options.no_expectations, "ignore expectation files");
  run->add_flag("--update-expectations", run_options.update_expectations,
                "rewrite the expectation files from this run (new entries are marked unreviewed)");
  run->add_flag("--allow-unconfined", run_options.allow_unconfined,
                "run scenarios marked `unconfined`, whose paths may reach outside their working directory");
  run->add_flag("--cold", run_options.cold, "start a fresh driver for every cell instead of keeping drivers warm");
  // Test-only: makes one implementation deviate on purpose, to prove the harness reports it.
  run->add_option("--deviate", run_options.deviations, "IMPL=WHAT")->group("");

  fdconform::CpythonTestsOptions cpython_tests_options;
  auto* cpython_tests = app.add_subcommand(
      "cpython-tests", "run an interpreter's own test_subprocess unmodified and on spawn_core, side by side");
  cpython_tests->add_option("--python", cpython_tests_options.python, "the CPython interpreter (3.11 or newer)")
      ->required();
  cpython_tests->add_option("--module-dir", cpython_tests_options.module_dir,
                            "where _fdconform_posixsubprocess for it is (default: found in the build)");
  cpython_tests->add_option("--json", cpython_tests_options.json_file, "write the comparison here");
  cpython_tests->add_option("-j,--jobs", cpython_tests_options.jobs, "test processes at once")
      ->check(CLI::Range(1, 64));
  cpython_tests->add_option("--timeout", cpython_tests_options.timeout_seconds,
                            "seconds before a hung test process is killed")
      ->check(CLI::Range(1.0, 86400.0));

  CLI11_PARSE(app, argc, argv);

  if (cpython_tests->parsed()) return fdconform::cpython_tests_command(cpython_tests_options, std::cerr);

  if (validate->parsed()) return fdconform::validate_command(paths, validate_expectations, std::cout, std::cerr);
  if (list->parsed()) return fdconform::list_command(paths, std::cout, std::cerr);
  if (run->parsed()) return fdconform::run_command(run_options, std::cout, std::cerr);
  return fdconform::oracles_command(std::cout, std::cerr);
}
