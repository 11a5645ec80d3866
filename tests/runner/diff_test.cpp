#include <gtest/gtest.h>

#include "diff/expectations.hpp"
#include "diff/verdict.hpp"
#include "run/judged_cell.hpp"
#include "report/results_document.hpp"

namespace fdconform {
namespace {

CellObservation ran(Observation o, Observation parent = {{"parent.umask", "022"}}) {
  CellObservation c;
  c.status = CellObservation::Status::ran;
  c.observation = std::move(o);
  c.parent_state = std::move(parent);
  return c;
}

TEST(Diff, ListsChangedMissingAndExtraFields) {
  Observation a = {{"child.fds", "0,1,2,5"}, {"child.fd.5", "p.read rdonly"}, {"child.umask", "022"}};
  Observation b = {{"child.fds", "0,1,2"}, {"child.umask", "077"}, {"child.fd.9", "log rdwr"}};
  auto d = diff_observations(a, b);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0], (FieldDifference{"child.fd.5", "p.read rdonly", std::nullopt}));
  EXPECT_EQ(d[1], (FieldDifference{"child.fd.9", std::nullopt, "log rdwr"}));
  EXPECT_EQ(d[2], (FieldDifference{"child.fds", "0,1,2,5", "0,1,2"}));
  EXPECT_EQ(d[3], (FieldDifference{"child.umask", "022", "077"}));
  EXPECT_TRUE(diff_observations(a, a).empty());
}

TEST(Expectations, OutcomeFdsAndFields) {
  Observation o = {{"outcome", "exited 0"}, {"child.fds", "0,1,2,5"}, {"child.fd.0", "parent.stdin rdonly"},
                   {"child.fd.1", "parent.stdout wronly"}, {"child.fd.2", "parent.stderr wronly"},
                   {"child.fd.5", "p.read rdonly nonblock"}, {"child.session", "parent"}};
  nlohmann::json expect = {{"outcome", "exited"}, {"returncode", 0},
                           {"fds", {{"0", "parent.stdin"}, {"1", "parent.stdout"}, {"2", "parent.stderr"}, {"5", "p.read"}}},
                           {"fields", {{"child.session", "parent"}}}};
  EXPECT_TRUE(check_expectations(expect, o).empty());
  expect["returncode"] = 3;
  expect["fields"]["child.session"] = "self";
  auto failures = check_expectations(expect, o);
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0], (FieldDifference{"outcome", "exited 3", "exited 0"}));
  EXPECT_EQ(failures[1], (FieldDifference{"child.session", "self", "parent"}));
  EXPECT_EQ(check_expectations({{"outcome", "signaled"}, {"returncode", -9}}, {{"outcome", "signaled SIGKILL"}}).size(), 0u);
  EXPECT_EQ(check_expectations({{"outcome", "exception"}}, o).size(), 1u);
}

TEST(Expectations, TheExceptionKeyChecksTheErrorClassApartFromTheOutcome) {
  Observation raised = {{"outcome", "exception"}, {"outcome.error_class", "FileNotFoundError"},
                        {"outcome.errno", "ENOENT"}};
  EXPECT_TRUE(check_expectations({{"outcome", "exception"}}, raised).empty());
  EXPECT_TRUE(check_expectations({{"exception", "FileNotFoundError"}, {"errno", "ENOENT"}}, raised).empty());
  EXPECT_TRUE(check_expectations({{"outcome", "exception"}, {"exception", "FileNotFoundError"}}, raised).empty());
  // Another class: only error_class fails; how the call ended still holds.
  auto failures = check_expectations({{"outcome", "exception"}, {"exception", "PermissionError"}}, raised);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0], (FieldDifference{"outcome.error_class", "PermissionError", "FileNotFoundError"}));
  // A child that exited fails both: it did not raise, and has no class.
  failures = check_expectations({{"exception", "FileNotFoundError"}}, {{"outcome", "exited 0"}});
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0], (FieldDifference{"outcome", "exception", "exited 0"}));
  EXPECT_EQ(failures[1], (FieldDifference{"outcome.error_class", "FileNotFoundError", std::nullopt}));
}

