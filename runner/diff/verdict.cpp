#include "diff/verdict.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "diff/expectations.hpp"

namespace fdconform {
namespace {

std::string summary(const std::vector<FieldDifference>& diff, const std::vector<FieldDifference>& failures) {
  std::vector<std::string> parts;
  for (const auto& d : diff) parts.push_back(describe_against_reference(d));
  for (const auto& d : failures) parts.push_back("expect " + describe(d));
  std::string out;
  for (std::size_t i = 0; i < parts.size() && i < 3; ++i) out += (i ? "; " : "") + parts[i];
  if (parts.size() > 3) out += fmt::format("; and {} more", parts.size() - 3);
  return out;
}

// True when the cell differs from the reference in exactly the signature's
// fields, each showing exactly the value the signature names.
bool matches_signature(const std::vector<FieldDifference>& diff, const DifferenceSignature& signature) {
  if (diff.size() != signature.size()) return false;
  for (const auto& d : diff) {
    auto it = signature.find(d.field);
    if (it == signature.end() || it->second != d.actual) return false;
  }
  return true;
}

std::string describe_signature(const DifferenceSignature& signature) {
  std::string text;
  for (const auto& [field, value] : signature)
    text += (text.empty() ? "" : ", ") + field + "=" + (value ? "'" + *value + "'" : std::string("(absent)"));
  return text;
}

}  // namespace

std::string to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::match: return "match";
    case Verdict::differ: return "differ";
    case Verdict::expected_differ: return "expected-differ";
    case Verdict::unexpected_pass: return "unexpected-pass";
    case Verdict::skip: return "skip";
    case Verdict::error: return "error";
    case Verdict::no_api: return "no-api";
  }
  return "error";
}

std::string no_api_reason(const std::string& capability) { return "no API: " + capability; }

bool is_passed(Verdict v) { return v == Verdict::match || v == Verdict::expected_differ; }
bool is_failed(Verdict v) { return v == Verdict::differ || v == Verdict::unexpected_pass || v == Verdict::error; }

// One side of a comparison as docs/PROTOCOL.md (hello) has it: what either column's runtime set up
// itself is left out on both sides; an fd only `side`'s runtime re-flagged gets its flag turned
// back on that side alone (on the other, the flag is as the scenario set it).
static Observation without_either_runtimes_own(const Observation& fields, const CellObservation& side,
                                               const CellObservation& other) {
  DeclaredRuntimeState owned = side.runtime_owned;
  owned.fds.insert(other.runtime_owned.fds.begin(), other.runtime_owned.fds.end());
  owned.signals.insert(other.runtime_owned.signals.begin(), other.runtime_owned.signals.end());
  owned.process.insert(other.runtime_owned.process.begin(), other.runtime_owned.process.end());
  return without_runtime_owned(fields, owned);
}

static ErrorWords error_words(const CellObservation& cell) {
  return cell.python_error_words ? ErrorWords::python : ErrorWords::own;
}

std::vector<FieldDifference> parent_state_differences(const CellObservation& reference, const CellObservation& cell) {
  return diff_observations(without_either_runtimes_own(reference.parent_state, reference, cell),
                           without_either_runtimes_own(cell.parent_state, cell, reference));
}

