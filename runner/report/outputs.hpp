#pragma once
// Writing the results document and the reports rendered from it (reports/ library when built).
//
// A run's outputs are its only product, so they are checked before anything runs and written so that a
// failure can never leave a truncated or half-written file in place of the previous good one: each goes
// to a temporary file in the same directory, is fsynced, and is renamed over the target.
#include <nlohmann/json.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace fdconform {

struct OutputFiles {
  std::string json, junit, html;  // empty: not asked for
};

// --out DIR: DIR/results.json, DIR/results.xml, DIR/report.html. Creates nothing (see OutputTargets).
OutputFiles files_in_directory(const std::string& dir);

// Holds the lock of every output a run will write, from the check before the run until it ends.
class OutputTargets {
 public:
  OutputTargets() = default;
  ~OutputTargets();
  OutputTargets(const OutputTargets&) = delete;
  OutputTargets& operator=(const OutputTargets&) = delete;

  // Creates `out_dir` when given, then for every asked-for file: its directory exists, a file can be
  // created in it, the path is not a directory, and no other run holds its lock (the hidden file
  // `.<name>.lock` next to it, flock'ed, holding the owner's pid). Returns one message per problem,
  // each naming the path and the errno; empty when every output can be written.
  std::vector<std::string> prepare(const OutputFiles& files, const std::string& out_dir);

 private:
  std::vector<int> lock_fds_;
};

struct WrittenOutputs {
  std::vector<std::string> written;  // paths now holding this run's output
  std::vector<std::string> errors;   // one message per file that could not be written (path and errno)
};

// Writes every asked-for file atomically (temporary file, fsync, rename, fsync of the directory). A file
// that cannot be written keeps its previous content, if any.
WrittenOutputs write_outputs(const nlohmann::json& document, const OutputFiles& files);

// One file, the same way: `text` lands at `path` whole or not at all. Empty on success, else why.
std::string write_file_atomically(const std::string& path, const std::string& text);

// The listing of failing cells, then exactly "fdconform: N passed, N failed, N skipped".
void write_closing_summary(const nlohmann::json& document, std::ostream& out);

}  // namespace fdconform
