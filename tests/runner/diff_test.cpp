#include <gtest/gtest.h>

#include "diff/expectations.hpp"
#include "diff/verdict.hpp"

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

}  // namespace
}  // namespace fdconform