// A column that does not follow CPython (a C library's posix_spawn naming the call that failed) is held to
// the outcome, the errno and every other field of the block, not to CPython's class, message or filename.
TEST(Expectations, AColumnWithItsOwnErrorWordsIsHeldToTheOutcomeAndErrnoAlone) {
  Observation c_library = {{"outcome", "exception"}, {"outcome.error_class", "posix_spawn"},
                           {"outcome.errno", "ENOENT"}, {"outcome.message", "posix_spawn: No such file or directory"},
                           {"child.fds", "0,1,2"}};
  nlohmann::json expect = {{"outcome", "exception"},
                           {"exception", "FileNotFoundError"},
                           {"errno", "ENOENT"},
                           {"filename", "{probe}"},
                           {"fields", {{"outcome.message", "[Errno 2] No such file or directory: '{probe}'"}}}};
  std::vector<FieldDifference> not_held;
  EXPECT_TRUE(check_expectations(expect, c_library, ErrorWords::own, &not_held).empty());
  ASSERT_EQ(not_held.size(), 3u);  // the class, the filename and the message, kept for the cell's reason
  EXPECT_EQ(not_held[0], (FieldDifference{"outcome.error_class", "FileNotFoundError", "posix_spawn"}));
  // The same block on a column in CPython's words fails on all three.
  EXPECT_EQ(check_expectations(expect, c_library, ErrorWords::python).size(), 3u);
  // Held to the rest: another errno, or a child where an error was expected, still fails.
  Observation other_errno = c_library;
  other_errno["outcome.errno"] = "EACCES";
  auto failures = check_expectations(expect, other_errno, ErrorWords::own);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0], (FieldDifference{"outcome.errno", "ENOENT", "EACCES"}));
  failures = check_expectations(expect, {{"outcome", "exited 0"}}, ErrorWords::own);
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].field, "outcome");
  EXPECT_EQ(failures[1].field, "outcome.errno");
  EXPECT_TRUE(in_python_error_words("step.2.error_class"));
  EXPECT_TRUE(in_python_error_words("first.outcome.filename"));
  EXPECT_FALSE(in_python_error_words("outcome.errno"));
  EXPECT_FALSE(in_python_error_words("outcome.strerror"));
}

TEST(Verdict, TheExpectBlockJudgesAColumnInItsOwnErrorWords) {
  auto raised = ran({{"outcome", "exception"}, {"outcome.error_class", "posix_spawn"}, {"outcome.errno", "EPERM"}});
  nlohmann::json expect = {{"exception", "PermissionError"}, {"errno", "EPERM"}};
  // As the reference of a run of C library columns: no CPython semantics in its hello.
  raised.python_error_words = false;
  auto judged = judge_cell(raised, nullptr, true, "", expect);
  EXPECT_EQ(judged.verdict, Verdict::match);
  // Passing, with the statement it was not held to in its reason, for the reports.
  EXPECT_NE(judged.reason.find("not held to the expect block's Python error words"), std::string::npos)
      << judged.reason;
  EXPECT_NE(judged.reason.find("PermissionError"), std::string::npos) << judged.reason;
  raised.python_error_words = true;
  judged = judge_cell(raised, nullptr, true, "", expect);
  EXPECT_EQ(judged.verdict, Verdict::differ);
  EXPECT_EQ(judged.reason.find("not held"), std::string::npos) << judged.reason;
}

