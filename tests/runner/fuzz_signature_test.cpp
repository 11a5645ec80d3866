// runner/fuzz/case_runner: difference signatures with fd numbers made general, and which differences
// the expectation files' entries describe.
#include <gtest/gtest.h>

#include "fuzz/case_runner.hpp"

namespace fdconform::fuzz {
namespace {

TEST(FuzzSignature, NumbersInFieldNamesBecomeN) {
  EXPECT_EQ(general_field("child.fd.7.offset"), "child.fd.N.offset");
  EXPECT_EQ(general_field("child.fd.1022"), "child.fd.N");
  EXPECT_EQ(general_field("child.fds"), "child.fds");
  EXPECT_EQ(general_field("child.signals.libc_internal_ignored"), "child.signals.libc_internal_ignored");
}

TEST(FuzzSignature, AnEntryExplainsOnlyTheSameDifference) {
  GeneralDifference signals{{"child.signals.libc_internal_ignored", {"SIG32,SIG33"}}};
  EXPECT_TRUE(explains(signals, signals));
  // Another value, or one more field, is another difference.
  EXPECT_FALSE(explains(signals, {{"child.signals.libc_internal_ignored", {"SIG32"}}}));
  EXPECT_FALSE(explains(signals, {{"child.signals.libc_internal_ignored", {"SIG32,SIG33"}}, {"child.umask", {"077"}}}));
  // An entry for a spawn that failed with every child field absent does not explain one that failed
  // with another error, nor a child that ran.
  GeneralDifference failed{{"child.fds", {std::nullopt}}, {"outcome", {"exception"}}, {"outcome.error_class", {"TypeError"}}};
  EXPECT_TRUE(explains(failed, failed));
  EXPECT_FALSE(explains(failed, {{"child.fds", {std::nullopt}}, {"outcome", {"exception"}}, {"outcome.error_class", {"OSError"}}}));
  EXPECT_FALSE(explains(failed, {{"child.fds", {"0,1,2"}}, {"outcome", {"exited 0"}}, {"outcome.error_class", {std::nullopt}}}));
}

TEST(FuzzSignature, NumberedFieldsCompareByPresence) {
  GeneralDifference extra_fd{{"child.fd.N", {"log rdwr"}}, {"child.fds", {"0,1,2,5"}}};
  // Another fd, another resource: the same kind of difference when the rest is equal.
  EXPECT_FALSE(explains(extra_fd, {{"child.fd.N", {"p.read rdonly"}}, {"child.fds", {"0,1,2,9"}}}));
  EXPECT_TRUE(explains(extra_fd, {{"child.fd.N", {"p.read rdonly"}}, {"child.fds", {"0,1,2,5"}}}));
  EXPECT_FALSE(explains(extra_fd, {{"child.fd.N", {std::nullopt}}, {"child.fds", {"0,1,2,5"}}}));
}

TEST(FuzzSignature, ChildFieldsOfADifferentOutcomeAreLeftOut) {
  GeneralDifference failed{{"child.fds", {std::nullopt}}, {"child.fd.N", {std::nullopt}}, {"outcome", {"exception"}},
                           {"outcome.error_class", {"AttributeError"}}};
  leave_out_consequences(failed);
  EXPECT_EQ(failed, (GeneralDifference{{"outcome", {"exception"}}, {"outcome.error_class", {"AttributeError"}}}));
  // With the outcome the same, child fields are the difference itself.
  GeneralDifference extra_fd{{"child.fd.N", {"log rdwr"}}, {"child.fds", {"0,1,2,5"}}};
  leave_out_consequences(extra_fd);
  EXPECT_EQ(extra_fd.size(), 2U);
}

// In a steps scenario a spawn's fields are NAME.*: when NAME.outcome differs, the rest of NAME's
// fields go, NAME.outcome.* and the other spawns' fields stay.
TEST(FuzzSignature, StepSpawnFieldsOfADifferentOutcomeAreLeftOut) {
  GeneralDifference failed{{"s0.fds", {std::nullopt}},          {"s0.fd.N", {std::nullopt}},
                           {"s0.outcome", {"exception"}},      {"s0.outcome.errno", {"EBADF"}},
                           {"s1.fds", {"0,1,2,4"}},            {"step.N", {"returned 1"}},
                           {"parent_after.fds", {"parent.stdin"}}};
  leave_out_consequences(failed);
  EXPECT_EQ(failed, (GeneralDifference{{"s0.outcome", {"exception"}},
                                       {"s0.outcome.errno", {"EBADF"}},
                                       {"s1.fds", {"0,1,2,4"}},
                                       {"step.N", {"returned 1"}},
                                       {"parent_after.fds", {"parent.stdin"}}}));
}

// An entry written for a single spawn describes a step spawn's difference read the same way, each spawn
// on its own; a step's field, or one spawn's difference no entry describes, is not explained.
TEST(FuzzSignature, AStepSpawnsDifferenceIsExplainedLikeASingleSpawns) {
  const std::vector<GeneralDifference> entries{
      {{"child.signals.libc_internal_ignored", {"SIG32,SIG33"}}},
      {{"outcome.filename", {"{probe}"}}, {"outcome.message", {"[Errno 9] Bad file descriptor: '{probe}'"}}}};
  EXPECT_TRUE(explained_by(entries, {{"child.signals.libc_internal_ignored", {"SIG32,SIG33"}}}));
  EXPECT_TRUE(explained_by(entries, {{"s0.signals.libc_internal_ignored", {"SIG32,SIG33"}},
                                     {"s2.signals.libc_internal_ignored", {"SIG32,SIG33"}}}));
  EXPECT_TRUE(explained_by(entries, {{"s0.signals.libc_internal_ignored", {"SIG32,SIG33"}},
                                     {"s1.outcome.filename", {"{probe}"}},
                                     {"s1.outcome.message", {"[Errno 9] Bad file descriptor: '{probe}'"}}}));
  EXPECT_FALSE(explained_by(entries, {{"s0.signals.libc_internal_ignored", {"SIG32,SIG33"}}, {"step.N", {"returned 0"}}}));
  EXPECT_FALSE(explained_by(entries, {{"s0.signals.libc_internal_ignored", {"SIG32,SIG33"}}, {"s1.umask", {"077"}}}));
  EXPECT_FALSE(explained_by(entries, {{"s0.signals.libc_internal_ignored", {""}}}));
  EXPECT_FALSE(explained_by({}, {{"s0.umask", {"077"}}}));
}

// One cause, one report: an fd's sub-fields fold into the fd and a step spawn's name into NAME; other
// columns or other fields stay another cause.
TEST(FuzzSignature, TheCauseFoldsWhatVariesWithTheCase) {
  const CaseSignature pipe_leak{{"col", {"child.fds", "child.fd.N", "child.fd.N.pipe_size"}}};
  const CaseSignature file_leak{{"col", {"child.fds", "child.fd.N", "child.fd.N.offset"}}};
  EXPECT_NE(pipe_leak, file_leak);
  EXPECT_EQ(signature_cause(pipe_leak), signature_cause(file_leak));
  EXPECT_EQ(signature_cause(pipe_leak), (CaseSignature{{"col", {"child.fds", "child.fd.N"}}}));
  EXPECT_EQ(signature_cause({{"col", {"s0.fds", "s0.fd.N.offset", "step.N"}}}),
            (CaseSignature{{"col", {"NAME.fds", "NAME.fd.N", "step.N"}}}));
  EXPECT_EQ(signature_cause({{"col", {"s2.fds", "s2.fd.N"}}}), (CaseSignature{{"col", {"NAME.fds", "NAME.fd.N"}}}));
  // Another column, or one field more, is another cause.
  EXPECT_NE(signature_cause(pipe_leak), signature_cause({{"other", {"child.fds", "child.fd.N"}}}));
  EXPECT_NE(signature_cause(pipe_leak), signature_cause({{"col", {"child.fds"}}}));
  EXPECT_NE(signature_cause({{"col", {"outcome", "outcome.errno"}}}), signature_cause({{"col", {"outcome"}}}));
}

}  // namespace
}  // namespace fdconform::fuzz
