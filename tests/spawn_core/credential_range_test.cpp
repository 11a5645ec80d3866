// User and group numbers beyond what uid_t/gid_t can hold (the scenario format stops at 2**32 - 1,
// so only a unit test can ask for them): refused in the parent with CPython's OverflowError text,
// never truncated to a small id.
#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::SpawnError;

TEST(CredentialRange, UserAndGroupAboveTheTypeAreOverflowErrorsBeforeAnyFork) {
  TempDir dir;
  constexpr long long above = 1LL << 32;  // (uid_t)-1 + 1: truncated, it would be uid/gid 0
  struct Case {
    std::optional<spawn_core::UserSpec> user;
    std::optional<spawn_core::GroupSpec> group;
    std::string message;
  };
  const Case cases[] = {
      {above, std::nullopt, "uid is less than minimum"},
      {std::nullopt, above, "gid is less than minimum"},
      {above + 5, std::nullopt, "uid is less than minimum"},
  };
  for (const auto& c : cases) {
    Command command = probe_command(dir);
    command.user = c.user;
    command.group = c.group;
    try {
      spawn_core::spawn(command);
      ADD_FAILURE() << "spawned where CPython raises OverflowError: " << c.message;
    } catch (const SpawnError& error) {
      EXPECT_EQ(error.python_type(), "OverflowError") << c.message;
      EXPECT_EQ(std::string(error.what()), c.message);
      EXPECT_EQ(error.step(), spawn_core::FailedStep::parent) << c.message;  // raised before any fork
    }
    EXPECT_TRUE(no_children_left()) << c.message;
  }
}

// An extra group no gid_t holds is refused as CPython refuses it: _posixsubprocess converts the whole
// list and says ValueError "invalid group id", not group='s OverflowError.
TEST(CredentialRange, AnExtraGroupAboveTheTypeIsValueErrorInvalidGroupId) {
  TempDir dir;
  Command command = probe_command(dir);
  command.extra_groups = std::vector<spawn_core::GroupSpec>{0LL, 1LL << 32};
  try {
    spawn_core::spawn(command);
    ADD_FAILURE() << "spawned where CPython raises ValueError: invalid group id";
  } catch (const SpawnError& error) {
    EXPECT_EQ(error.python_type(), "ValueError");
    EXPECT_EQ(std::string(error.what()), "invalid group id");
    EXPECT_EQ(error.step(), spawn_core::FailedStep::parent);
  }
  EXPECT_TRUE(no_children_left());
}