Judgement judge_cell(const CellObservation& cell, const CellObservation* reference, bool is_reference,
                     const std::string& reference_unavailable, const nlohmann::json& expect,
                     const KnownDifferences& known, bool reference_skipped) {
  Judgement j;
  // What the expect block states in Python's words and this column, which names its errors its own way,
  // shows otherwise: not a failure, but said in the reason so a reader of the report sees it.
  std::vector<FieldDifference> not_held;
  auto say_not_held = [&] {
    if (not_held.empty()) return;
    std::vector<std::string> parts;
    for (const auto& d : not_held) parts.push_back(describe(d));
    std::string note = fmt::format("not held to the expect block's Python error words: {}", fmt::join(parts, "; "));
    j.reason = j.reason.empty() ? note : j.reason + "; " + note;
  };
  if (cell.status == CellObservation::Status::skip) {
    j.verdict = Verdict::skip;
    // Every skip says why (docs/RESULTS.md); a driver that gave no reason is named as the one who skipped.
    j.reason = cell.reason.empty() ? std::string("skipped without a reason given") : cell.reason;
    return j;
  }
  if (cell.status == CellObservation::Status::no_api) {
    // Its own verdict whatever the reference or the expect block say: there is no observation to judge.
    j.verdict = Verdict::no_api;
    j.reason = no_api_reason(cell.capability);
    return j;
  }
  if (cell.status == CellObservation::Status::error) {
    j.verdict = Verdict::error;
    j.reason = cell.reason;
    return j;
  }
  if (!reference && !is_reference) {
    // Nothing to diff against. The scenario's own `expect` can still fail, and says why in its own words;
    // otherwise there is no verdict to give: a reference that errored (or never ran) makes the row an error,
    // a skipped one leaves only the expect block, and an expectation file entry cannot be judged either way.
    j.expectation_failures = check_expectations(expect, cell.observation, error_words(cell), &not_held);
    std::string not_compared =
        "not compared: " + (reference_unavailable.empty() ? std::string("the reference has no observation")
                                                          : reference_unavailable);
    if (!j.expectation_failures.empty()) {
      j.verdict = Verdict::differ;
      j.reason = summary({}, j.expectation_failures) + "; " + not_compared;
    } else {
      j.verdict = reference_skipped ? Verdict::match : Verdict::error;
      j.reason = not_compared;
    }
    say_not_held();
    return j;
  }
  if (reference && !is_reference) {
    auto parent_diff = parent_state_differences(*reference, cell);
    if (!parent_diff.empty()) {
      j.verdict = Verdict::error;
      j.reason = "parent states differ: " + summary(parent_diff, {});
      return j;
    }
    j.diff = diff_observations(without_either_runtimes_own(reference->observation, *reference, cell),
                               without_either_runtimes_own(cell.observation, cell, *reference));
  }
  // The expect block judges the scenario's own state in the same view: without what the column's
  // runtime set up itself, its re-flagged scenario fds as the scenario set them.
  j.expectation_failures = check_expectations(expect, without_runtime_owned(cell.observation, cell.runtime_owned),
                                              error_words(cell), &not_held);
  if (known) {
    // The expect block states the reference's behaviour, so its failure in a field the entry
    // names is the explained difference seen a second time; the entry still has to match the
    // comparison exactly (below), with the value it names, for the cell to pass.
    std::erase_if(j.expectation_failures,
                  [&](const FieldDifference& failure) { return known->fields.count(failure.field) > 0; });
  }
  bool differs = !j.diff.empty() || !j.expectation_failures.empty();
  if (known) {
    // An expectation file entry: the cell is expected to differ from the reference in exactly
    // these fields, with exactly these values; anything else, including agreeing, fails.
    if (!j.expectation_failures.empty()) j.verdict = Verdict::differ;
    else if (!differs) j.verdict = Verdict::unexpected_pass;
    else j.verdict = matches_signature(j.diff, known->fields) ? Verdict::expected_differ : Verdict::differ;
    j.expectation = known->sources;
  } else {
    j.verdict = differs ? Verdict::differ : Verdict::match;
  }
  if (differs) j.reason = summary(j.diff, j.expectation_failures);
  if (known && j.verdict == Verdict::differ && j.expectation_failures.empty())
    j.reason += "; the expectation file expects " + describe_signature(known->fields);
  if (j.verdict == Verdict::unexpected_pass)
    j.reason = "matches the reference although an expectation file expects " + describe_signature(known->fields) +
               ": remove the entry";
  say_not_held();
  return j;
}

}  // namespace fdconform