TEST(Verdict, MatchDifferSkipError) {
  auto reference = ran({{"child.umask", "022"}});
  EXPECT_EQ(judge_cell(ran({{"child.umask", "022"}}), &reference, false, "", {}).verdict, Verdict::match);
  auto differ = judge_cell(ran({{"child.umask", "077"}}), &reference, false, "", {});
  EXPECT_EQ(differ.verdict, Verdict::differ);
  ASSERT_EQ(differ.diff.size(), 1u);
  EXPECT_EQ(differ.diff[0].field, "child.umask");
  CellObservation skipped;
  skipped.status = CellObservation::Status::skip;
  skipped.reason = "needs root";
  auto s = judge_cell(skipped, &reference, false, "", {});
  EXPECT_EQ(s.verdict, Verdict::skip);
  EXPECT_EQ(s.reason, "needs root");
  CellObservation crashed;
  crashed.reason = "driver killed by signal SIGSEGV";
  EXPECT_EQ(judge_cell(crashed, &reference, false, "", {}).verdict, Verdict::error);
}

TEST(Verdict, DifferentParentStatesAreAHarnessErrorNotADifference) {
  auto reference = ran({{"child.umask", "022"}}, {{"parent.umask", "022"}});
  auto j = judge_cell(ran({{"child.umask", "077"}}, {{"parent.umask", "077"}}), &reference, false, "", {});
  EXPECT_EQ(j.verdict, Verdict::error);
  EXPECT_EQ(j.reason.rfind("parent states differ: parent.umask", 0), 0u) << j.reason;
  EXPECT_TRUE(j.diff.empty());
}

TEST(Verdict, ReferenceIsJudgedOnItsExpectationsOnly) {
  auto cell = ran({{"outcome", "exited 0"}});
  EXPECT_EQ(judge_cell(cell, nullptr, true, "", {{"outcome", "exited"}}).verdict, Verdict::match);
  EXPECT_EQ(judge_cell(cell, nullptr, true, "", {{"returncode", 1}}).verdict, Verdict::differ);
}

TEST(Verdict, KnownDifferencesGiveExpectedDifferAndUnexpectedPass) {
  auto reference = ran({{"child.umask", "022"}});
  KnownDifferences umask = DifferenceSignature{{"child.umask", "077"}};
  EXPECT_EQ(judge_cell(ran({{"child.umask", "077"}}), &reference, false, "", {}, umask).verdict, Verdict::expected_differ);
  EXPECT_EQ(judge_cell(ran({{"child.umask", "022"}}), &reference, false, "", {}, umask).verdict, Verdict::unexpected_pass);
  EXPECT_EQ(judge_cell(ran({{"child.umask", "077"}, {"x", "1"}}), &reference, false, "", {}, umask).verdict, Verdict::differ);
  // The same field with another value is not the expected difference.
  EXPECT_EQ(judge_cell(ran({{"child.umask", "027"}}), &reference, false, "", {}, umask).verdict, Verdict::differ);
  // A field expected to be absent.
  KnownDifferences absent = DifferenceSignature{{"child.umask", std::nullopt}};
  EXPECT_EQ(judge_cell(ran({}), &reference, false, "", {}, absent).verdict, Verdict::expected_differ);
}

