#include "commands/corpus.hpp"

#include <fmt/format.h>

#include <map>
#include <ostream>

#include "scenario/loader.hpp"
#include "scenario/scenario_files.hpp"

namespace fdconform {

Corpus load_corpus(const std::vector<std::string>& paths) {
  Corpus corpus;
  auto found = find_scenario_files(paths);
  corpus.path_errors = found.errors;
  std::map<std::string, std::string> file_of_id;
  for (const auto& file : found.files) {
    ++corpus.files;
    auto loaded = load_scenario_file(file);
    if (loaded.scenario) {
      auto [it, inserted] = file_of_id.emplace(loaded.scenario->id, file);
      if (!inserted) {
        // The id's own line is not kept once loaded; the top of the file is close enough to find it.
        loaded.diagnostics.push_back(
            {file, 1, 1, fmt::format("id '{}' is also the id of {}: expected ids unique in the corpus",
                                     loaded.scenario->id, it->second)});
        loaded.scenario.reset();
      }
    }
    if (loaded.scenario) corpus.scenarios.push_back(std::move(*loaded.scenario));
    else ++corpus.files_with_errors;
    corpus.diagnostics.insert(corpus.diagnostics.end(), loaded.diagnostics.begin(), loaded.diagnostics.end());
  }
  return corpus;
}

void print_problems(const Corpus& corpus, std::ostream& err) {
  for (const auto& e : corpus.path_errors) err << "fdconform: " << e << '\n';
  for (const auto& d : corpus.diagnostics) err << d.to_string() << '\n';
}

}  // namespace fdconform
