#pragma once
// Runs generated cases through the same steps as `fdconform run` (validation, warm driver sessions,
// normalization, the verdict against the reference) and says in which fields each column differs.
#include <cstddef>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "expectations/expectation_files.hpp"
#include "run/cell_executor.hpp"
#include "run/column.hpp"
#include "run/workdir.hpp"
#include "session/driver_session.hpp"

namespace fdconform::fuzz {

// Which columns differ from the reference, and in which fields: column id -> field names, each
// number in a name written N (child.fd.N.offset), so renumbering an fd keeps the signature, and
// without the child.* fields when the outcome differs (see leave_out_consequences). A column whose
// verdict is error has the single field "(error)".
using CaseSignature = std::map<std::string, std::set<std::string>>;

// "child.fd.7.offset" -> "child.fd.N.offset".
std::string general_field(const std::string& field);

// The cause a signature stands for, by which differences are counted and reported once: the same
// columns differing in the same fields modulo values, with what varies with the case's resources and
// names folded away. An fd's sub-fields fold into the fd (child.fd.N.pipe_size and child.fd.N.offset
// are both child.fd.N: a pipe and a file leaked the same way) and a step spawn's name is written NAME
// (s0.fds and s2.fds: the same difference in whichever spawn of the steps shows it).
CaseSignature signature_cause(const CaseSignature& signature);

// "COLUMN: child.fds, child.fd.N; OTHER: (error)".
std::string describe(const CaseSignature& signature);

// A difference with its field names general (numbers written N): field -> every value this column
// shows under that name (nullopt: absent).
using GeneralDifference = std::map<std::string, std::set<std::optional<std::string>>>;

// Per column, the differences the expectation files that apply to it (against this reference)
// accept, one per entry. Entries name scenarios, and a generated case is in none of them, so the
// fuzzer applies them by their content: a cell whose difference is one an entry describes is not
// reported (see explains).
using ExplainedFields = std::vector<std::vector<GeneralDifference>>;

// Whether one of `entries` describes `seen`; in a steps scenario, whether each spawn's fields, read as a
// single spawn's (NAME.fds as child.fds, NAME.outcome as outcome), are a difference one of them describes,
// with no step or parent field besides.
bool explained_by(const std::vector<GeneralDifference>& entries, const GeneralDifference& seen);
ExplainedFields explained_fields(const ExpectationSet& expectations, const std::vector<Column>& columns,
                                 std::size_t reference);

// When the outcome differs (a child on one side only, or another error), every child.* field differs
// as a consequence, in whichever fields the case's resources make: they are left out, so one cause
// has one signature and an entry written for another scenario can describe it. In a steps scenario the
// same holds for each spawn: NAME.outcome differing leaves out NAME.* but NAME.outcome.*.
void leave_out_consequences(GeneralDifference& difference);

// Whether `accepted` (one entry) describes `seen`: the same fields, the same values in fields named
// without a number, and in numbered fields (child.fd.N...), whose values name the case's own fds and
// resources, the same presence or absence.
bool explains(const GeneralDifference& accepted, const GeneralDifference& seen);

struct CaseOutcome {
  bool valid = false;
  std::string invalid_reason;    // the validator's first diagnostic
  bool reference_ran = false;
  std::string reference_problem;  // why the reference has no observation (skip, no-api, error)
  CaseSignature signature;        // empty: nothing unexplained differs
  std::map<std::string, std::string> reasons;  // column id -> the verdict's reason, for the summary
};

class CaseRunner {
 public:
  // `first_sessions` are the sessions start_columns left (indexed by column), used by slot 0.
  CaseRunner(const std::vector<Column>& columns, std::size_t reference, CellSettings settings, RunDirectory& run_dir,
             ExplainedFields explained, std::size_t slots,
             std::vector<std::unique_ptr<DriverSession>> first_sessions);

  // Validates `text` as scenario `id` and runs it on the reference and `columns` (indexes; empty:
  // every column), with slot `slot`'s warm sessions. Slots may run at the same time on different threads.
  CaseOutcome run(const std::string& id, const std::string& text, const std::vector<std::size_t>& columns,
                  std::size_t slot);

  std::size_t slots() const { return sessions_.size(); }
  const std::vector<Column>& columns() const { return columns_; }
  std::size_t reference() const { return reference_; }

 private:
  const std::vector<Column>& columns_;
  std::size_t reference_;
  CellSettings settings_;
  RunDirectory& run_dir_;
  ExplainedFields explained_;
  std::vector<std::vector<std::unique_ptr<DriverSession>>> sessions_;  // [slot][column]
  std::atomic<long long> next_cell_{0};
};

}  // namespace fdconform::fuzz