// A runtime column differs from the reference in a field the scenario's expect block names: the
// entry explaining the difference covers the block's failure on that field with that value, and
// nothing else; what the column's runtime declares its own is not the scenario's to expect.
TEST(Verdict, AnEntryCoversTheExpectBlockOnTheFieldsItNames) {
  auto reference = ran({{"child.umask", "022"}, {"outcome", "exited 0"}});
  const nlohmann::json expect = {{"fields", {{"child.umask", "022"}}}};
  KnownDifferences umask = DifferenceSignature{{"child.umask", "077"}};
  auto column = ran({{"child.umask", "077"}, {"outcome", "exited 0"}});
  EXPECT_EQ(judge_cell(column, &reference, false, "", expect, umask).verdict, Verdict::expected_differ);
  // Without the entry the block fails as before; with another value the entry does not cover it.
  EXPECT_EQ(judge_cell(column, &reference, false, "", expect, {}).verdict, Verdict::differ);
  KnownDifferences other_value = DifferenceSignature{{"child.umask", "027"}};
  EXPECT_EQ(judge_cell(column, &reference, false, "", expect, other_value).verdict, Verdict::differ);
  // A block failing on a field the entry does not name still fails the cell.
  const nlohmann::json expect_outcome = {{"fields", {{"child.umask", "022"}}}, {"outcome", "exception"}};
  EXPECT_EQ(judge_cell(column, &reference, false, "", expect_outcome, umask).verdict, Verdict::differ);
  // The runtime's own fd leaves parent_after.fds before the block looks at it.
  auto runtime = ran({{"parent_after.fds", "parent.stdin,unknown:file"}, {"parent_after.fd.3", "unknown:file rdonly"}});
  runtime.runtime_owned.fds = {3};
  const nlohmann::json expect_after = {{"fields", {{"parent_after.fds", "parent.stdin"}}}};
  EXPECT_TRUE(judge_cell(runtime, nullptr, true, "", expect_after, {}).expectation_failures.empty());
  runtime.runtime_owned.fds.clear();
  EXPECT_FALSE(judge_cell(runtime, nullptr, true, "", expect_after, {}).expectation_failures.empty());
  // A scenario fd the runtime re-flagged at start-up (node marks every fd it inherited
  // close-on-exec) is still the scenario's: the block sees it, with the flag the scenario gave it.
  auto reflagged = ran({{"parent_after.fds", "parent.stdin,p.read"}, {"parent_after.fd.0", "parent.stdin rdonly cloexec"},
                        {"parent_after.fd.5", "p.read rdonly cloexec"}});
  reflagged.runtime_owned.reflagged_fds = {0, 5};
  const nlohmann::json expect_named = {{"fields", {{"parent_after.fds", "parent.stdin,p.read"}, {"parent_after.fd.5", "p.read rdonly"}}}};
  EXPECT_TRUE(judge_cell(reflagged, nullptr, true, "", expect_named, {}).expectation_failures.empty());
  reflagged.runtime_owned.reflagged_fds.clear();
  EXPECT_FALSE(judge_cell(reflagged, nullptr, true, "", expect_named, {}).expectation_failures.empty());
}

ExpectedDifference umask_entry() {
  ExpectedDifference known(DifferenceSignature{{"child.umask", "077"}});
  known.sources.push_back({"expectations/x.yaml", 12, "vfork keeps the umask", "https://example.invalid/1"});
  return known;
}

TEST(Verdict, TheEntryThatJudgedACellTravelsWithIt) {
  auto reference = ran({{"child.umask", "022"}});
  const KnownDifferences known = umask_entry();
  const std::vector<ExpectationSource> entry = known->sources;
  // Accepted, no longer differing, or differing otherwise: the entry judged the cell each time.
  EXPECT_EQ(judge_cell(ran({{"child.umask", "077"}}), &reference, false, "", {}, known).expectation, entry);
  EXPECT_EQ(judge_cell(ran({{"child.umask", "022"}}), &reference, false, "", {}, known).expectation, entry);
  EXPECT_EQ(judge_cell(ran({{"child.umask", "027"}}), &reference, false, "", {}, known).expectation, entry);
  // No entry, a skip, or no reference to compare with: none judged it.
  EXPECT_TRUE(judge_cell(ran({{"child.umask", "077"}}), &reference, false, "", {}).expectation.empty());
  CellObservation skipped;
  skipped.status = CellObservation::Status::skip;
  skipped.reason = "needs root (requires.root)";
  EXPECT_TRUE(judge_cell(skipped, &reference, false, "", {}, known).expectation.empty());
  EXPECT_TRUE(judge_cell(ran({{"child.umask", "077"}}), nullptr, false, "no reference", {}, known, true)
                  .expectation.empty());
}

TEST(Verdict, EverySkipHasAReason) {
  auto reference = ran({{"child.umask", "022"}});
  CellObservation skipped;
  skipped.status = CellObservation::Status::skip;
  auto judged = judge_cell(skipped, &reference, false, "", {});
  EXPECT_EQ(judged.verdict, Verdict::skip);
  EXPECT_FALSE(judged.reason.empty());
}

CellObservation without_api(const std::string& capability) {
  CellObservation c;
  c.status = CellObservation::Status::no_api;
  c.capability = capability;
  return c;
}

