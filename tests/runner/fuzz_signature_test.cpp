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

}  // namespace
}  // namespace fdconform::fuzz
