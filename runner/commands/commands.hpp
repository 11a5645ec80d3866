#pragma once
// The subcommands of fdconform; main() only parses the command line and calls these.
#include <iosfwd>
#include <string>
#include <vector>

namespace fdconform {

int validate_command(const std::vector<std::string>& paths, const std::string& expectations_dir, std::ostream& out,
                     std::ostream& err);
int list_command(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err);
// Every column the drivers' discovery lists (with --with), whether it is in a default run, and why one
// cannot run. Exit 0; 2 when discovery fails.
int columns_command(const std::vector<std::string>& offered, std::ostream& out, std::ostream& err);

struct RunOptions {
  std::vector<std::string> paths;
  std::vector<std::string> offered;      // --with PATH: offered to every driver's discovery
  std::vector<std::string> impls;        // column ids or glob patterns; empty: the default columns
  std::vector<std::string> driver_files; // --driver FILE.json
  std::vector<std::string> deviations;   // test-only: IMPL=WHAT -> variant {"deviate": WHAT}
  std::string baseline;                   // an earlier results.json: its passing cells must not be skipped now
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
  std::string shard;                     // "I/N": only this share of the scenarios (see commands/shard.hpp)
};

int run_command(const RunOptions& options, std::ostream& out, std::ostream& err);

struct ReportOptions {
  std::string results_file;    // a results document written by `run --json` or `merge`
  std::string html_file, junit_file;
  bool github_annotations = false;  // workflow commands on stdout, one per failing cell
};

// Re-renders a saved results document; runs nothing. Exit 0 when no cell failed and the run was
// complete, 1 otherwise, 2 when the document cannot be read.
int report_command(const ReportOptions& options, std::ostream& out, std::ostream& err);

struct MergeOptions {
  std::vector<std::string> inputs;
  std::string output_file;
  bool rows = false;  // every input is a shard of one run, whatever host it ran on
};

// Combines results documents (shards of one host by rows, other hosts by columns) into one file.
int merge_command(const MergeOptions& options, std::ostream& out, std::ostream& err);

struct ShowOptions {
  std::string scenario;        // a scenario file, or an id looked up in the default scenarios
  std::string impl;            // empty: the run's default reference
  std::vector<std::string> offered;
  std::vector<std::string> driver_files;
  double timeout_seconds = 10;
  bool allow_unconfined = false;
};

// Runs one scenario on one column and prints its normalized observation as an `expect:` block.
int show_command(const ShowOptions& options, std::ostream& out, std::ostream& err);

// "fdconform <version> (<commit>)", the values a results document records.
std::string version_text();

// Where scenarios are when none are named: ./scenarios when it exists, else the installed corpus.
std::string default_scenarios_dir();

}  // namespace fdconform