TEST(Verdict, NoApiIsItsOwnVerdictNeitherPassedFailedNorSkipped) {
  auto reference = ran({{"child.umask", "022"}});
  // Whatever the reference, the expect block or an expectation entry say: there is nothing to judge.
  const std::vector<const CellObservation*> references = {&reference, nullptr};
  for (const CellObservation* ref : references) {
    auto judged = judge_cell(without_api("fd at child fd 7"), ref, ref == nullptr, "", {{"outcome", "exited"}},
                             umask_entry());
    EXPECT_EQ(judged.verdict, Verdict::no_api);
    EXPECT_EQ(judged.reason, "no API: fd at child fd 7");
    EXPECT_TRUE(judged.diff.empty());
    EXPECT_TRUE(judged.expectation_failures.empty());
    EXPECT_TRUE(judged.expectation.empty());
  }
  EXPECT_EQ(to_string(Verdict::no_api), "no-api");
  EXPECT_FALSE(is_passed(Verdict::no_api));
  EXPECT_FALSE(is_failed(Verdict::no_api));
}

TEST(Verdict, AReferenceWithoutTheApiMakesTheRowErrorsWithTheReason) {
  JudgedCell reference_cell, other;
  reference_cell.observation = without_api("fd at child fd 7");
  other.column = 1;
  other.observation = ran({{"child.umask", "022"}});
  std::vector<JudgedCell*> row = {&reference_cell, &other};
  judge_row(row, 0, "rust-1.80", nlohmann::json::object());
  EXPECT_EQ(reference_cell.judgement.verdict, Verdict::no_api);
  EXPECT_EQ(other.judgement.verdict, Verdict::error);
  EXPECT_EQ(other.judgement.reason,
            "not compared: the reference rust-1.80 cannot express this scenario (no API: fd at child fd 7)");
  // The cell's own expect block still speaks for itself.
  judge_row(row, 0, "rust-1.80", {{"fields", {{"child.umask", "077"}}}});
  EXPECT_EQ(other.judgement.verdict, Verdict::differ);
}

TEST(Verdict, AReferenceDifferenceIsNotWordedAsAnExpectation) {
  auto reference = ran({{"child.umask", "022"}});
  auto judged = judge_cell(ran({{"child.umask", "077"}}), &reference, false, "", {});
  EXPECT_EQ(judged.reason, "child.umask: reference '022', this column '077'");
  auto failed = judge_cell(ran({{"child.umask", "022"}}), nullptr, true, "", {{"fields", {{"child.umask", "077"}}}});
  EXPECT_EQ(failed.reason, "expect child.umask: expected '077', got '022'");
}

// A two-column run (reference and one other) of one scenario, judged, for the results document.
struct SmallRun {
  std::vector<Scenario> scenarios;
  std::vector<Column> columns;
  RunRecord record;

  SmallRun(const CellObservation& other, const KnownDifferences& known) {
    Scenario s;
    s.id = "umask-kept";
    s.file = "scenarios/umask-kept.yaml";
    scenarios.push_back(s);
    for (const char* id : {"cpython-3.13.0", "spawn_core-vfork"}) {
      Column c;
      c.descriptor.id = id;
      c.available = true;
      columns.push_back(c);
    }
    record.scenarios = &scenarios;
    record.columns = &columns;
    record.cells.resize(2);
    record.cells[0].observation = ran({{"child.umask", "022"}});
    record.cells[1].column = 1;
    record.cells[1].observation = other;
    std::vector<JudgedCell*> row = {&record.cells[0], &record.cells[1]};
    judge_row(row, 0, "cpython-3.13.0", nlohmann::json::object(), {std::nullopt, known});
  }
};

