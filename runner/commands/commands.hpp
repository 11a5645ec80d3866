#pragma once
// The subcommands of fdconform; main() only parses the command line and calls these.
#include <iosfwd>
#include <string>
#include <vector>

namespace fdconform {

int validate_command(const std::vector<std::string>& paths, const std::string& expectations_dir, std::ostream& out,
                     std::ostream& err);
int list_command(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err);
int oracles_command(std::ostream& out, std::ostream& err);

struct RunOptions {
  std::vector<std::string> paths;
  std::vector<std::string> oracles;      // interpreters, or "all"; empty: the default interpreter
  std::vector<std::string> impls;        // column ids or glob patterns; empty: all
  std::vector<std::string> driver_files; // --driver FILE.json
  std::vector<std::string> deviations;   // test-only: IMPL=WHAT -> variant {"deviate": WHAT}
  int jobs = 0;                          // 0: one per core
  std::string filter;                    // regex on scenario ids
  double timeout_seconds = 10;
  std::string json_file, junit_file, html_file, out_dir;
  std::string reference;
  std::string expectations_dir;          // empty: <source>/expectations
  bool no_expectations = false;
  bool update_expectations = false;
  bool cold = false;                     // a fresh driver process for every cell
  bool allow_unconfined = false;         // run scenarios marked `unconfined` (paths outside the workdir)
};

int run_command(const RunOptions& options, std::ostream& out, std::ostream& err);

struct CpythonTestsOptions {
  std::string python;        // the interpreter whose own test_subprocess runs
  std::string module_dir;    // empty: <build>/cpython_ext/<its version>
  std::string json_file;
  int jobs = 0;              // 0: the script's default
  double timeout_seconds = 0;  // 0: the script's default
};

// Runs cpython_ext/run-cpython-tests: the interpreter's test_subprocess unmodified and on spawn_core,
// side by side. Replaces this process; returns only when it cannot start it.
int cpython_tests_command(const CpythonTestsOptions& options, std::ostream& err);

}  // namespace fdconform
