#pragma once
// Verdict of one (scenario, implementation) cell, from its observation, the reference's and the
// scenario's explicit expectations (docs/RESULTS.md).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "diff/field_difference.hpp"
#include "expectations/expectation_files.hpp"
#include "normalize/observation.hpp"
#include "normalize/runtime_owned.hpp"

namespace fdconform {

// no_api: the column's runtime has no public API for something the scenario asks (its driver said which
// capability); neither passed, failed nor skipped, and counted apart.
enum class Verdict { match, differ, expected_differ, unexpected_pass, skip, error, no_api };

std::string to_string(Verdict verdict);  // "match", "expected-differ", ..., "no-api"
bool is_passed(Verdict verdict);         // match, expected-differ
bool is_failed(Verdict verdict);         // differ, unexpected-pass, error
std::string no_api_reason(const std::string& capability);  // "no API: <capability>", a no-api cell's reason

// What running a cell produced, before it is judged.
struct CellObservation {
  enum class Status { ran, skip, error, no_api };
  Status status = Status::error;
  std::string reason;          // skip/error
  std::string capability;      // no_api: what the runtime's API cannot express, in the driver's words
  Observation observation;     // ran: the normalized result
  Observation parent_state;    // ran: the normalized parent snapshot
  DeclaredRuntimeState runtime_owned;  // ran: what the column's runtime set up itself, left out of parent fields
  // The column follows Python's semantics (its hello's `semantics` has `python`), so its error classes and
  // messages are in the words of an expect block's `exception:` and `outcome.message` (docs/SCENARIO_FORMAT.md).
  bool python_error_words = true;
  bool cut_short = false;      // error: an interrupt stopped it; not a result, and the run is incomplete
};

struct Judgement {
  Verdict verdict = Verdict::error;
  std::string reason;
  std::vector<FieldDifference> diff;                  // against the reference
  std::vector<FieldDifference> expectation_failures;  // the scenario's own expect block
  // The expectation file entries that judged this cell (expected-differ, unexpected-pass, or a differ whose
  // difference is not the one they describe): why the difference is accepted, and where that is written.
  std::vector<ExpectationSource> expectation;
};

// What an expectation file says this cell shows where it differs from the reference:
// field -> value (nullopt: the field is absent), and the entries that say so. No entry: nullopt.
using KnownDifferences = std::optional<ExpectedDifference>;

// `reference` is null when this cell is the reference, or when the reference has no observation
// (`reference_unavailable` then says why). Without one, a cell is never `match` or `unexpected-pass` by
// comparison: it is `error` (the reference errored or did not run), or, when `reference_skipped`, judged by
// its `expect` block alone; a failed `expect` is `differ` with its own reason either way.
// Where two scenario parents' states differ, leaving out what either column's runtime owns: not empty
// means the two parents were not in the same state, a harness error rather than a difference.
std::vector<FieldDifference> parent_state_differences(const CellObservation& reference, const CellObservation& cell);

Judgement judge_cell(const CellObservation& cell, const CellObservation* reference, bool is_reference,
                     const std::string& reference_unavailable, const nlohmann::json& expect,
                     const KnownDifferences& known = std::nullopt, bool reference_skipped = false);

}  // namespace fdconform