TEST(ResultsDocument, AnAcceptedDifferenceCarriesItsEntry) {
  SmallRun run(ran({{"child.umask", "077"}}), umask_entry());
  auto document = results_document(run.record);
  const auto& cell = document["cells"][1];
  EXPECT_EQ(cell["verdict"], "expected-differ");
  EXPECT_EQ(cell["expectation"], nlohmann::json({{"reason", "vfork keeps the umask"},
                                                 {"link", "https://example.invalid/1"},
                                                 {"file", "expectations/x.yaml"},
                                                 {"line", 12}}));
  EXPECT_FALSE(document["cells"][0].contains("expectation"));  // the reference: no entry judged it
}

TEST(ResultsDocument, SeveralEntriesFollowInAlso) {
  KnownDifferences known = umask_entry();
  known->fields["child.session"] = "parent";
  known->sources.push_back({"expectations/y.yaml", 3, "and the session", "https://example.invalid/2"});
  SmallRun run(ran({{"child.umask", "022"}}), known);
  auto cell = results_document(run.record)["cells"][1];
  EXPECT_EQ(cell["verdict"], "unexpected-pass");
  EXPECT_EQ(cell["expectation"]["file"], "expectations/x.yaml");
  ASSERT_EQ(cell["expectation"]["also"].size(), 1u);
  EXPECT_EQ(cell["expectation"]["also"][0]["line"], 3);
}

TEST(ResultsDocument, SkipsKeepTheirReason) {
  CellObservation skipped;
  skipped.status = CellObservation::Status::skip;
  skipped.reason = "unconfined scenario (reads /etc): runs only with --allow-unconfined";
  SmallRun run(skipped, std::nullopt);
  auto cell = results_document(run.record)["cells"][1];
  EXPECT_EQ(cell["verdict"], "skip");
  EXPECT_EQ(cell["reason"], skipped.reason);
  EXPECT_FALSE(cell.contains("expectation"));
}

TEST(ResultsDocument, ANoApiCellNamesItsCapabilityAndIsCountedApart) {
  SmallRun run(without_api("fd at child fd 7"), umask_entry());
  auto document = results_document(run.record);
  const auto& cell = document["cells"][1];
  EXPECT_EQ(cell["verdict"], "no-api");
  EXPECT_EQ(cell["reason"], "no API: fd at child fd 7");
  EXPECT_EQ(cell["capability"], "fd at child fd 7");
  EXPECT_EQ(cell["observation"], nlohmann::json::object());
  EXPECT_FALSE(document["cells"][0].contains("capability"));
  EXPECT_EQ(document["summary"]["no-api"], 1);
  EXPECT_EQ(document["summary"]["skip"], 0);
  EXPECT_EQ(document["summary"]["match"], 1);
}

TEST(ResultsDocument, InvalidScenarioFilesAreListedAndCounted) {
  SmallRun run(ran({{"child.umask", "022"}}), std::nullopt);
  run.record.invalid_scenarios = {{"scenarios/bad.yaml", 4, 9, "parent.umask: expected an octal string"},
                                  {"scenarios/bad.yaml", 7, 3, "unknown key 'colour'"}};
  run.record.unusable_paths = {"scenarios/x.yml: a .yml file: scenarios are named <id>.yaml; rename it to x.yaml"};
  auto document = results_document(run.record);
  ASSERT_EQ(document["invalid_scenarios"].size(), 3u);
  EXPECT_EQ(document["invalid_scenarios"][0],
            nlohmann::json({{"file", "scenarios/x.yml"}, {"line", 1}, {"column", 1},
                            {"message", "a .yml file: scenarios are named <id>.yaml; rename it to x.yaml"}}));
  EXPECT_EQ(document["invalid_scenarios"][2]["line"], 7);
  EXPECT_EQ(document["summary"]["invalid_scenarios"], 2);  // files, not problems
  // A clean corpus: an empty list and a zero, so readers need not guess.
  SmallRun clean(ran({{"child.umask", "022"}}), std::nullopt);
  auto plain = results_document(clean.record);
  EXPECT_EQ(plain["invalid_scenarios"], nlohmann::json::array());
  EXPECT_EQ(plain["summary"]["invalid_scenarios"], 0);
}

}  // namespace
}  // namespace fdconform
