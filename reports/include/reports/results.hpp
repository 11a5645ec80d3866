#pragma once
// The results document (docs/RESULTS.md) as plain structs: the runner fills them and write_results()
// spells them as JSON; parse_results() reads a document back, so every renderer works on checked data
// instead of probing JSON. These two functions are the only places that know the JSON spelling.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/verdict.hpp"

namespace reports {

// Thrown for a document that is not a results document; the message names the offending member.
struct ResultsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A normalized observation: field -> value (docs/PROTOCOL.md "Normalized observation").
using Observation = std::map<std::string, std::string>;

struct FieldMismatch {
  std::string field;
  std::optional<std::string> expected;  // nullopt: the field is absent on that side
  std::optional<std::string> actual;
};

struct Implementation {
  std::string id, name, version, detail, host, language;
  std::vector<std::string> features;
  std::vector<std::string> argv;   // how the runner started its driver
  nlohmann::json variant = nlohmann::json::object();  // the descriptor's variant, passed to the driver as given
  std::vector<std::string> rerun;  // the `fdconform run` arguments that bring this column into a run
  std::string unavailable;         // why the column could not run here; empty when it ran
};

struct Scenario {
  std::string id, title, description, file;
  int line = 1;
  std::vector<std::string> tags, covers;
  std::string source, yaml;
};

// An expectation file entry that judged a cell: why the difference is accepted, and where that is written.
struct ExpectationNote {
  std::string reason, link, file;
  int line = 0;  // 0: not given
};

struct Cell {
  std::string scenario, implementation;
  Verdict verdict = Verdict::error;
  std::string reason;
  std::optional<Observation> observation;
  std::vector<FieldMismatch> diff, expectation_failures;
  double duration_ms = 0;
  // The entries that judged this cell ("expectation", then its "also"); empty when none did.
  std::vector<ExpectationNote> expectation;
  std::optional<int> observation_class;  // "class": cells of a row with equal observations share one
  std::string capability;                // no-api: what the column's runtime cannot express
};

// A scenario file (or a path) the run could not load; each makes the run fail.
struct InvalidScenario {
  std::string file;
  int line = 1, column = 1;
  std::string message;
};

// An expectation file entry that judged no cell of a complete, unrestricted run.
struct UnmatchedExpectation {
  std::string file;
  int line = 1;
  std::string scenario, why;
};

struct Results {
  bool complete = true;
  nlohmann::json fdconform = nlohmann::json::object();
  // One block per host; a single run has one. Merged documents keep every host's block.
  std::vector<nlohmann::json> environments;
  std::string reference;
  std::vector<Implementation> implementations;
  std::vector<Scenario> scenarios;
  std::vector<Cell> cells;
  std::vector<InvalidScenario> invalid_scenarios;  // one per problem; several may name one file
  // Present only when the run checked its expectation entries for use (docs/RESULTS.md).
  std::optional<std::vector<UnmatchedExpectation>> unmatched_expectations;
};

// The distinct files of `invalid_scenarios`, in first-seen order: what the summary and JUnit count.
std::vector<std::string> invalid_scenario_files(const Results& results);

// Throws ResultsError when `document` is not schema version 1 or a required member is missing or
// of the wrong type, or a cell names a scenario or implementation the document does not declare.
Results parse_results(const nlohmann::json& document);

// The document of one run (schema version 1): `summary` is counted from the cells and invalid scenarios,
// `environment` is the one block (`environments` when there are several). parse_results() reads it back.
// Strings are written as they are; the runner maps bytes that are not UTF-8 before dumping it.
nlohmann::json write_results(const Results& results);

}  // namespace reports
